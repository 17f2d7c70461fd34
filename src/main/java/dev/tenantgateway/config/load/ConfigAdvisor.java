package dev.tenantgateway.config.load;

import dev.tenantgateway.compile.ConfigCompiler;
import dev.tenantgateway.config.GatewayConfig;
import dev.tenantgateway.config.GatewayConfig.IssuerConfig;
import dev.tenantgateway.config.GatewayConfig.RouteConfig;
import dev.tenantgateway.config.Position;
import dev.tenantgateway.routing.PathTemplate;
import dev.tenantgateway.routing.Route;
import dev.tenantgateway.routing.RouteTable;
import io.vertx.core.http.HttpMethod;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Risky but valid configuration, for {@code validate}: routes open to any authenticated caller, issuers that do not
 * check the audience, client tenant headers the gateway would not strip, public routes that accept writes, and
 * routes whose paths overlap (the more specific wins, which may surprise).
 */
public final class ConfigAdvisor {

  private static final List<String> WRITES = List.of("POST", "PUT", "PATCH", "DELETE");

  private ConfigAdvisor() {
  }

  public static List<String> warnings(GatewayConfig config) {
    List<String> warnings = new ArrayList<>();
    for (IssuerConfig issuer : config.issuers()) {
      if (issuer.audiences().isEmpty()) {
        warn(warnings, config, issuer.position(), "issuer '" + issuer.id() + "' does not check aud: tokens minted for "
            + "other APIs of the same identity provider pass; set audiences");
      }
    }
    if (!config.headers().tenant().equalsIgnoreCase("X-Tenant-Id")
        && config.headers().reserved().stream().noneMatch(n -> n.equalsIgnoreCase("X-Tenant-Id"))) {
      warnings.add(config.file() + ": warning: the tenant header is " + config.headers().tenant()
          + ", so a client's X-Tenant-Id is not stripped; add it to headers.reserved if any upstream reads it");
    }
    for (RouteConfig route : config.routes()) {
      if (!route.isPublic() && route.require() != null
          && ConfigCompiler.requirement(route.require()).permissionNames().isEmpty()) {
        warn(warnings, config, route.position(), "route '" + route.id() + "' has no require: any authenticated "
            + "caller passes (require: [])");
      }
      if (route.isPublic() && route.methods().stream().anyMatch(WRITES::contains)) {
        warn(warnings, config, route.position(), "public route '" + route.id() + "' accepts " + route.methods()
            + " without a token");
      }
    }
    overlaps(config, warnings);
    return warnings;
  }

  /**
   * For each route, a sample request of its shape is matched against the whole table once; every other route that
   * would also match it (with another shape) overlaps. Linear in the number of routes, not pairwise.
   */
  private static void overlaps(GatewayConfig config, List<String> warnings) {
    RouteTable table = ConfigCompiler.routeTable(config, new ArrayList<>());
    Map<String, RouteConfig> byId = new HashMap<>();
    config.routes().forEach(r -> byId.put(r.id(), r));
    for (Route b : table.routes()) {
      String sample = sample(b.path());
      Set<String> reported = new LinkedHashSet<>();
      for (HttpMethod method : sorted(b.methods())) {
        for (Route a : table.matchAll(method, sample)) {
          if (a != b && !a.path().shape().equals(b.path().shape()) && reported.add(a.id())) {
            warn(warnings, config, byId.get(b.id()).position(), "route '" + b.id() + "' (" + b.path()
                + ") overlaps route '" + a.id() + "' (" + a.path() + "): " + method + " " + sample
                + " could match both; '" + b.id() + "' wins as the more specific");
          }
        }
      }
    }
  }

  private static List<HttpMethod> sorted(Set<HttpMethod> methods) {
    return methods.stream().sorted((x, y) -> x.name().compareTo(y.name())).toList();
  }

  private static String sample(PathTemplate template) {
    StringBuilder b = new StringBuilder();
    for (PathTemplate.Segment s : template.segments()) {
      b.append('/').append(s.literal() != null ? s.literal() : s.wildcard() ? "x/y" : "x");
    }
    if (b.length() == 0 || template.trailingSlash()) {
      b.append('/');
    }
    return b.toString();
  }

  private static void warn(List<String> warnings, GatewayConfig config, Position at, String message) {
    warnings.add(config.file() + ":" + at.line() + ":" + at.column() + ": warning: " + message);
  }
}
