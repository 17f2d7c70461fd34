package dev.tenantgateway.proxy;

import dev.tenantgateway.config.GatewayConfig.UpstreamConfig;
import dev.tenantgateway.config.UpstreamTls;
import dev.tenantgateway.policy.ProblemResponder;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.PoolOptions;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.net.SocketAddress;

import java.net.URI;
import java.util.ArrayList;
import java.util.List;
import java.util.function.LongSupplier;

/**
 * One upstream service: its targets ({@link TargetPool}: balancing, ejection, the optional active health check), a
 * pooled keep-alive client (at most {@code max_connections} connections to each target, shared by every event loop),
 * its bounds, and the forwarding of requests to it. Every request, plain or WebSocket upgrade, is
 * forwarded by one {@link Forwarding}: one header copy, one failure mapping, one way to break a response.
 *
 * <p>Why not vertx-http-proxy: forwarding with the Vert.x HTTP client directly serves about 16% more requests per
 * second than the library did on the same benchmark (docs/performance.md, "What the profile showed"), and the library's WebSocket path had its own
 * header copy and problem response. What the library does for an upgrade (send the head, then tunnel the two
 * sockets once the upstream answers 101) is a dozen lines here, with public Vert.x APIs only.
 */
public final class Upstream {

  private final Vertx vertx;
  private final String name;
  private final HttpClient client;
  private final TargetPool pool;
  private final HealthChecker checker;
  private final Bounds bounds;
  private final ProblemResponder problems;
  private final UpstreamListener metrics;

  /**
   * The bounds on one forwarding, from the upstream's config.
   *
   * @param readTimeoutNanos the longest the upstream may stay silent once its response head has arrived
   * @param bodyTimeoutNanos a small request body must be complete within this; a larger one must, from then on, keep
   *     arriving at {@code bodyMinRate} bytes per second on average
   */
  record Bounds(long readTimeoutNanos, long bodyTimeoutNanos, long bodyMinRate, long retryAfterSeconds) {
  }

  private Upstream(Vertx vertx, String name, HttpClient client, TargetPool pool, HealthChecker checker, Bounds bounds,
                   ProblemResponder problems, UpstreamListener metrics) {
    this.vertx = vertx;
    this.name = name;
    this.client = client;
    this.pool = pool;
    this.checker = checker;
    this.bounds = bounds;
    this.problems = problems;
    this.metrics = metrics;
  }

  public static Upstream create(Vertx vertx, UpstreamConfig config, ProblemResponder problems, UpstreamListener metrics) {
    URI url = config.url();
    boolean tls = "https".equalsIgnoreCase(url.getScheme());
    HttpClientOptions clientOptions = new HttpClientOptions()
        .setKeepAlive(true)
        .setSsl(tls)
        .setConnectTimeout((int) config.connectTimeout().toMillis()) // the TCP (and TLS) connect itself
        .setDecompressionSupported(false);
    if (tls) {
      UpstreamTransport.apply(clientOptions, config.tls() == null ? UpstreamTls.DEFAULT : config.tls(), url.getHost());
    }
    // Vert.x keeps one pool per target address: max_connections bounds each target
    var builder = vertx.httpClientBuilder().with(clientOptions)
        .with(new PoolOptions().setHttp1MaxSize(config.maxConnections()));
    HttpClient client = (tls ? builder.withConnectHandler(UpstreamTransport::connected) : builder).build();
    List<Target> targets = new ArrayList<>();
    for (URI target : config.pool().targets()) {
      targets.add(target(config, target, metrics, System::nanoTime));
    }
    TargetPool pool = new TargetPool(targets, config.pool().balance());
    for (Target target : targets) {
      metrics.targetHealth(config.name(), target.label(), target);
    }
    HealthChecker checker = null;
    if (config.pool().healthCheck() != null) {
      // the same TLS settings as requests; one connection per target is plenty for one check at a time
      var checks = vertx.httpClientBuilder().with(clientOptions).with(new PoolOptions().setHttp1MaxSize(1));
      checker = HealthChecker.start(vertx, config.name(),
          (tls ? checks.withConnectHandler(UpstreamTransport::connected) : checks).build(), config.pool().healthCheck(),
          targets);
    }
    Bounds bounds = new Bounds(config.readTimeout().toNanos(), config.requestBodyTimeout().toNanos(),
        config.requestBodyMinRate(), Math.max(1, config.poolTimeout().toSeconds()));
    return new Upstream(vertx, config.name(), client, pool, checker, bounds, problems, metrics);
  }

