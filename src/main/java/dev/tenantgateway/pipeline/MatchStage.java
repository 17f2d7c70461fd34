package dev.tenantgateway.pipeline;

import dev.tenantgateway.cors.CorsPolicy;
import dev.tenantgateway.policy.Denial;
import dev.tenantgateway.policy.DenialCode;
import dev.tenantgateway.routing.Route;
import dev.tenantgateway.routing.RouteMatch;
import dev.tenantgateway.routing.RouteTable;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpMethod;

import java.util.List;
import java.util.function.ToLongFunction;

/**
 * 2 match: (method, canonical path) to exactly one route, or 404 {@code route_not_found}; a declared body over the
 * route's limit is 413. {@code GET} on the introspection path is no route: the run answers it after permissions.
 */
public final class MatchStage implements Stage {

  private final RouteTable routes;
  private final String mePath;
  private final ToLongFunction<String> contentLength;
  private final boolean preflights;

  /**
   * @param mePath the caller-introspection path, or null when disabled
   * @param contentLength parses a Content-Length value (negative when malformed)
   */
  public MatchStage(RouteTable routes, String mePath, ToLongFunction<String> contentLength) {
    this(routes, mePath, contentLength, false);
  }

  /** @param preflights CORS is configured: a preflight matches the route of the method it asks for */
  public MatchStage(RouteTable routes, String mePath, ToLongFunction<String> contentLength, boolean preflights) {
    this.routes = routes;
    this.mePath = mePath;
    this.contentLength = contentLength;
    this.preflights = preflights;
  }

  @Override
  public String name() {
    return "2 match";
  }

  @Override
  public Verdict step(RequestContext ctx) {
    String path = ctx.target.path();
    HttpMethod method = ctx.httpMethod;
    if (preflights && method == HttpMethod.OPTIONS) {
      method = preflightMethod(ctx);
    }
    if (mePath != null && method == HttpMethod.GET && mePath.equals(path)) {
      ctx.introspection = true;
      return Verdict.CONTINUE;
    }
    RouteMatch match = routes.match(method, path);
    if (match == null) {
      return Verdict.deny(unmatched(ctx, path));
    }
    ctx.match = match;
    Route route = match.route();
    ctx.route = route.id();
    if (ctx.preflight) {
      return Verdict.CONTINUE; // the cors stage answers it; a preflight has no body and upgrades nothing
    }
    if (!route.websocket() && ctx.headers.contains(HttpHeaders.UPGRADE)
        && asksForWebSocket(ctx.headers.getAll(HttpHeaders.UPGRADE))) {
      return Verdict.deny(Denial.websocketNotAllowed()); // never 101 where the route did not ask for it
    }
    String declaredLength = ctx.headers.get(HttpHeaders.CONTENT_LENGTH);
    if (declaredLength != null && contentLength.applyAsLong(declaredLength) > route.maxBodyBytes()) {
      return Verdict.deny(Denial.of(DenialCode.BODY_TOO_LARGE,
          "This route accepts request bodies of at most " + route.maxBodyBytes() + " bytes."));
    }
    return Verdict.CONTINUE;
  }

  /**
   * The method a CORS preflight asks for (marking the request a preflight), or OPTIONS itself for any other OPTIONS
   * request. Browsers send method names as tokens; anything else is no preflight.
   */
  private static HttpMethod preflightMethod(RequestContext ctx) {
    String requested = ctx.headers.get(CorsPolicy.REQUEST_METHOD);
    if (requested == null || !ctx.headers.contains(CorsPolicy.ORIGIN) || !Methods.isToken(requested)) {
      return HttpMethod.OPTIONS;
    }
    ctx.preflight = true;
    return HttpMethod.valueOf(requested);
  }

  /**
   * Why no route matched: 501 for a method the gateway never routes, 405 (with {@code Allow}) when the path exists
   * with other methods, 404 otherwise.
   */
  private Denial unmatched(RequestContext ctx, String path) {
    if (!RouteTable.isImplemented(ctx.httpMethod)) {
      return Denial.notImplemented();
    }
    String allow = allowed(path);
    if (allow == null) {
      return Denial.routeNotFound();
    }
    if (ctx.request != null) {
      ctx.request.response().putHeader(HttpHeaders.ALLOW, allow);
      return Denial.methodNotAllowed();
    }
    Denial denial = Denial.methodNotAllowed();
    return Denial.of(denial.reason(), denial.detail() + " Allow: " + allow);
  }

  /** The {@code Allow} value for a path (the introspection path accepts GET), or null when nothing is there. */
  private String allowed(String path) {
    String allow = routes.allowedMethods(path);
    if (mePath != null && mePath.equals(path)) {
      allow = allow == null ? "GET" : allow.startsWith("GET") ? allow : "GET, " + allow;
    }
    return allow;
  }

  /** Whether an {@code Upgrade} value lists the websocket protocol (any case, any position in the list). */
  static boolean asksForWebSocket(List<String> upgrades) {
    for (String upgrade : upgrades) {
      for (String protocol : upgrade.split(",")) {
        String name = protocol.trim();
        int slash = name.indexOf('/');
        if ((slash < 0 ? name : name.substring(0, slash)).trim().equalsIgnoreCase("websocket")) {
          return true;
        }
      }
    }
    return false;
  }

  @Override
  public String explain(RequestContext ctx) {
    if (ctx.introspection) {
      return "the caller-introspection endpoint " + mePath + (ctx.preflight ? " (a CORS preflight for GET)"
          : " (no route; runs up to permissions)");
    }
    if (ctx.preflight) {
      Route route = ctx.route();
      return "a CORS preflight for " + ctx.headers.get(CorsPolicy.REQUEST_METHOD) + " on route '" + route.id()
          + "' (line " + route.line() + "): " + Methods.sorted(route.methods()) + " " + route.path();
    }
    Route route = ctx.route();
    return "route '" + route.id() + "' (line " + route.line() + "): " + Methods.sorted(route.methods()) + " "
        + route.path() + " -> upstream " + route.upstream();
  }
}
