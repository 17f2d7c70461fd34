package dev.tenantgateway.server;

import dev.tenantgateway.observe.AccessLog;
import dev.tenantgateway.observe.Metrics;
import dev.tenantgateway.observe.Tracing;
import dev.tenantgateway.pipeline.Pipeline;
import dev.tenantgateway.pipeline.RequestContext;
import io.vertx.core.Handler;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpServerResponse;

import java.util.function.Supplier;

/**
 * Serves client traffic: runs each request through the snapshot's {@link Pipeline}, whose outcome forwards or
 * answers ({@link ProxyOutcome}), and 9 observe: exactly one metrics update, one access-log line and (tracing on) one
 * span per request. The
 * snapshot is read once per request, so a reload never changes a request half-way.
 */
final class GatewayHandler implements Handler<HttpServerRequest> {

  private final Supplier<GatewaySnapshot> snapshots;
  private final Metrics metrics;
  private final AccessLog accessLog;

  /** @param accessLog null when access logging is off */
  GatewayHandler(Supplier<GatewaySnapshot> snapshots, Metrics metrics, AccessLog accessLog) {
    this.snapshots = snapshots;
    this.metrics = metrics;
    this.accessLog = accessLog;
  }

  @Override
  public void handle(HttpServerRequest request) {
    GatewaySnapshot snapshot = snapshots.get();
    RequestContext ctx = new RequestContext(RequestIds.next(), request, System.nanoTime());
    Tracing tracing = snapshot.tracing();
    if (tracing != null) {
      tracing.start(ctx, request.headers()); // ended in observe, whichever way the request ends
    }
    // 9 observe: exactly one metrics update and one access-log line, whichever of end or close comes first
    // Vert.x also calls the end handler when the connection closes first: then the response did not end, and the
    // status is the client going away (499) or the gateway breaking a failed response (ctx.closedStatus)
    HttpServerResponse response = request.response();
    response.endHandler(v -> observe(ctx, response.ended() ? response.getStatusCode() : ctx.closedStatus));
    response.closeHandler(v -> observe(ctx, ctx.closedStatus));
    snapshot.pipeline().run(ctx, snapshot.outcome());
  }

  private void observe(RequestContext exchange, int status) {
    if (exchange.markReported()) {
      metrics.request(exchange, status);
      if (exchange.span != null) { // tracing off: the tracing classes are never even loaded
        Tracing.end(exchange, status);
      }
      if (accessLog != null) {
        accessLog.log(exchange, status);
      }
    }
  }
}
