package dev.tenantgateway.server;

import dev.tenantgateway.observe.AccessLog;
import dev.tenantgateway.observe.Metrics;
import dev.tenantgateway.pipeline.Pipeline;
import dev.tenantgateway.pipeline.RequestContext;
import io.vertx.core.Handler;
import io.vertx.core.http.HttpServerRequest;

import java.util.function.Supplier;

/**
 * Serves client traffic: runs each request through the snapshot's {@link Pipeline}, whose outcome forwards or
 * answers ({@link ProxyOutcome}), and 9 observe: exactly one metrics update and one access-log line per request. The
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
    // 9 observe: exactly one metrics update and one access-log line, whichever of end or close comes first
    request.response().endHandler(v -> observe(ctx, request.response().getStatusCode()));
    request.response().closeHandler(v -> observe(ctx, 499)); // the client went away before the response ended
    snapshot.pipeline().run(ctx, snapshot.outcome());
  }

  private void observe(RequestContext exchange, int status) {
    if (exchange.markReported()) {
      metrics.request(exchange, status);
      if (accessLog != null) {
        accessLog.log(exchange, status);
      }
    }
  }
}
