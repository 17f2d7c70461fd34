package dev.tenantgateway.server;

import dev.tenantgateway.config.GatewayConfig;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.Future;
import io.vertx.core.Handler;
import io.vertx.core.VerticleBase;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.http.HttpServerRequest;

import java.util.concurrent.atomic.AtomicReference;

/**
 * Assembles the gateway: compiles the configuration into a snapshot (loading every issuer's keys first), then opens
 * one listener per event loop, all serving the same pipeline. Nothing listens until the snapshot is ready.
 */
public final class GatewayServer {

  private final Vertx vertx;
  private final AtomicReference<GatewaySnapshot> snapshot;
  private final String deploymentId;
  private final int port;

  private GatewayServer(Vertx vertx, AtomicReference<GatewaySnapshot> snapshot, String deploymentId, int port) {
    this.vertx = vertx;
    this.snapshot = snapshot;
    this.deploymentId = deploymentId;
    this.port = port;
  }

  /** Starts on the configured port, with one listener per available core. */
  public static Future<GatewayServer> start(Vertx vertx, GatewayConfig config) {
    return start(vertx, config, Runtime.getRuntime().availableProcessors());
  }

  public static Future<GatewayServer> start(Vertx vertx, GatewayConfig config, int listeners) {
    return GatewaySnapshot.build(vertx, config).compose(built -> {
      AtomicReference<GatewaySnapshot> current = new AtomicReference<>(built);
      GatewayHandler handler = new GatewayHandler(current::get);
      // Port 0 asks for a random port; -1 asks Vert.x for one random port shared by every listener instance.
      int requested = config.listener().port() == 0 ? -1 : config.listener().port();
      AtomicReference<Integer> actual = new AtomicReference<>();
      return vertx.deployVerticle(() -> new Listener(config.listener().host(), requested, handler, actual),
              new DeploymentOptions().setInstances(Math.max(1, listeners)))
          .map(id -> new GatewayServer(vertx, current, id, actual.get()))
          .recover(err -> built.close().transform(ignored -> Future.failedFuture(err)));
    });
  }

  public int port() {
    return port;
  }

  public GatewaySnapshot snapshot() {
    return snapshot.get();
  }

  /** Closes the listeners, then the upstream pools and key refreshes. */
  public Future<Void> stop() {
    return vertx.undeploy(deploymentId).compose(v -> snapshot.get().close());
  }

  private static final class Listener extends VerticleBase {
    private final String host;
    private final int port;
    private final Handler<HttpServerRequest> handler;
    private final AtomicReference<Integer> actualPort;

    Listener(String host, int port, Handler<HttpServerRequest> handler, AtomicReference<Integer> actualPort) {
      this.host = host;
      this.port = port;
      this.handler = handler;
      this.actualPort = actualPort;
    }

    @Override
    public Future<?> start() {
      HttpServerOptions options = new HttpServerOptions()
          .setHost(host)
          .setHttp2ClearTextEnabled(false)
          .setDecompressionSupported(false)
          .setCompressionSupported(false);
      return vertx.createHttpServer(options)
          .requestHandler(handler)
          .listen(port, host)
          .onSuccess(server -> actualPort.set(server.actualPort()));
    }
  }
}
