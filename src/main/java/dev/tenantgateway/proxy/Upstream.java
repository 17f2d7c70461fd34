package dev.tenantgateway.proxy;

import dev.tenantgateway.policy.Denial;
import dev.tenantgateway.policy.ProblemResponder;
import dev.tenantgateway.observe.Exchange;
import dev.tenantgateway.observe.Metrics;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.vertx.core.Future;
import io.vertx.core.MultiMap;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpClientRequest;
import io.vertx.core.http.HttpClientResponse;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.http.HttpVersion;
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
 * One upstream service: a pooled keep-alive client and the forwarding of requests to it. A plain request is
 * forwarded by {@link Forwarding}: headers are copied once (hop-by-hop ones dropped), bodies stream in both
 * directions with back-pressure, and a small response with a declared length is written to the client in one go.
 * A WebSocket upgrade goes through a vertx-http-proxy {@link HttpProxy}, which owns that hop. A connection failure
 * becomes 502 {@code upstream_unavailable} and a response that does not come in time 504 {@code upstream_timeout},
 * rendered like every other denial.
 */
public final class Upstream {

  private static final System.Logger LOG = System.getLogger(Upstream.class.getName());
  /** Responses with a declared length up to this are read whole and written to the client in one write. */
  private static final long SMALL_RESPONSE = 64 * 1024;

  private static final MediaType PROBLEM_JSON = MediaType.parse(ProblemResponder.CONTENT_TYPE);

  private final String name;
  private final String basePath;
  private final HttpClient client;
  private final RequestOptions origin;
  private final HttpProxy webSockets;
  private final ProblemResponder problems;
  private final Metrics metrics;

  private Upstream(String name, String basePath, HttpClient client, RequestOptions origin, HttpProxy webSockets,
                   ProblemResponder problems, Metrics metrics) {
    this.name = name;
    this.basePath = basePath;
    this.client = client;
    this.origin = origin;
    this.webSockets = webSockets;
    this.problems = problems;
    this.metrics = metrics;
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
    // read, never written, by every request: method and target are set on each client request
    RequestOptions origin = new RequestOptions()
        .setServer(SocketAddress.inetSocketAddress(port, url.getHost()))
        .setHost(url.getHost())
        .setPort(port)
        .setSsl(tls)
        .setConnectTimeout(connectTimeout.toMillis())
        .setIdleTimeout(responseTimeout.toMillis());
    HttpProxy webSockets = HttpProxy.reverseProxy(new ProxyOptions(), client)
        .origin(context -> context.client().request(origin)
            .map(request -> request.exceptionHandler(failure -> { }))); // the proxy sees failures; no SEVERE line
    webSockets.addInterceptor(new Interceptor(name, problems, metrics), true);
    String path = url.getRawPath();
    String basePath = path == null || path.equals("/") ? "" : path.endsWith("/") ? path.substring(0, path.length() - 1) : path;
    return new Upstream(name, basePath, client, origin, webSockets, problems, metrics);
  }

  public String name() {
    return name;
  }

  /**
   * Forwards the request; {@code target} is the canonical path (and query) to request upstream.
   *
   * @param maxBodyBytes a body that grows past this while streaming resets both sides: the upstream never sees a
   *     complete oversized request (a declared Content-Length over it was refused with 413 before forwarding)
   */
  public void forward(HttpServerRequest request, String target, Exchange exchange, long maxBodyBytes) {
    exchange.upstream = name;
    if (request.canUpgradeToWebSocket()) {
      webSockets.handle(new ForwardedRequest(request, basePath + target, exchange, maxBodyBytes));
      return;
    }
    new Forwarding(request, basePath + target, exchange, maxBodyBytes).start();
  }

