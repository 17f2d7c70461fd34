package dev.tenantgateway.routing;

import dev.tenantgateway.policy.Requirement;
import io.vertx.core.http.HttpMethod;

import java.util.List;
import java.util.Set;

/**
 * One entry of routes.yaml, compiled.
 *
 * @param require null only on public routes
 * @param stripPrefix leading path removed before forwarding, or null
 * @param maxBodyBytes the request body limit, or -1 for the listener's default
 * @param appRoles application roles that satisfy this route whatever it requires
 * @param resource a resource constraint inside the tenant, or null
 * @param rateLimit the route's rate limit, or null
 * @param line where the route is declared, for messages
 * @param websocket WebSocket upgrades are forwarded; on other routes an upgrade request gets 400
 *
 * <p>A route's cross-origin policy is not here: matching knows nothing of CORS. It is compiled beside the table, keyed
 * by the route's id ({@code cors.CorsRules}).
 */
public record Route(String id, Set<HttpMethod> methods, PathTemplate path, String upstream, Requirement require,
                    boolean isPublic, boolean tenantRequired, String stripPrefix, boolean forwardAuthorization,
                    long maxBodyBytes, List<String> appRoles, ResourceRule resource, RateLimitRule rateLimit,
                    int line, boolean websocket) {

  public Route {
    methods = Set.copyOf(methods);
    appRoles = appRoles == null ? List.of() : List.copyOf(appRoles);
  }

  /** A route that refuses WebSocket upgrades (the default: {@code websocket: false}). */
  public Route(String id, Set<HttpMethod> methods, PathTemplate path, String upstream, Requirement require,
               boolean isPublic, boolean tenantRequired, String stripPrefix, boolean forwardAuthorization,
               long maxBodyBytes, List<String> appRoles, ResourceRule resource, RateLimitRule rateLimit, int line) {
    this(id, methods, path, upstream, require, isPublic, tenantRequired, stripPrefix, forwardAuthorization,
        maxBodyBytes, appRoles, resource, rateLimit, line, false);
  }

  /** How many parameters the path has (computed from the template; cheap). */
  public int paramCount() {
    return path.paramCount();
  }

  /** The path to send upstream for a canonical request path this route matched. */
  public String forwardPath(String canonicalPath) {
    if (stripPrefix == null) {
      return canonicalPath;
    }
    String rest = canonicalPath.substring(stripPrefix.length());
    return rest.isEmpty() ? "/" : rest.charAt(0) == '/' ? rest : "/" + rest;
  }
}
