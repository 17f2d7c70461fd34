package dev.tenantgateway.server;

import dev.tenantgateway.observe.Metrics;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;

import java.util.function.Supplier;

/**
 * The operator's listener, apart from client traffic: {@code /metrics} (Prometheus text), {@code /healthz} (the
 * process is alive) and {@code /readyz} (every issuer has keys and the gateway is not shutting down).
 */
final class AdminServer {

  private final Vertx vertx;
  private final Metrics metrics;
  private final Supplier<String> notReadyReason;
  private HttpServer server;

  /** @param notReadyReason null when ready, otherwise why not */
  AdminServer(Vertx vertx, Metrics metrics, Supplier<String> notReadyReason) {
    this.vertx = vertx;
    this.metrics = metrics;
    this.notReadyReason = notReadyReason;
  }

  Future<Void> listen(String host, int port) {
    Router router = Router.router(vertx);
    router.get("/metrics").handler(ctx -> ctx.response()
        .putHeader("Content-Type", "text/plain; version=0.0.4; charset=utf-8")
        .end(metrics.scrape()));
    router.get("/healthz").handler(ctx -> ctx.json(new JsonObject().put("status", "ok")));
    router.get("/readyz").handler(ctx -> {
      String reason = notReadyReason.get();
      ctx.response().setStatusCode(reason == null ? 200 : 503);
      ctx.json(new JsonObject().put("ready", reason == null).put("reason", reason));
    });
    return vertx.createHttpServer().requestHandler(router).listen(port, host).map(s -> {
      server = s;
      return null;
    });
  }

  int port() {
    return server == null ? -1 : server.actualPort();
  }

  Future<Void> close() {
    return server == null ? Future.succeededFuture() : server.close();
  }
}