  /** One target: where to connect, its base path, its health and its counters. */
  static Target target(UpstreamConfig config, URI url, UpstreamListener metrics, LongSupplier clock) {
    boolean tls = "https".equalsIgnoreCase(url.getScheme());
    int port = url.getPort() > 0 ? url.getPort() : tls ? 443 : 80;
    // read, never written, by every request: method and target are set on each client request
    RequestOptions origin = new RequestOptions()
        .setServer(SocketAddress.inetSocketAddress(port, url.getHost()))
        // the TLS peer: SNI and the name verified in the upstream's certificate (and the Host header)
        .setHost(tls ? UpstreamTransport.serverName(config.tls(), url.getHost()) : url.getHost())
        .setPort(port)
        .setSsl(tls)
        // obtaining a connection: waiting for a free one in the pool, plus connecting when a new one is opened
        .setConnectTimeout(config.poolTimeout().plus(config.connectTimeout()).toMillis())
        // the response head (Vert.x stops this timer when the head arrives; the watchdog bounds the rest)
        .setIdleTimeout(config.responseTimeout().toMillis());
    String path = url.getRawPath();
    String basePath = path == null || path.equals("/") ? "" : path.endsWith("/") ? path.substring(0, path.length() - 1) : path;
    String label = url.getHost() + ":" + port + basePath; // as written in routes.yaml: bounded by the config
    return new Target(config.name(), label, origin, basePath, config.pool().passiveHealth(), clock,
        metrics.targetRequests(config.name(), label), metrics.targetConnectFailures(config.name(), label),
        metrics.targetEjections(config.name(), label));
  }

  public String name() {
    return name;
  }

  /** The targets and their health. */
  public TargetPool pool() {
    return pool;
  }

  /**
   * Forwards the request; {@code path} is the canonical path (and query) to request upstream, below the chosen
   * target's base path.
   *
   * @param maxBodyBytes a body that grows past this while streaming resets both sides: the upstream never sees a
   *     complete oversized request (a declared Content-Length over it was refused with 413 before forwarding)
   */
  public void forward(HttpServerRequest request, String path, ForwardedExchange exchange, long maxBodyBytes) {
    exchange.upstream(name);
    new Forwarding(this, request, path, exchange, maxBodyBytes).start();
  }

  Vertx vertx() {
    return vertx;
  }

  HttpClient client() {
    return client;
  }

  Bounds bounds() {
    return bounds;
  }

  ProblemResponder problems() {
    return problems;
  }

  UpstreamListener metrics() {
    return metrics;
  }

  /** A Content-Length value, or -1 when it is not one decimal number (RFC 9110 section 8.6: 1*DIGIT). */
  public static long contentLength(String value) {
    value = value.trim();
    if (value.isEmpty() || value.length() > 18) {
      return -1;
    }
    long length = 0;
    for (int i = 0; i < value.length(); i++) {
      char c = value.charAt(i);
      if (c < '0' || c > '9') {
        return -1;
      }
      length = length * 10 + (c - '0');
    }
    return length;
  }

  public Future<Void> close() {
    for (Target target : pool.targets()) {
      metrics.forgetTarget(name, target.label(), target);
    }
    Future<Void> checks = checker == null ? Future.succeededFuture() : checker.close();
    return Future.join(client.close(), checks).mapEmpty();
  }
}
