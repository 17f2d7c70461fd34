package dev.tenantgateway.cors;

import dev.tenantgateway.config.GatewayConfig;
import dev.tenantgateway.routing.Route;
import dev.tenantgateway.routing.RouteTable;
import io.vertx.core.http.HttpMethod;

import java.util.List;

/**
 * Which cross-origin policy a request falls under: its route's, or the top-level one where no route matched (a 404
 * or the caller-introspection endpoint). Absent from the snapshot (null) when routes.yaml configures CORS nowhere,
 * so that gateway does no CORS work at all.
 */
public final class CorsRules {

  private final CorsPolicy global;
  private final boolean tenantBound;

  private CorsRules(CorsPolicy global, boolean tenantBound) {
    this.global = global;
    this.tenantBound = tenantBound;
  }

  /** The rules, or null when neither the top level nor any route has a {@code cors:} policy. */
  public static CorsRules compile(GatewayConfig config, RouteTable routes) {
    boolean anyRoute = false;
    boolean tenantBound = false;
    for (Route route : routes.routes()) {
      if (route.cors() != null) {
        anyRoute = true;
        tenantBound |= route.cors().tenantOrigin();
      }
    }
    if (config.cors() == null && !anyRoute) {
      return null;
    }
    // the introspection endpoint answers GET only
    CorsPolicy global = config.cors() == null ? null : CorsPolicy.compile(config.cors(), List.of(HttpMethod.GET));
    return new CorsRules(global, tenantBound || (global != null && global.tenantOrigin()));
  }

  /** The policy for a request that matched {@code route}, or (null route) matched none; null: no CORS there. */
  public CorsPolicy policyFor(Route route) {
    return route != null ? route.cors() : global;
  }

  /** Whether some policy binds {@code {tenant}} origins to the caller's tenant. */
  public boolean tenantBound() {
    return tenantBound;
  }
}
