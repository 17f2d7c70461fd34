package dev.tenantgateway.pipeline;

import dev.tenantgateway.policy.Denial;
import dev.tenantgateway.policy.DenialCode;
import dev.tenantgateway.routing.Route;
import dev.tenantgateway.routing.RouteMatch;
import dev.tenantgateway.routing.RouteTable;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpMethod;

import java.util.function.ToLongFunction;

/**
 * 2 match: (method, canonical path) to exactly one route, or 404 {@code route_not_found}; a declared body over the
 * route's limit is 413. {@code GET} on the introspection path is no route: the run answers it after permissions.
 */
public final class MatchStage implements Stage {

  private final RouteTable routes;
  private final String mePath;
  private final ToLongFunction<String> contentLength;

  /**
   * @param mePath the caller-introspection path, or null when disabled
   * @param contentLength parses a Content-Length value (negative when malformed)
   */
  public MatchStage(RouteTable routes, String mePath, ToLongFunction<String> contentLength) {
    this.routes = routes;
    this.mePath = mePath;
    this.contentLength = contentLength;
  }

  @Override
  public String name() {
    return "2 match";
  }

  @Override
  public Verdict step(RequestContext ctx) {
    String path = ctx.target.path();
    if (mePath != null && ctx.httpMethod == HttpMethod.GET && mePath.equals(path)) {
      ctx.introspection = true;
      return Verdict.CONTINUE;
    }
    RouteMatch match = routes.match(ctx.httpMethod, path);
    if (match == null) {
      return Verdict.deny(Denial.routeNotFound());
    }
    ctx.match = match;
    Route route = match.route();
    ctx.route = route.id();
    String declaredLength = ctx.headers.get(HttpHeaders.CONTENT_LENGTH);
    if (declaredLength != null && contentLength.applyAsLong(declaredLength) > route.maxBodyBytes()) {
      return Verdict.deny(Denial.of(DenialCode.BODY_TOO_LARGE,
          "This route accepts request bodies of at most " + route.maxBodyBytes() + " bytes."));
    }
    return Verdict.CONTINUE;
  }

  @Override
  public String explain(RequestContext ctx) {
    if (ctx.introspection) {
      return "the caller-introspection endpoint " + mePath + " (no route; runs up to permissions)";
    }
    Route route = ctx.route();
    return "route '" + route.id() + "' (line " + route.line() + "): " + Methods.sorted(route.methods()) + " "
        + route.path() + " -> upstream " + route.upstream();
  }
}
