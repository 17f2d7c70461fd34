package dev.tenantgateway.server;

import dev.tenantgateway.config.GatewayConfig;
import dev.tenantgateway.config.GatewayConfig.Security;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.Future;
import io.vertx.core.Handler;
import io.vertx.core.VerticleBase;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpConnection;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.http.HttpServerRequest;

import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Assembles the gateway: compiles the configuration into a snapshot (loading every issuer's keys first), then opens
 * one listener per event loop, all serving the same pipeline. Nothing listens until the snapshot is ready.
 */
public final class GatewayServer {

  private static final AtomicInteger RANDOM_PORT_GROUPS = new AtomicInteger();

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
      // Port 0 asks for a random port. A negative port asks Vert.x for one random port shared by the listeners that
      // name the same negative number; each gateway gets its own, or two gateways in one process would share a socket.
      int requested = config.listener().port() == 0 ? -RANDOM_PORT_GROUPS.incrementAndGet() : config.listener().port();
      AtomicReference<Integer> actual = new AtomicReference<>();
      AtomicInteger open = new AtomicInteger();
      return vertx.deployVerticle(() -> new Listener(config.listener().host(), requested, config.security(), handler,
              actual, open),
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

  /**
   * One event loop's server. Besides serving the pipeline it bounds the connections (all listeners together) and
   * closes a connection that has not delivered a complete request head within the header timeout (slowloris).
   */
  private static final class Listener extends VerticleBase {
    private final String host;
    private final int port;
    private final Security security;
    private final Handler<HttpServerRequest> handler;
    private final AtomicReference<Integer> actualPort;
    private final AtomicInteger openConnections;
    // Only touched on this listener's event loop.
    private final Map<HttpConnection, Long> awaitingFirstRequest = new HashMap<>();

    Listener(String host, int port, Security security, Handler<HttpServerRequest> handler,
             AtomicReference<Integer> actualPort, AtomicInteger openConnections) {
      this.host = host;
      this.port = port;
      this.security = security;
      this.handler = handler;
      this.actualPort = actualPort;
      this.openConnections = openConnections;
    }

    @Override
    public Future<?> start() {
      HttpServerOptions options = new HttpServerOptions()
          .setHost(host)
          .setHttp2ClearTextEnabled(false)
          .setDecompressionSupported(false)
          .setCompressionSupported(false)
          .setMaxHeaderSize(security.maxHeaderBytes())
          .setIdleTimeout((int) Math.max(1, security.idleTimeout().toSeconds()))
          .setIdleTimeoutUnit(TimeUnit.SECONDS);
      return vertx.createHttpServer(options)
          .connectionHandler(this::accept)
          .requestHandler(this::request)
          .listen(port, host)
          .onSuccess(server -> actualPort.set(server.actualPort()));
    }

    private void accept(HttpConnection connection) {
      if (openConnections.incrementAndGet() > security.maxConnections()) {
        openConnections.decrementAndGet();
        connection.close(); // immediately: nothing on it may be served
        return;
      }
      long timer = vertx.setTimer(security.headerTimeout().toMillis(), id -> {
        if (awaitingFirstRequest.remove(connection) != null) {
          connection.close(); // immediately: nothing on it may be served
        }
      });
      awaitingFirstRequest.put(connection, timer);
      connection.closeHandler(v -> {
        openConnections.decrementAndGet();
        Long pending = awaitingFirstRequest.remove(connection);
        if (pending != null) {
          vertx.cancelTimer(pending);
        }
      });
    }

    private void request(HttpServerRequest request) {
      if (!awaitingFirstRequest.isEmpty()) {
        Long pending = awaitingFirstRequest.remove(request.connection());
        if (pending != null) {
          vertx.cancelTimer(pending);
        }
      }
      handler.handle(request);
    }
  }
}
