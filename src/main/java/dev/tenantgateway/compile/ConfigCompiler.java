package dev.tenantgateway.compile;

import dev.tenantgateway.auth.Issuer;
import dev.tenantgateway.auth.KeySource;
import dev.tenantgateway.config.ConfigError;
import dev.tenantgateway.cors.CorsPolicy;
import dev.tenantgateway.config.ConfigException;
import dev.tenantgateway.config.GatewayConfig;
import dev.tenantgateway.config.GatewayConfig.IssuerConfig;
import dev.tenantgateway.config.GatewayConfig.Require;
import dev.tenantgateway.config.GatewayConfig.RouteConfig;
import dev.tenantgateway.config.Position;
import dev.tenantgateway.policy.PermissionSet;
import dev.tenantgateway.policy.Requirement;
import dev.tenantgateway.routing.PathTemplate;
import dev.tenantgateway.routing.Route;
import dev.tenantgateway.routing.RouteTable;
import dev.tenantgateway.routing.RateLimitRule;
import dev.tenantgateway.tenant.AppRoles;
import dev.tenantgateway.tenant.ClaimPath;
import dev.tenantgateway.tenant.ResourceClaim;
import dev.tenantgateway.tenant.RoleTemplate;
import dev.tenantgateway.tenant.Tenancy;
import dev.tenantgateway.tenant.TenantResolver;
import io.vertx.core.http.HttpMethod;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Step three of loading, and the only place a section of the model becomes the runtime type that serves requests:
 * routes (and the route table, refusing overlaps), requirements, claim mappings, the role template and application
 * roles, tenancy, issuers. Everything is decided here, once per load, so the hot path only reads the result.
 */
public final class ConfigCompiler {

  /** Makes an issuer's key source; an unusable key is an {@link IllegalArgumentException} with a readable message. */
  @FunctionalInterface
  public interface KeySourceFactory {
    KeySource create(IssuerConfig issuer);
  }

  private ConfigCompiler() {
  }

  /**
   * The route table, or every overlap at once: the table is rebuilt without the offending route until it builds.
   */
  public static RouteTable routeTable(GatewayConfig config) throws ConfigException {
    List<ConfigError> errors = new ArrayList<>();
    RouteTable table = routeTable(config, errors);
    if (!errors.isEmpty()) {
      throw new ConfigException(errors);
    }
    return table;
  }

  /** As {@link #routeTable(GatewayConfig)}, adding overlaps to {@code errors}; routes without a usable path are left out. */
  public static RouteTable routeTable(GatewayConfig config, List<ConfigError> errors) {
    List<Route> remaining = new ArrayList<>();
    Map<String, Position> positions = new HashMap<>();
    for (RouteConfig r : config.routes()) {
      if (r.path() != null && !r.methods().isEmpty()) {
        remaining.add(route(r, config.security().maxBodyBytes()));
        positions.put(r.id(), r.position());
      }
    }
    while (true) {
      try {
        return RouteTable.build(remaining);
      } catch (RouteTable.ConflictException e) {
        Position at = positions.getOrDefault(e.second().id(), new Position(0, 0, "routes"));
        errors.add(new ConfigError(config.file(), at.line(), at.column(), at.path(), e.getMessage(),
            "make the paths differ, split the methods between them, or merge the two routes"));
        remaining.remove(e.second());
      }
    }
  }

  /** One route, with the listener's body limit where the route sets none. */
  public static Route route(RouteConfig r, long defaultMaxBodyBytes) {
    Set<HttpMethod> methods = new LinkedHashSet<>();
    for (String m : r.methods()) {
      methods.add(HttpMethod.valueOf(m));
    }
    long maxBody = r.maxBodyBytes() >= 0 ? r.maxBodyBytes() : defaultMaxBodyBytes;
    ResourceClaim resource = r.resource() == null ? null
        : new ResourceClaim(r.resource().param(), ClaimPath.parse(r.resource().claim()));
    RateLimitRule rateLimit = r.rateLimit() == null ? null
        : new RateLimitRule(r.rateLimit().requests(), r.rateLimit().per(), r.rateLimit().by());
    return new Route(r.id(), methods, PathTemplate.parse(r.path()), r.upstream(),
        r.require() == null ? null : requirement(r.require()), r.isPublic(), r.tenantRequired(), r.stripPrefix(),
        r.forwardAuthorization(), maxBody, r.appRoles(), resource, rateLimit, r.position().line(), r.websocket(),
        r.cors() == null ? null : CorsPolicy.compile(r.cors(), methods));
  }

  public static Requirement requirement(Require require) {
    if (require instanceof Require.Permission p) {
      return Requirement.permission(p.name());
    }
    if (require instanceof Require.AllOf all) {
      return Requirement.allOf(all.parts().stream().map(ConfigCompiler::requirement).toList());
    }
    return Requirement.anyOf(((Require.AnyOf) require).parts().stream().map(ConfigCompiler::requirement).toList());
  }

  public static Tenancy tenancy(GatewayConfig.Tenancy t) {
    return new Tenancy(t.header(), t.subdomainSuffix(), t.pathParam(), t.mePath(), t.defaultToSingleMembership());
  }

  /** The role template and application roles, with every permission pattern expanded once. */
  public static TenantResolver tenants(GatewayConfig config) {
    Map<String, AppRoles.Grant> grants = new LinkedHashMap<>();
    config.appRoles().forEach((name, role) ->
        grants.put(name, new AppRoles.Grant(PermissionSet.patterns(role.permissions()), role.anyTenant())));
    return new TenantResolver(new RoleTemplate(config.roles()), new AppRoles(grants), tenancy(config.tenancy()));
  }

  /** Every issuer keyed by its {@code iss}, or every unusable key at once. */
  public static Map<String, Issuer> issuers(GatewayConfig config, KeySourceFactory keys) throws ConfigException {
    List<ConfigError> errors = new ArrayList<>();
    Map<String, Issuer> issuers = new HashMap<>();
    for (IssuerConfig ic : config.issuers()) {
      KeySource source;
      try {
        source = keys.create(ic);
      } catch (IllegalArgumentException e) {
        errors.add(new ConfigError(config.file(), ic.position().line(), ic.position().column(),
            ic.position().path() + ".public_key_file", e.getMessage(),
            "give a PEM public key (-----BEGIN PUBLIC KEY-----) whose type fits the issuer's algorithms"));
        continue;
      }
      issuers.put(ic.issuer(), new Issuer(ic.id(), ic.issuer(), ic.audiences(), ic.algorithms(),
          ic.leeway().toSeconds(), ic.tokenType(), ClaimsCompiler.compile(ic.claims()), source,
          ic.maxTokenLifetime() == null ? 0 : ic.maxTokenLifetime().toSeconds()));
    }
    if (!errors.isEmpty()) {
      issuers.values().forEach(issuer -> issuer.keys().close());
      throw new ConfigException(errors);
    }
    return issuers;
  }

  /** The configured extra reserved headers, plus the tenant-switcher header: the gateway consumes it. */
  public static List<String> reservedHeaders(GatewayConfig config) {
    List<String> names = new ArrayList<>(config.headers().reserved());
    if (config.tenancy().header() != null) {
      names.add(config.tenancy().header());
    }
    return names;
  }
}