  /**
   * Whether a header belongs to one hop only (RFC 9110 section 7.6.1) and so never crosses the gateway; {@code Host}
   * too, which the client sets for the upstream. Connection-listed names were already removed by the header policy.
   */
  static boolean isHopByHop(String name) {
    return switch (name.length()) {
      case 2 -> name.equalsIgnoreCase("te");
      case 4 -> name.equalsIgnoreCase("host");
      case 7 -> name.equalsIgnoreCase("trailer") || name.equalsIgnoreCase("upgrade");
      case 10 -> name.equalsIgnoreCase("connection") || name.equalsIgnoreCase("keep-alive");
      case 16 -> name.equalsIgnoreCase("proxy-connection");
      case 17 -> name.equalsIgnoreCase("transfer-encoding");
      case 18 -> name.equalsIgnoreCase("proxy-authenticate");
      case 19 -> name.equalsIgnoreCase("proxy-authorization");
      default -> false;
    };
  }

  /** Copies every header but the hop-by-hop ones. */
  private static void copyEndToEnd(MultiMap from, MultiMap to) {
    from.forEach((name, value) -> {
      if (!isHopByHop(name)) {
        to.add(name, value);
      }
    });
  }

  /** One plain request on its way to the upstream and its response on the way back. Confined to the event loop. */
  private final class Forwarding {
    private final HttpServerRequest request;
    private final HttpServerResponse response;
    private final String uri;
    private final Exchange exchange;
    private final long maxBodyBytes;
    private final long started = System.nanoTime();
    private HttpClientRequest upstreamRequest;
    private long bodyBytes;
    private boolean overLimit;

    Forwarding(HttpServerRequest request, String uri, Exchange exchange, long maxBodyBytes) {
      this.request = request;
      this.response = request.response();
      this.uri = uri;
      this.exchange = exchange;
      this.maxBodyBytes = maxBodyBytes;
    }

    void start() {
      MultiMap headers = request.headers();
      String transferEncoding = headers.get(HttpHeaders.TRANSFER_ENCODING);
      boolean declaredChunked = transferEncoding != null;
      if (declaredChunked && !onlyChunked(headers.getAll(HttpHeaders.TRANSFER_ENCODING))) {
        fail(Denial.badRequest("Only the chunked transfer coding is accepted."));
        return;
      }
      String length = headers.get(HttpHeaders.CONTENT_LENGTH);
      // HTTP/2 frames the body itself: DATA frames may follow without a Content-Length. Forwarded chunked, so the
      // body is neither dropped nor cut short, and the per-stream limit still counts every byte.
      boolean chunked = declaredChunked || (length == null && request.version() == HttpVersion.HTTP_2
          && !request.isEnded());
      boolean body = chunked || (length != null && !length.equals("0"));
      if (body && !exchange.paused) {
        request.pause(); // the body waits until the upstream request can take it
        exchange.paused = true;
      }
      client.request(origin).onComplete(ready -> {
        if (ready.failed()) {
          upstreamFailed(ready.cause());
        } else {
          send(ready.result(), headers, chunked, body);
        }
      });
    }

    private void send(HttpClientRequest upstream, MultiMap headers, boolean chunked, boolean body) {
      upstreamRequest = upstream;
      // A failure reaches us through the response future (or the pipe) and is handled there; without a handler here
      // Vert.x would also log every reset or closed connection of an unfinished request as SEVERE.
      upstream.exceptionHandler(failure -> { });
      if (response.closed()) {
        upstream.reset();
        return; // the client went away while the connection was being obtained
      }
      upstream.setMethod(request.method()).setURI(uri);
      copyEndToEnd(headers, upstream.headers());
      response.exceptionHandler(failure -> upstream.reset(0L, failure)); // the client went away
      upstream.response().onComplete(answer -> {
        if (answer.failed()) {
          upstreamFailed(answer.cause());
        } else {
          respond(answer.result());
        }
      });
      if (!body) {
        upstream.end();
        if (exchange.paused) {
          request.resume();
        }
        return;
      }
      upstream.setChunked(chunked);
      request.handler(this::bodyChunk);
      request.endHandler(v -> {
        if (!overLimit) {
          upstream.end();
        }
      });
      request.exceptionHandler(failure -> upstream.reset(0L, failure));
      upstream.drainHandler(v -> request.resume());
      request.resume();
    }

