package dev.tenantgateway.server;

import dev.tenantgateway.cors.CorsPolicy;
import dev.tenantgateway.cors.CorsRules;
import dev.tenantgateway.observe.Tracing;
import dev.tenantgateway.pipeline.Pipeline;
import dev.tenantgateway.pipeline.RequestContext;
import dev.tenantgateway.policy.Denial;
import dev.tenantgateway.policy.DenialCode;
import dev.tenantgateway.routing.PathNormalizer;
import dev.tenantgateway.routing.Route;
import dev.tenantgateway.tenant.Caller;
import io.vertx.core.MultiMap;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.core.net.HostAndPort;
import io.vertx.core.net.SocketAddress;

import java.lang.System.Logger.Level;

/**
 * What the gateway does once the pipeline has decided, for one snapshot: 8 forward a request every stage let through
 * (or answer the introspection endpoint with the caller), or render the denial. Nothing reaches the upstream request
 * before this point, and then the trusted headers are set once.
 */
final class ProxyOutcome implements Pipeline.Outcome {

  private static final System.Logger LOG = System.getLogger(ProxyOutcome.class.getName());

  private final GatewaySnapshot snapshot;

  ProxyOutcome(GatewaySnapshot snapshot) {
    this.snapshot = snapshot;
  }

  @Override
  public void passed(RequestContext ctx) {
    if (ctx.preflight) {
      answerPreflight(ctx);
      return;
    }
    cors(ctx);
    if (ctx.introspection) {
      introspect(ctx);
      return;
    }
    // 8 forward
    HttpServerRequest request = ctx.request;
    Route route = ctx.route();
    PathNormalizer.Result target = ctx.target;
    SocketAddress peer = request.remoteAddress();
    String peerAddress = peer == null ? null : peer.hostAddress();
    HostAndPort authority = request.authority();
    snapshot.headers().apply(request.headers(), route.isPublic() ? null : ctx.caller, route.forwardAuthorization(),
        ctx.requestId, peerAddress, request.scheme(), authority == null ? null : authority.toString(),
        snapshot.isTrustedProxy(peerAddress));
    if (ctx.span != null) {
      Tracing.propagate(ctx, request.headers()); // the gateway span becomes the upstream's parent
    }
    String forwardTarget = route.forwardPath(target.path());
    if (target.query() != null) {
      forwardTarget = forwardTarget + "?" + target.query();
    }
    snapshot.upstream(route.upstream()).forward(request, forwardTarget, ctx, route.maxBodyBytes());
  }

  /**
   * The caller-introspection endpoint: the tenants the caller belongs to and their roles and permissions in the
   * active (or requested) tenant, from the same stages that enforce routes, so a UI that hides buttons and the
   * gateway that refuses requests never disagree.
   */
  private static void introspect(RequestContext ctx) {
    Caller caller = ctx.caller;
    JsonObject body = new JsonObject()
        .put("user", caller.user())
        .put("tenant", caller.tenant())
        .put("tenants", new JsonArray(caller.tenants()))
        .put("roles", new JsonArray(caller.roles()))
        .put("permissions", new JsonArray(caller.permissions().sortedGrants()))
        .put("app_roles", new JsonArray(caller.appRoles()));
    ctx.request.resume();
    ctx.request.response()
        .putHeader(HttpHeaders.CONTENT_TYPE, "application/json")
        .putHeader(HttpHeaders.CACHE_CONTROL, "no-store")
        .putHeader("X-Request-Id", ctx.requestId)
        .end(body.toBuffer());
  }

  /** A preflight the cors stage allowed: 204 with the policy's headers; nothing is forwarded. */
  private void answerPreflight(RequestContext ctx) {
    MultiMap headers = ctx.headers;
    HttpServerResponse response = ctx.request.response();
    snapshot.cors().policyFor(ctx.routeId()).writePreflight(response.headers(), headers.get(CorsPolicy.ORIGIN),
        headers.get(CorsPolicy.REQUEST_HEADERS));
    ctx.request.resume();
    response.setStatusCode(204).putHeader("X-Request-Id", ctx.requestId).end();
  }

  /**
   * The one place the CORS headers of a forwarded or refused response are decided: just before its head is written,
   * after the upstream's headers were copied (or cleared for a problem response), so the policy's headers are the
   * ones the browser sees. Nothing happens, and nothing is allocated, without CORS in routes.yaml or without an Origin.
   */
  private void cors(RequestContext ctx) {
    CorsRules rules = snapshot.cors();
    if (rules == null) {
      return;
    }
    String origin = ctx.headers.get(CorsPolicy.ORIGIN);
    if (origin == null) {
      return;
    }
    CorsPolicy policy = rules.policyFor(ctx.routeId());
    if (policy == null || ctx.request.canUpgradeToWebSocket()) {
      return;
    }
    HttpServerResponse response = ctx.request.response();
    response.headersEndHandler(v -> policy.writeActual(response.headers(), origin,
        ctx.caller == null ? null : ctx.caller.tenant()));
  }

  @Override
  public void denied(RequestContext ctx, Denial denial) {
    ctx.decision = denial.code();
    if (!ctx.preflight) {
      cors(ctx);
    }
    // Resume first: a request still paused when its response ends leaves the connection unread, and the client's next
    // request on it would hang. Any body the client is still sending is discarded.
    ctx.request.resume();
    snapshot.problems().send(ctx.request.response(), denial, ctx.requestId, ctx.traceId);
  }

  @Override
  public void failed(RequestContext ctx, Throwable failure) {
    LOG.log(Level.ERROR, "request " + ctx.requestId + " failed inside the gateway", failure);
    denied(ctx, Denial.of(DenialCode.INTERNAL_ERROR, "The gateway could not process this request."));
  }
}
