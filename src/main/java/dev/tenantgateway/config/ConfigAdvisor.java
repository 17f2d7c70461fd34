package dev.tenantgateway.config;

import dev.tenantgateway.config.GatewayConfig.IssuerConfig;
import dev.tenantgateway.config.GatewayConfig.RouteConfig;
import dev.tenantgateway.routing.PathTemplate;
import dev.tenantgateway.routing.Route;
import dev.tenantgateway.routing.RouteTable;
import io.vertx.core.http.HttpMethod;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * Risky but valid configuration, for {@code validate}: routes open to any authenticated caller, issuers that do not
 * check the audience, client tenant headers the gateway would not strip, public routes that accept writes, and
 * routes whose paths overlap (the more specific wins, which may surprise).
 */
public final class ConfigAdvisor {

  private ConfigAdvisor() {
  }

  public static List<String> warnings(GatewayConfig config) {
    List<String> warnings = new ArrayList<>();
    for (IssuerConfig issuer : config.issuers()) {
      if (issuer.audiences().isEmpty()) {
        warn(warnings, config, issuer.position(), "issuer '" + issuer.id() + "' does not check aud: tokens minted for "
            + "other APIs of the same identity provider pass; set audiences");
      }
      shapeOverlaps(config, issuer, warnings);
    }
    if (!config.headers().tenant().equalsIgnoreCase("X-Tenant-Id")
        && config.headers().reserved().stream().noneMatch(n -> n.equalsIgnoreCase("X-Tenant-Id"))) {
      warnings.add(config.file() + ": warning: the tenant header is " + config.headers().tenant()
          + ", so a client's X-Tenant-Id is not stripped; add it to headers.reserved if any upstream reads it");
    }
    for (RouteConfig route : config.routes()) {
      if (!route.isPublic() && route.require() != null && route.require().permissionNames().isEmpty()) {
        warn(warnings, config, route.position(), "route '" + route.id() + "' has no require: any authenticated "
            + "caller passes (require: [])");
      }
      if (route.isPublic() && route.methods().stream().anyMatch(m -> m != HttpMethod.GET && m != HttpMethod.HEAD
          && m != HttpMethod.OPTIONS)) {
        warn(warnings, config, route.position(), "public route '" + route.id() + "' accepts " + route.methods()
            + " without a token");
      }
    }
    overlaps(config, warnings);
    return warnings;
  }

  private static void overlaps(GatewayConfig config, List<String> warnings) {
    List<RouteConfig> routes = config.routes();
    for (int i = 0; i < routes.size(); i++) {
      for (int j = 0; j < routes.size(); j++) {
        RouteConfig a = routes.get(i);
        RouteConfig b = routes.get(j);
        if (i == j || a.path() == null || b.path() == null) {
          continue;
        }
        Set<HttpMethod> shared = new HashSet<>(a.methods());
        shared.retainAll(b.methods());
        if (shared.isEmpty()) {
          continue;
        }
        // a sample request of b's shape: does a, alone, match it too?
        String sample = sample(b.path());
        HttpMethod method = shared.iterator().next();
        RouteTable onlyA = RouteTable.build(List.of(new Route(a.id(), a.methods(), a.path(), a.upstream(), a.require(),
            a.isPublic(), a.tenantRequired(), a.stripPrefix(), false, -1, List.of(), null, null, 0)));
        if (onlyA.match(method, sample) != null && !a.path().shape().equals(b.path().shape())) {
          warn(warnings, config, b.position(), "route '" + b.id() + "' (" + b.path() + ") overlaps route '" + a.id()
              + "' (" + a.path() + "): " + method + " " + sample + " could match both; '" + b.id()
              + "' wins as the more specific");
        }
      }
    }
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

  /**
   * Shapes whose conditions test different claims can both hold for one token; the first listed wins. Not an error
   * (that order is often the point), but never silent. Shapes that can never be chosen are refused by the loader.
   */
  private static void shapeOverlaps(GatewayConfig config, IssuerConfig issuer, List<String> warnings) {
    List<dev.tenantgateway.tenant.Shape> shapes = issuer.claims().shapes();
    for (int j = 1; j < shapes.size(); j++) {
      for (int i = 0; i < j; i++) {
        var earlier = shapes.get(i).when();
        var later = shapes.get(j).when();
        if (earlier != null && later != null && !earlier.claim().text().equals(later.claim().text())
            && earlier.kind() != dev.tenantgateway.tenant.Condition.Kind.ABSENT
            && later.kind() != dev.tenantgateway.tenant.Condition.Kind.ABSENT) {
          warn(warnings, config, issuer.position(), "issuer '" + issuer.id() + "': a token with " + earlier + " and "
              + later + " takes shapes[" + i + "], never shapes[" + j + "]; add present: false conditions if that is not meant");
        }
      }
    }
  }

  private static void warn(List<String> warnings, GatewayConfig config, Position at, String message) {
    warnings.add(config.file() + ":" + at.line() + ":" + at.column() + ": warning: " + message);
  }
}
