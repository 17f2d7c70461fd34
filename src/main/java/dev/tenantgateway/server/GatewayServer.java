package dev.tenantgateway.server;

import dev.tenantgateway.auth.CryptoProviders;
import dev.tenantgateway.config.ConfigException;
import dev.tenantgateway.compile.ConfigLoader;
import dev.tenantgateway.config.GatewayConfig;
import dev.tenantgateway.config.GatewayConfig.Security;
import dev.tenantgateway.log.AggregatedLog;
import dev.tenantgateway.config.ListenerTls;
import dev.tenantgateway.config.TlsMaterial;
import io.vertx.core.net.KeyCertOptions;
import dev.tenantgateway.config.ReloadPolicy;
import dev.tenantgateway.observe.AccessLog;
import dev.tenantgateway.observe.Metrics;
import dev.tenantgateway.state.StateBackend;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.Future;
import io.vertx.core.Handler;
import io.vertx.core.VerticleBase;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpConnection;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpServerResponse;

import java.io.OutputStream;
import java.lang.System.Logger.Level;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Assembles and runs the gateway: compiles the configuration into a snapshot (loading every issuer's keys first),
 * opens one listener per event loop serving the pipeline, and the admin listener. Nothing listens until the snapshot
 * is ready. Reloads swap the snapshot atomically; stopping drains in-flight requests within the grace period.
 */
public final class GatewayServer {

  private static final System.Logger LOG = System.getLogger(GatewayServer.class.getName());
  private static final AtomicInteger RANDOM_PORT_GROUPS = new AtomicInteger();

  /**
   * How to run: listener instances, the routes.yaml to reload from (null: no reloading), where access-log lines go
   * (null: standard output), the registry metrics go to (null: a new one), and command-line overrides of
   * {@code admin.drain_delay} and {@code admin.shutdown_grace} (null: as configured).
   */
  public record Options(int listeners, Path configFile, OutputStream accessLogOut, PrometheusMeterRegistry registry,
                        Duration drainDelay, Duration shutdownGrace) {
    public Options(int listeners, Path configFile, OutputStream accessLogOut, PrometheusMeterRegistry registry) {
      this(listeners, configFile, accessLogOut, registry, null, null);
    }

    public static Options defaults() {
      return new Options(Runtime.getRuntime().availableProcessors(), null, null, null);
    }

    public Options withListeners(int count) {
      return new Options(count, configFile, accessLogOut, registry, drainDelay, shutdownGrace);
    }

    public Options withDrain(Duration delay, Duration grace) {
      return new Options(listeners, configFile, accessLogOut, registry, delay, grace);
    }
  }

  private final Vertx vertx;
  private final AtomicReference<GatewaySnapshot> snapshot;
  private final StateBackend state;
  private final Metrics metrics;
  private final AccessLog accessLog;
  private final Path configFile;
  private final GatewayConfig startConfig;
  /** Set by {@link #drain}: readiness fails and every response says {@code Connection: close}. */
  private final AtomicBoolean draining = new AtomicBoolean();
  private final Duration drainDelay;
  private final Duration shutdownGrace;
  private Future<Void> stopped;
  private String deploymentId;
  private int port;
  private AdminServer admin;
  private long watchTimer = -1;
  private long watchedStamp;
  private Future<Void> reloading = Future.succeededFuture();
  /** Every listener instance's server, for certificate rotation. */
  private final List<HttpServer> servers = new CopyOnWriteArrayList<>();
  private CertificateReloader certificates;

  private GatewayServer(Vertx vertx, GatewaySnapshot first, StateBackend state, Metrics metrics, AccessLog accessLog,
                        Path configFile, GatewayConfig startConfig, Duration drainDelay, Duration shutdownGrace) {
    this.drainDelay = drainDelay;
    this.shutdownGrace = shutdownGrace;
    this.vertx = vertx;
    this.snapshot = new AtomicReference<>(first);
    this.state = state;
    this.metrics = metrics;
    this.accessLog = accessLog;
    this.configFile = configFile;
    this.startConfig = startConfig;
  }

  /** Starts with one listener per core, no reloading, access log on standard output. */
  public static Future<GatewayServer> start(Vertx vertx, GatewayConfig config) {
    return start(vertx, config, Options.defaults());
  }

  public static Future<GatewayServer> start(Vertx vertx, GatewayConfig config, int listeners) {
    return start(vertx, config, Options.defaults().withListeners(listeners));
  }

  public static Future<GatewayServer> start(Vertx vertx, GatewayConfig config, Options options) {
    CryptoProviders.install();
    UnhandledErrors.install(vertx);
    PrometheusMeterRegistry registry = options.registry() != null ? options.registry() : Metrics.newRegistry();
    Metrics metrics = new Metrics(registry, config.admin().tenantLabel());
    AccessLog accessLog = config.admin().accessLog()
        ? new AccessLog(options.accessLogOut() != null ? options.accessLogOut() : System.out) : null;
    StateBackend state = StateBackend.create(vertx, config.state(), metrics);
    return GatewaySnapshot.build(vertx, config, metrics, state).compose(built -> {
      GatewayServer server = new GatewayServer(vertx, built, state, metrics, accessLog, options.configFile(), config,
          options.drainDelay() != null ? options.drainDelay() : config.admin().drainDelay(),
          options.shutdownGrace() != null ? options.shutdownGrace() : config.admin().shutdownGrace());
      return server.listen(config, Math.max(1, options.listeners()))
          .recover(err -> Future.failedFuture(new ListenFailure("listener", config.listener().host(),
              config.listener().port(), err)))
          .compose(v -> server.startAdmin(config).recover(err -> Future.failedFuture(new ListenFailure("admin",
              config.admin().host(), config.admin().port(), err))))
          .map(v -> {
            server.watch(config.admin().reloadInterval());
            return server;
          })
          .recover(err -> server.stop().transform(ignored -> Future.failedFuture(err)));
    }).onFailure(err -> {
      state.close();
      if (accessLog != null) {
        accessLog.close();
      }
    });
  }

  private Future<Void> listen(GatewayConfig config, int listeners) {
    GatewayHandler handler = new GatewayHandler(snapshot::get, metrics, accessLog);
    // Port 0 asks for a random port. A negative port asks Vert.x for one random port shared by the listeners that
    // name the same negative number; each gateway gets its own, or two gateways in one process would share a socket.
    int requested = config.listener().port() == 0 ? -RANDOM_PORT_GROUPS.incrementAndGet() : config.listener().port();
    AtomicReference<Integer> actual = new AtomicReference<>();
    AtomicInteger open = new AtomicInteger();
    ListenerTls tls = config.listener().tls();
    Future<KeyCertOptions> keyCert = tls == null ? Future.succeededFuture()
        : vertx.executeBlocking(() -> TlsMaterial.listener(tls), false);
    return keyCert.compose(key -> vertx.deployVerticle(() -> new Listener(config.listener().host(), requested,
            config.security(), shutdownGrace, handler, actual, open, draining,
            ListenerTransport.apply(new HttpServerOptions(), config.listener(), key), servers),
            new DeploymentOptions().setInstances(listeners)))
        .compose(id -> {
          deploymentId = id;
          port = actual.get();
          return tls == null ? Future.succeededFuture() : CertificateReloader.start(vertx, tls,
              config.listener().http2().enabled(), servers, config.admin().reloadInterval()).map(r -> {
                certificates = r;
                return null;
              });
        });
  }

  private Future<Void> startAdmin(GatewayConfig config) {
    if (!config.admin().enabled()) {
      return Future.succeededFuture();
    }
    admin = new AdminServer(vertx, metrics, this::readiness, state, config.admin().apiToken());
    return admin.listen(config.admin().host(), config.admin().port());
  }

  /**
   * Null when ready, or why not. A state store that does not answer makes this replica unready only where the
   * configuration refuses requests without it (an {@code on_failure: closed} policy on state it uses): with
   * {@code open} policies the replica keeps serving through an outage, which every replica would otherwise leave
   * the Service together.
   */
  private Future<String> readiness() {
    if (draining.get()) {
      return Future.succeededFuture("shutting down");
    }
    GatewaySnapshot current = snapshot.get();
    if (!current.hasAllKeys()) {
      return Future.succeededFuture("an issuer has no signing keys");
    }
    if (current.config().admin().readinessRequiresUpstreams()) {
      String down = current.upstreamWithoutTarget();
      if (down != null) {
        return Future.succeededFuture("upstream " + down + " has no healthy target");
      }
    }
    if (!refusesWithoutState(current.config())) {
      return Future.succeededFuture();
    }
    return state.ping().map(v -> (String) null).otherwise("the state store (Redis) does not answer");
  }

  /** Whether some request would be refused while the state store does not answer. */
  static boolean refusesWithoutState(GatewayConfig config) {
    GatewayConfig.State policies = config.state();
    boolean revocationChecked = config.routes().stream().anyMatch(r -> !r.isPublic());
    boolean membershipsStored = config.issuers().stream()
        .anyMatch(i -> i.claims().usesStore());
    boolean rateLimited = config.routes().stream().anyMatch(r -> r.rateLimit() != null);
    return revocationChecked && policies.revocationFailClosed()
        || membershipsStored && policies.membershipsFailClosed()
        || rateLimited && policies.rateLimitsFailClosed();
  }

  public StateBackend state() {
    return state;
  }

  public int port() {
    return port;
  }

  /** The admin listener's port, or -1 when it is disabled. */
  public int adminPort() {
    return admin == null ? -1 : admin.port();
  }

  public GatewaySnapshot snapshot() {
    return snapshot.get();
  }

  public Metrics metrics() {
    return metrics;
  }

  // ---------------------------------------------------------------------------------------------------------------
  // Hot reload

  private void watch(Duration interval) {
    if (configFile == null || interval.isZero()) {
      return;
    }
    stamp().onSuccess(s -> watchedStamp = s);
    // Reload once the file has stopped changing for one interval: an editor that truncates and then writes must not
    // be caught half-way (that would only be refused, but the finished file must still be picked up).
    long[] pending = {Long.MIN_VALUE};
    watchTimer = vertx.setPeriodic(interval.toMillis(), id -> stamp().onSuccess(s -> {
      if (s == watchedStamp) {
        pending[0] = Long.MIN_VALUE;
      } else if (s == pending[0]) {
        watchedStamp = s;
        pending[0] = Long.MIN_VALUE;
        reload();
      } else {
        pending[0] = s;
      }
    }));
  }

  private Future<Long> stamp() {
    return vertx.fileSystem().props(configFile.toString())
        .map(props -> props.lastModifiedTime() * 31 + props.size())
        .otherwise(-1L);
  }

  /**
   * Loads routes.yaml again and swaps it in when valid; in-flight requests finish on the snapshot they started with.
   * An invalid file is refused with the same messages as at start, and the running configuration stays.
   */
  public synchronized Future<Void> reload() {
    if (configFile == null) {
      return Future.failedFuture("this gateway was not started from a file");
    }
    // one reload at a time: a second request waits for the first
    reloading = reloading.transform(ignored -> doReload());
    return reloading;
  }

  private Future<Void> doReload() {
    return vertx.executeBlocking(() -> ConfigLoader.load(configFile), false)
        .compose(config -> {
          for (String setting : ReloadPolicy.needsRestart(startConfig, config)) {
            LOG.log(Level.WARNING, "routes.yaml: " + setting + " changed; it takes effect on restart (the running "
                + "value stays), the rest of the file is applied");
          }
          return GatewaySnapshot.build(vertx, config, metrics, state);
        })
        .onSuccess(fresh -> {
          GatewaySnapshot old = snapshot.getAndSet(fresh);
          metrics.reload(true);
          LOG.log(Level.INFO, "routes.yaml: reloaded (" + fresh.config().routes().size() + " routes)");
          long delay = old.longestResponseTimeout().plusSeconds(5).toMillis();
          vertx.setTimer(delay, id -> old.close());
        })
        .onFailure(err -> {
          metrics.reload(false);
          String message = err instanceof ConfigException ? "\n" + err.getMessage() : err.getMessage();
          LOG.log(Level.ERROR, "routes.yaml: reload refused, the running configuration stays: " + message);
        })
        .mapEmpty();
  }

  /**
   * Reads the listener's certificate files now and serves them if they changed (the periodic check does the same):
   * true when a new certificate was put into service.
   */
  public Future<Boolean> reloadCertificate() {
    return certificates == null ? Future.succeededFuture(false) : certificates.check();
  }

  // ---------------------------------------------------------------------------------------------------------------
  // Graceful stop

  /** The drain delay and shutdown grace in effect (routes.yaml, or the command line's overrides). */
  public Duration drainDelay() {
    return drainDelay;
  }

  public Duration shutdownGrace() {
    return shutdownGrace;
  }

  /**
   * The orderly stop for SIGTERM: readiness turns 503 at once, so load balancers and Kubernetes stop sending; for the
   * drain delay the gateway keeps serving, and every response says {@code Connection: close} and closes its
   * connection, so keep-alive clients move to other replicas one request at a time; then {@link #stop} closes the
   * listener and the idle connections and gives in-flight requests the shutdown grace.
   */
  public Future<Void> drain() {
    if (!draining.compareAndSet(false, true)) {
      return stop();
    }
    LOG.log(Level.INFO, "draining: not ready; serving with Connection: close for " + drainDelay.toMillis() + " ms");
    Future<?> delay = drainDelay.isZero() ? Future.succeededFuture() : vertx.timer(drainDelay.toMillis());
    return delay.compose(v -> stop());
  }

  /**
   * Stops accepting connections, closes idle ones, lets in-flight requests finish within the shutdown grace, then
   * closes upstream pools, key refreshes, the admin listener and the access log. Readiness fails from the first
   * moment. Without the drain delay: for embedding and tests; a process stops with {@link #drain}.
   */
  public synchronized Future<Void> stop() {
    if (stopped != null) {
      return stopped;
    }
    draining.set(true);
    // Vert.x closes a port shared by several listeners when the last one leaves; a connection accepted in the instant
    // between is closed by Netty with "Failed to register an accepted channel" (an IllegalStateException with a stack
    // trace). For the client that is the same as a refused connection once the listener is closing, so it is counted
    // in one line instead.
    AggregatedLog.aggregate("io.netty.bootstrap.ServerBootstrap", "Failed to register an accepted channel",
        Level.INFO, "connections arriving while the listener closed, closed unanswered");
    if (watchTimer >= 0) {
      vertx.cancelTimer(watchTimer);
    }
    if (certificates != null) {
      certificates.stop();
    }
    Future<Void> listeners = deploymentId == null ? Future.succeededFuture() : vertx.undeploy(deploymentId);
    stopped = listeners
        .eventually(() -> snapshot.get().close())
        .eventually(state::close)
        .eventually(() -> admin == null ? Future.succeededFuture() : admin.close())
        .eventually(() -> {
          if (accessLog != null) {
            accessLog.close();
          }
          return Future.succeededFuture();
        });
    return stopped;
  }

  /**
   * One event loop's server. Besides serving the pipeline it bounds the connections (all listeners together) and
   * closes a connection that has not delivered a complete request head within the header timeout (slowloris).
   */
  private static final class Listener extends VerticleBase {
    private final String host;
    private final int port;
    private final Security security;
    private final Duration grace;
    private final Handler<HttpServerRequest> handler;
    private final AtomicReference<Integer> actualPort;
    private final AtomicInteger openConnections;
    private final AtomicBoolean draining;
    // Only touched on this listener's event loop.
    private final Map<HttpConnection, Long> awaitingFirstRequest = new HashMap<>();
    private final HttpServerOptions transport;
    private final List<HttpServer> servers;
    private HttpServer server;

    Listener(String host, int port, Security security, Duration grace, Handler<HttpServerRequest> handler,
             AtomicReference<Integer> actualPort, AtomicInteger openConnections, AtomicBoolean draining,
             HttpServerOptions transport, List<HttpServer> servers) {
      this.draining = draining;
      this.transport = transport;
      this.servers = servers;
      this.host = host;
      this.port = port;
      this.security = security;
      this.grace = grace;
      this.handler = handler;
      this.actualPort = actualPort;
      this.openConnections = openConnections;
    }

    @Override
    public Future<?> start() {
      HttpServerOptions options = new HttpServerOptions(transport) // TLS and HTTP/2: see ListenerTransport
          .setHost(host)
          .setDecompressionSupported(false)
          .setCompressionSupported(false)
          .setMaxHeaderSize(security.maxHeaderBytes())
          .setIdleTimeout((int) Math.max(1, security.idleTimeout().toSeconds()))
          .setIdleTimeoutUnit(TimeUnit.SECONDS);
      server = vertx.createHttpServer(options)
          .connectionHandler(this::accept)
          .requestHandler(this::request);
      servers.add(server);
      return server.listen(port, host).onSuccess(s -> actualPort.set(s.actualPort()));
    }

    /** Stops accepting, then waits up to the grace period for in-flight requests before closing connections. */
    @Override
    public Future<?> stop() {
      servers.remove(server);
      return server.shutdown(grace.toMillis(), TimeUnit.MILLISECONDS);
    }

    private void accept(HttpConnection connection) {
      if (openConnections.incrementAndGet() > security.maxConnections()) {
        openConnections.decrementAndGet();
        connection.close(); // immediately: nothing on it may be served
        return;
      }
      long timer = vertx.setTimer(security.headerTimeout().toMillis(), id -> {
        if (awaitingFirstRequest.remove(connection) != null) {
          connection.close();
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
      if (draining.get()) {
        // Keep-alive clients learn from this response to open their next connection elsewhere; Vert.x closes the
        // connection once this request and its response are complete (within the grace).
        HttpServerResponse response = request.response();
        response.headersEndHandler(v -> response.headers().set(HttpHeaders.CONNECTION, HttpHeaders.CLOSE));
        request.connection().shutdown(grace.toMillis(), TimeUnit.MILLISECONDS);
      }
      handler.handle(request);
    }
  }
}
