package dev.tenantgateway.proxy;

import dev.tenantgateway.policy.Denial;
import dev.tenantgateway.policy.ProblemResponder;
import dev.tenantgateway.observe.Exchange;
import dev.tenantgateway.observe.Metrics;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.PoolOptions;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.net.SocketAddress;
import io.vertx.httpproxy.Body;
import io.vertx.httpproxy.HttpProxy;
import io.vertx.httpproxy.MediaType;
import io.vertx.httpproxy.ProxyContext;
import io.vertx.httpproxy.ProxyInterceptor;
import io.vertx.httpproxy.ProxyOptions;
import io.vertx.httpproxy.ProxyResponse;

import java.lang.System.Logger.Level;
import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeoutException;

/**
 * One upstream service: a pooled keep-alive client and one vertx-http-proxy {@link HttpProxy} in front of it.
 * Bodies stream in both directions. A connection failure becomes 502 {@code upstream_unavailable} and a response
 * that does not come in time 504 {@code upstream_timeout}, rendered like every other denial.
 */
public final class Upstream {

  private static final System.Logger LOG = System.getLogger(Upstream.class.getName());
  private static final List<String> HOP_BY_HOP = List.of("connection", "keep-alive", "proxy-authenticate",
      "proxy-connection", "te", "trailer", "upgrade");

  private static final MediaType PROBLEM_JSON = MediaType.parse(ProblemResponder.CONTENT_TYPE);

  private final String name;
  private final String basePath;
  private final HttpClient client;
  private final HttpProxy proxy;

  private Upstream(String name, String basePath, HttpClient client, HttpProxy proxy) {
    this.name = name;
    this.basePath = basePath;
    this.client = client;
    this.proxy = proxy;
  }

  /**
   * @param url {@code http(s)://host:port[/base]}; a base path is put in front of every forwarded path
   */
  public static Upstream create(Vertx vertx, String name, URI url, Duration connectTimeout, Duration responseTimeout,
                                int maxConnections, ProblemResponder problems, Metrics metrics) {
    boolean tls = "https".equalsIgnoreCase(url.getScheme());
    int port = url.getPort() > 0 ? url.getPort() : tls ? 443 : 80;
    HttpClientOptions clientOptions = new HttpClientOptions()
        .setKeepAlive(true)
        .setSsl(tls)
        .setConnectTimeout((int) connectTimeout.toMillis())
        .setDecompressionSupported(false);
    HttpClient client = vertx.createHttpClient(clientOptions, new PoolOptions().setHttp1MaxSize(maxConnections));
    RequestOptions origin = new RequestOptions()
        .setServer(SocketAddress.inetSocketAddress(port, url.getHost()))
        .setHost(url.getHost())
        .setPort(port)
        .setSsl(tls)
        .setConnectTimeout(connectTimeout.toMillis())
        .setIdleTimeout(responseTimeout.toMillis());
    HttpProxy proxy = HttpProxy.reverseProxy(new ProxyOptions(), client)
        .origin(context -> context.client().request(new RequestOptions(origin)));
    proxy.addInterceptor(new Interceptor(name, problems, metrics), true);
    String path = url.getRawPath();
    String basePath = path == null || path.equals("/") ? "" : path.endsWith("/") ? path.substring(0, path.length() - 1) : path;
    return new Upstream(name, basePath, client, proxy);
  }

  public String name() {
    return name;
  }

  /** Hands the request to the proxy; {@code target} is the canonical path (and query) to request upstream. */
  public void forward(HttpServerRequest request, String target, Exchange exchange, long maxBodyBytes) {
    exchange.upstream = name;
    proxy.handle(new ForwardedRequest(request, basePath + target, exchange, maxBodyBytes));
  }

  public Future<Void> close() {
    return client.close();
  }

  /** Turns transport failures into problem responses and keeps hop-by-hop response headers off the client. */
  private static final class Interceptor implements ProxyInterceptor {
    private final String upstream;
    private final ProblemResponder problems;
    private final Metrics metrics;

    Interceptor(String upstream, ProblemResponder problems, Metrics metrics) {
      this.upstream = upstream;
      this.problems = problems;
      this.metrics = metrics;
    }

    @Override
    public Future<ProxyResponse> handleProxyRequest(ProxyContext context) {
      long started = System.nanoTime();
      Exchange exchange = context.request().proxiedRequest() instanceof ForwardedRequest forwarded
          ? forwarded.exchange() : null;
      return context.sendRequest().onSuccess(response -> {
        long nanos = System.nanoTime() - started;
        metrics.upstream(upstream, nanos);
        if (exchange != null) {
          exchange.upstreamNanos = nanos;
        }
      }).recover(failure -> {
        Denial denial = failure instanceof TimeoutException || failure.getCause() instanceof TimeoutException
            ? Denial.upstreamTimeout() : Denial.upstreamUnavailable();
        metrics.upstreamError(upstream, denial.code());
        String requestId = exchange == null ? "" : exchange.requestId;
        if (exchange != null) {
          exchange.decision = denial.code();
        }
        LOG.log(Level.WARNING, "upstream " + upstream + " failed for request " + requestId + ": " + failure);
        ProxyResponse response = context.request().release().response()
            .setStatusCode(denial.status())
            .setBody(Body.body(problems.body(denial, requestId), PROBLEM_JSON))
            .putHeader("Cache-Control", "no-store")
            .putHeader("X-Request-Id", requestId);
        return Future.succeededFuture(response);
      });
    }

    @Override
    public Future<Void> handleProxyResponse(ProxyContext context) {
      ProxyResponse response = context.response();
      if (response.getStatusCode() != 101) {
        for (String header : HOP_BY_HOP) {
          response.headers().remove(header);
        }
      }
      if (context.request().proxiedRequest() instanceof ForwardedRequest forwarded) {
        response.headers().set("X-Request-Id", forwarded.requestId());
      }
      return context.sendResponse();
    }
  }
}
