package dev.tenantgateway.compile;

import dev.tenantgateway.config.GatewayConfig;
import dev.tenantgateway.config.GatewayConfig.RouteConfig;
import dev.tenantgateway.cors.CorsPolicy;
import dev.tenantgateway.cors.CorsRules;
import io.vertx.core.http.HttpMethod;

import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The model's {@code cors:} sections (top level and per route, inheritance already resolved by the reader) become the
 * runtime policies, once per load.
 */
public final class CorsCompiler {

  private CorsCompiler() {
  }

  /** Every route's policy and the top-level one, or null when routes.yaml configures CORS nowhere. */
  public static CorsRules rules(GatewayConfig config) {
    Map<String, CorsPolicy> byRoute = new HashMap<>();
    for (RouteConfig r : config.routes()) {
      if (r.cors() != null && r.path() != null && !r.methods().isEmpty()) {
        byRoute.put(r.id(), policy(r.cors(), ConfigCompiler.methods(r)));
      }
    }
    // the introspection endpoint answers GET only
    CorsPolicy global = config.cors() == null ? null : policy(config.cors(), List.of(HttpMethod.GET));
    return CorsRules.of(global, byRoute);
  }

  /**
   * One policy.
   *
   * @param routeMethods the methods a preflight may ask for when the policy lists none
   */
  public static CorsPolicy policy(GatewayConfig.Cors cors, Collection<HttpMethod> routeMethods) {
    List<HttpMethod> methods = new ArrayList<>();
    if (cors.allowMethods().isEmpty()) {
      methods.addAll(routeMethods);
    } else {
      cors.allowMethods().forEach(m -> methods.add(HttpMethod.valueOf(m)));
    }
    return CorsPolicy.of(cors.allowOrigins(), cors.tenantOrigin(), methods, cors.allowHeaders(),
        cors.exposeHeaders(), cors.allowCredentials(), cors.maxAge());
  }
}
