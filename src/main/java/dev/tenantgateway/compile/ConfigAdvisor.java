package dev.tenantgateway.compile;

import dev.tenantgateway.config.ClaimsConfig;
import dev.tenantgateway.config.GatewayConfig;
import dev.tenantgateway.config.GatewayConfig.IssuerConfig;
import dev.tenantgateway.config.GatewayConfig.RouteConfig;
import dev.tenantgateway.config.Position;
import dev.tenantgateway.config.load.Suggestions;
import dev.tenantgateway.policy.PermissionSet;
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
import java.util.TreeSet;

/**
 * Risky but valid configuration, for {@code validate}: routes open to any authenticated caller, issuers that do not
 * check the audience, client tenant headers the gateway would not strip, public routes that accept writes, routes
 * requiring a permission no role grants that looks like a typo of one they do, and routes whose paths overlap (the
 * more specific wins, which may surprise).
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
      shapeOverlaps(config, issuer, warnings);
    }
    if (!config.headers().tenant().equalsIgnoreCase("X-Tenant-Id")
        && config.headers().reserved().stream().noneMatch(n -> n.equalsIgnoreCase("X-Tenant-Id"))) {
      warnings.add(config.file() + ": warning: the tenant header is " + config.headers().tenant()
          + ", so a client's X-Tenant-Id is not stripped; add it to headers.reserved if any upstream reads it");
    }
    for (GatewayConfig.UpstreamConfig upstream : config.upstreams().values()) {
      if (upstream.tls() != null && !upstream.tls().verify()) {
        warn(warnings, config, upstream.position(), "upstream '" + upstream.name() + "' has tls.verify: false: any "
            + "certificate is accepted, so anyone on the path can read and change what the gateway forwards");
      }
    }
    for (RouteConfig route : config.routes()) {
      if (!route.isPublic() && route.require() != null
          && ConfigCompiler.requirement(route.require()).permissionNames().isEmpty()) {
        warn(warnings, config, route.position(), "route '" + route.id() + "' admits any authenticated caller "
            + "(require: []): no permission is checked");
      }
      if (route.isPublic() && route.methods().stream().anyMatch(WRITES::contains)) {
        warn(warnings, config, route.position(), "public route '" + route.id() + "' accepts " + route.methods()
            + " without a token");
      }
    }
    ungrantedPermissions(config, warnings);
    overlaps(config, warnings);
    return warnings;
  }

  /**
   * A route requiring a permission that no role grants passes only tokens that list it themselves; when a permission
   * the roles do grant is a near miss of it ({@code projets:read} for {@code projects:read}), it is almost certainly
   * a typo, and one that would quietly refuse every caller.
   */
  private static void ungrantedPermissions(GatewayConfig config, List<String> warnings) {
    List<String> grants = new ArrayList<>();
    config.roles().values().forEach(grants::addAll);
    config.appRoles().values().forEach(grant -> grants.addAll(grant.permissions()));
    PermissionSet granted = PermissionSet.patterns(grants);
    for (RouteConfig route : config.routes()) {
      if (route.isPublic() || route.require() == null) {
        continue;
      }
      for (String permission : ConfigCompiler.requirement(route.require()).permissionNames()) {
        if (granted.grants(permission)) {
          continue;
        }
        String near = Suggestions.nearest(permission, grantable(grants, permission));
        if (near != null && !near.equalsIgnoreCase(permission)) {
          warn(warnings, config, route.position(), "route '" + route.id() + "' requires '" + permission
              + "', which no role in roles: or app_roles: grants (did you mean '" + near + "'?); only tokens that "
              + "list it themselves pass");
        }
      }
    }
  }

  /** The names the grants give that {@code wanted} could have been meant as: exact grants, and wildcards completed. */
  private static Set<String> grantable(List<String> grants, String wanted) {
    Set<String> names = new TreeSet<>();
    int colon = wanted.lastIndexOf(':');
    for (String grant : grants) {
      if (!grant.endsWith("*")) {
        names.add(grant);
      } else if (grant.length() > 1 && colon >= 0) {
        names.add(grant.substring(0, grant.length() - 1) + wanted.substring(colon + 1)); // projects:* -> projects:read
      }
    }
    return names;
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

  /**
   * Shapes whose conditions test different claims can both hold for one token; the first listed wins. Not an error
   * (that order is often the point), but never silent. Shapes that can never be chosen are refused by the loader.
   */
  private static void shapeOverlaps(GatewayConfig config, IssuerConfig issuer, List<String> warnings) {
    List<ClaimsConfig.Shape> shapes = issuer.claims().shapes();
    for (int j = 1; j < shapes.size(); j++) {
      for (int i = 0; i < j; i++) {
        ClaimsConfig.Condition earlier = shapes.get(i).when();
        ClaimsConfig.Condition later = shapes.get(j).when();
        if (earlier != null && later != null && !earlier.claim().equals(later.claim())
            && earlier.kind() != ClaimsConfig.Condition.Kind.ABSENT
            && later.kind() != ClaimsConfig.Condition.Kind.ABSENT) {
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