    private void bodyChunk(Buffer chunk) {
      if (overLimit) {
        return;
      }
      bodyBytes += chunk.length();
      if (bodyBytes > maxBodyBytes) {
        // chunks and the end already read from the client are still delivered after this: none may reach the
        // upstream, above all not the end, which would complete a truncated request there
        overLimit = true;
        response.reset(); // HTTP/1.x: closes the connection
        upstreamRequest.reset();
        return;
      }
      upstreamRequest.write(chunk);
      if (upstreamRequest.writeQueueFull()) {
        request.pause();
      }
    }

    private void respond(HttpClientResponse answer) {
      long nanos = System.nanoTime() - started;
      metrics.upstream(name, nanos);
      exchange.upstreamNanos = nanos;
      if (response.closed()) {
        answer.exceptionHandler(failure -> { }); // the reset below fails the unread response too: expected
        upstreamRequest.reset();
        return;
      }
      int status = answer.statusCode();
      response.setStatusCode(status);
      String message = answer.statusMessage();
      if (message != null && !message.equals(HttpResponseStatus.valueOf(status).reasonPhrase())) {
        response.setStatusMessage(message); // a custom reason phrase (the standard one is what Vert.x writes anyway)
      }
      copyEndToEnd(answer.headers(), response.headers());
      response.headers().set(HeaderPolicy.REQUEST_ID, exchange.requestId);
      String length = answer.getHeader(HttpHeaders.CONTENT_LENGTH);
      if (request.method() == HttpMethod.HEAD || status == 204 || status == 304 || "0".equals(length)) {
        response.end();
        return;
      }
      long declared = length == null ? -1 : contentLength(length);
      if ((declared >= 0 && declared <= SMALL_RESPONSE) || (declared < 0 && request.version() == HttpVersion.HTTP_1_0)) {
        // one write for head and body (an HTTP/1.0 client cannot take chunks, so an unsized body is collected)
        answer.body().onComplete(whole -> {
          if (whole.succeeded()) {
            response.end(whole.result());
          } else {
            upstreamFailed(whole.cause()); // nothing has been written yet: the client gets a 502, not a short body
          }
        });
        return;
      }
      if (declared < 0) {
        response.setChunked(true);
      }
      answer.pipeTo(response).onFailure(failure -> {
        upstreamRequest.reset();
        response.reset();
      });
    }

    private void upstreamFailed(Throwable failure) {
      Denial denial = failure instanceof TimeoutException || failure.getCause() instanceof TimeoutException
          ? Denial.upstreamTimeout() : Denial.upstreamUnavailable();
      metrics.upstreamError(name, denial.code());
      LOG.log(Level.WARNING, "upstream " + name + " failed for request " + exchange.requestId + ": " + failure);
      if (response.headWritten()) {
        response.reset(); // the response had started: the client must see it break, not end complete
        return;
      }
      response.headers().clear(); // whatever the upstream's head had set
      fail(denial);
    }

    private void fail(Denial denial) {
      exchange.decision = denial.code();
      if (exchange.paused) {
        request.resume(); // the unread body is discarded
      }
      problems.send(response, denial, exchange.requestId);
    }
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

  private static boolean onlyChunked(List<String> values) {
    for (String value : values) {
      if (!value.trim().equalsIgnoreCase("chunked")) {
        return false;
      }
    }
    return true;
  }

  public Future<Void> close() {
    return client.close();
  }

  /** For WebSocket upgrades: turns transport failures into problem responses and keeps hop-by-hop headers off the client. */
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
        List<String> hopByHop = response.headers().names().stream().filter(Upstream::isHopByHop).toList();
        hopByHop.forEach(response.headers()::remove);
      }
      if (context.request().proxiedRequest() instanceof ForwardedRequest forwarded) {
        response.headers().set("X-Request-Id", forwarded.requestId());
      }
      return context.sendResponse();
    }
  }
}
