package dev.tenantgateway.proxy;

import dev.tenantgateway.log.AggregatedLog;
import dev.tenantgateway.policy.Denial;
import dev.tenantgateway.policy.DenialCode;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.vertx.core.AsyncResult;
import io.vertx.core.MultiMap;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClientRequest;
import io.vertx.core.http.HttpClientResponse;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.http.HttpVersion;
import io.vertx.core.net.NetSocket;

import java.util.List;
import java.util.concurrent.TimeoutException;

/**
 * One request on its way to the upstream and its response on the way back, for plain requests and WebSocket upgrades
 * alike: headers are copied once each way ({@link #isHopByHop} filters both), bodies stream with back-pressure, and
 * every failure goes through {@link #failed} (before the response head: a problem response, 502 / 503 / 504) or
 * {@link #abort} (after it: the client's connection is reset, never ended cleanly). Confined to the event loop.
 *
 * <p>Bounds: obtaining a connection ({@code pool_timeout}, 503 with Retry-After) and the response head
 * ({@code response_timeout}, 504) are Vert.x's own timers; a small request body is read whole before a connection is
 * taken and must arrive within {@code request_body_timeout} (408), a larger one must keep up
 * {@code request_body_min_rate}, and the response may not stall for longer than {@code read_timeout}: those three are
 * checked by the event loop's {@link Watchdog}.
 */
final class Forwarding extends Watchdog.Watched {

  private static final System.Logger LOG = System.getLogger(Upstream.class.getName());
  /** Responses with a declared length up to this are read whole and written to the client in one write. */
  private static final long SMALL_RESPONSE = 64 * 1024;
  /** Request bodies with a declared length up to this are read whole before an upstream connection is taken. */
  static final long SMALL_BODY = 64 * 1024;

  private static final TimeoutException READ_TIMEOUT = new TimeoutException("the upstream stopped sending its response") {
    @Override
    public synchronized Throwable fillInStackTrace() {
      return this;
    }
  };

  /** How long a connection refused with 408 is still read (and dropped) before it is closed. */
  static final long LINGER_MILLIS = 1000;

  private final Upstream upstream;
  private final HttpServerRequest request;
  private final HttpServerResponse response;
  private final String path;
  private final ForwardedExchange exchange;
  private final long maxBodyBytes;
  private final long started = System.nanoTime();
  private HttpClientRequest upstreamRequest;
  /** The target this request went to (pending on it until released), or null. */
  private Target target;
  private boolean retried;
  private Watchdog watchdog;
  private long bodyBytes;
  private boolean bodyEnded = true;
  private boolean bodyBuffered;
  /** The upstream request carries the body chunked: the client sent it chunked, or HTTP/2 without a length. */
  private boolean chunkedUpstream;
  /** HTTP/2 body without a length: what was read before the upstream request was sent. */
  private Buffer unsizedPrefix;
  /** That body grew past {@link #SMALL_BODY}: a connection is being obtained to stream it chunked. */
  private boolean unsizedStreaming;
  private boolean headArrived;
  private boolean pausedForClient;
  private long lastRead;
  /** Nothing more may happen on either side: the response is complete, refused or broken, or the client left. */
  private boolean done;

  Forwarding(Upstream upstream, HttpServerRequest request, String path, ForwardedExchange exchange, long maxBodyBytes) {
    this.upstream = upstream;
    this.request = request;
    this.response = request.response();
    this.path = path;
    this.exchange = exchange;
    this.maxBodyBytes = maxBodyBytes;
  }

  void start() {
    MultiMap headers = request.headers();
    String transferEncoding = headers.get(HttpHeaders.TRANSFER_ENCODING);
    boolean chunked = transferEncoding != null;
    if (chunked && !onlyChunked(headers.getAll(HttpHeaders.TRANSFER_ENCODING))) {
      done = true;
      refuse(Denial.badRequest("Only the chunked transfer coding is accepted."));
      return;
    }
    String length = headers.get(HttpHeaders.CONTENT_LENGTH);
    long declared = length == null ? -1 : Upstream.contentLength(length);
    boolean body = chunked || declared > 0;
    // HTTP/2 frames the body itself: DATA frames may follow a HEADERS frame without Content-Length (RFC 9113 8.1.1)
    boolean unsized = !body && length == null && request.version() == HttpVersion.HTTP_2;
    response.exceptionHandler(this::clientLeft);
    if (!body && !unsized) {
      obtainConnection(null);
      return;
    }
    bodyEnded = false;
    request.exceptionHandler(this::clientLeft);
    watch();
    if (unsized) {
      readUnsized();
      return;
    }
    chunkedUpstream = chunked;
    if (!chunked && declared <= SMALL_BODY) {
      // A slow client must not hold a pooled upstream connection while it sends: a small body is read first.
      bodyBuffered = true;
      request.body().onComplete(whole -> {
        if (whole.succeeded()) {
          bodyEnded = true;
          obtainConnection(whole.result());
        } else {
          clientLeft(whole.cause());
        }
      });
      request.resume();
      return;
    }
    if (!exchange.paused()) {
      request.pause(); // the body waits until the upstream request can take it
      exchange.markPaused();
    }
    obtainConnection(null);
  }

  /**
   * An HTTP/2 body without Content-Length: read like a small body (no connection held while it arrives), then sent
   * with its length, or none at all when the stream ended without DATA; one that grows past {@link #SMALL_BODY} is
   * streamed chunked from there on. The per-stream body limit counts every byte either way.
   */
  private void readUnsized() {
    bodyBuffered = true;
    request.handler(chunk -> {
      if (done) {
        return;
      }
      bodyBytes += chunk.length();
      if (bodyBytes > maxBodyBytes) {
        bodyTooLarge();
        return;
      }
      if (unsizedPrefix == null) {
        unsizedPrefix = Buffer.buffer();
      }
      unsizedPrefix.appendBuffer(chunk);
      if (bodyBytes > SMALL_BODY && !unsizedStreaming) {
        unsizedStreaming = true;
        bodyBuffered = false; // from here on the body only has to keep up the minimum rate
        chunkedUpstream = true;
        request.pause();
        exchange.markPaused();
        obtainConnection(null);
      }
    });
    request.endHandler(v -> {
      bodyEnded = true;
      if (!done && !unsizedStreaming) {
        obtainConnection(unsizedPrefix);
      }
    });
    request.resume();
  }

  private void watch() {
    if (watchdog == null) {
      watchdog = Watchdog.current(upstream.vertx());
    }
    watchdog.watch(this);
  }

  private void unwatch() {
    if (watchdog != null) {
      watchdog.unwatch(this);
    }
  }

  private void obtainConnection(Buffer wholeBody) {
    if (done) {
      return;
    }
    Target chosen = upstream.pool().choose(null);
    target = chosen;
    connect(chosen, wholeBody);
  }

  private void connect(Target chosen, Buffer wholeBody) {
    chosen.counted();
    if (upstream.pool().several()) {
      exchange.target(chosen.label());
    }
    upstream.client().request(chosen.origin()).onComplete(ready -> {
      if (ready.succeeded()) {
        chosen.connected();
        send(ready.result(), chosen, wholeBody);
        return;
      }
      Throwable failure = ready.cause();
      if (TargetPool.isConnectFailure(failure)) {
        chosen.connectFailed();
        if (retry(chosen, wholeBody)) {
          return;
        }
      }
      failed(failure, true);
    });
  }

  /**
   * One retry on another target after a failed connect, for idempotent methods only: nothing was sent to the target
   * that failed (no connection), and the body is either held whole or not yet read from the client.
   */
  private boolean retry(Target failedOn, Buffer wholeBody) {
    if (done || retried || !upstream.pool().several() || !TargetPool.retryable(request.method())) {
      return false;
    }
    Target other = upstream.pool().choose(failedOn);
    if (other == null) {
      return false;
    }
    retried = true;
    release();
    target = other;
    connect(other, wholeBody);
    return true;
  }

  /** The request no longer counts as pending on its target. */
  private void release() {
    Target t = target;
    if (t != null) {
      target = null;
      upstream.pool().release(t);
    }
  }

  private void send(HttpClientRequest outgoing, Target chosen, Buffer wholeBody) {
    upstreamRequest = outgoing;
    // A failure reaches us through the response future or the response's handlers; without a handler here Vert.x
    // would also log every reset or closed connection of an unfinished request as SEVERE.
    outgoing.exceptionHandler(failure -> { });
    if (done) {
      outgoing.reset(); // the client went away, or its body timed out, while the connection was being obtained
      return;
    }
    outgoing.setMethod(request.method()).setURI(chosen.uri(path));
    copyEndToEnd(request.headers(), outgoing.headers());
    if (request.canUpgradeToWebSocket()) {
      outgoing.headers().set(HttpHeaders.CONNECTION, HttpHeaders.UPGRADE).set(HttpHeaders.UPGRADE,
          request.getHeader(HttpHeaders.UPGRADE));
      outgoing.connect().onComplete(this::answered); // raw bytes both ways once the upstream answers 101
      resumeIfPaused();
      return;
    }
    outgoing.response().onComplete(this::answered);
    if (wholeBody != null) {
      outgoing.end(wholeBody);
      return;
    }
    if (bodyEnded) {
      outgoing.end();
      resumeIfPaused();
      return;
    }
    outgoing.setChunked(chunkedUpstream);
    if (unsizedPrefix != null) {
      outgoing.write(unsizedPrefix); // read before the connection was obtained
      unsizedPrefix = null;
      if (bodyEnded) {
        outgoing.end();
        return;
      }
    }
    request.handler(this::bodyChunk);
    request.endHandler(v -> {
      bodyEnded = true;
      if (!done) {
        outgoing.end();
      }
    });
    outgoing.drainHandler(v -> request.resume());
    request.resume();
  }

  private void resumeIfPaused() {
    // an HTTP/2 request whose end was read refuses resume(); there is nothing left to read anyway
    if (exchange.paused() && !request.isEnded()) {
      request.resume();
    }
  }

  private void bodyChunk(Buffer chunk) {
    if (done) {
      return;
    }
    bodyBytes += chunk.length();
    if (bodyBytes > maxBodyBytes) {
      bodyTooLarge();
      return;
    }
    upstreamRequest.write(chunk);
    if (upstreamRequest.writeQueueFull()) {
      request.pause();
    }
  }

  /**
   * The body grew past the route's limit while streaming. Chunks and the end already read from the client are still
   * delivered after this: none may reach the upstream, above all not the end, which would complete a truncated
   * request there.
   */
  private void bodyTooLarge() {
    finish();
    exchange.decision("body_too_large");
    exchange.closedStatus(413);
    response.reset(); // HTTP/1.x: closes the connection; HTTP/2: resets the stream
    if (upstreamRequest != null) {
      upstreamRequest.reset();
    }
  }

  private void answered(AsyncResult<HttpClientResponse> answer) {
    if (answer.failed()) {
      failed(answer.cause(), false);
    } else {
      respond(answer.result());
    }
  }

  private void respond(HttpClientResponse answer) {
    long nanos = System.nanoTime() - started;
    upstream.metrics().upstream(upstream.name(), nanos);
    exchange.upstreamNanos(nanos);
    if (done) {
      answer.exceptionHandler(failure -> { }); // the reset below fails the unread response too: expected
      upstreamRequest.reset();
      return;
    }
    headArrived = true;
    int status = answer.statusCode();
    if (status == 101 && request.canUpgradeToWebSocket()) {
      tunnel(answer);
      return;
    }
    response.setStatusCode(status);
    String message = answer.statusMessage();
    if (message != null && !message.equals(HttpResponseStatus.valueOf(status).reasonPhrase())) {
      response.setStatusMessage(message); // a custom reason phrase (the standard one is what Vert.x writes anyway)
    }
    copyEndToEnd(answer.headers(), response.headers());
    response.headers().set(HeaderPolicy.REQUEST_ID, exchange.requestId());
    String length = answer.getHeader(HttpHeaders.CONTENT_LENGTH);
    if (request.method() == HttpMethod.HEAD || status == 204 || status == 304 || "0".equals(length)) {
      finish();
      response.end();
      return;
    }
    lastRead = System.nanoTime();
    watch();
    long declared = length == null ? -1 : Upstream.contentLength(length);
    if ((declared >= 0 && declared <= SMALL_RESPONSE) || (declared < 0 && request.version() == HttpVersion.HTTP_1_0)) {
      // one write for head and body (an HTTP/1.0 client cannot take chunks, so an unsized body is collected)
      answer.body().onComplete(whole -> {
        if (done) {
          return;
        }
        if (whole.succeeded()) {
          finish();
          response.end(whole.result());
        } else {
          failed(whole.cause(), false); // nothing has been written yet: the client gets a 502, not a short body
        }
      });
      return;
    }
    if (declared < 0) {
      response.setChunked(true);
    }
    // Not pipeTo: it would end the client's response when the upstream's body breaks, passing a truncated body as
    // complete. A break must reach the client as a broken connection.
    answer.handler(chunk -> {
      if (done) {
        return;
      }
      lastRead = System.nanoTime();
      response.write(chunk);
      if (response.writeQueueFull()) {
        pausedForClient = true;
        answer.pause();
        response.drainHandler(v -> {
          pausedForClient = false;
          lastRead = System.nanoTime();
          answer.resume();
        });
      }
    });
    answer.exceptionHandler(failure -> abort("upstream_aborted", 502, failure));
    answer.endHandler(v -> {
      if (!done) {
        finish();
        response.end();
      }
    });
  }

  /** The upstream accepted the upgrade: the client gets its 101 head, then bytes flow both ways until either closes. */
  private void tunnel(HttpClientResponse answer) {
    finish();
    response.setStatusCode(101);
    copyEndToEnd(answer.headers(), response.headers());
    response.headers()
        .set(HttpHeaders.CONNECTION, HttpHeaders.UPGRADE)
        .set(HttpHeaders.UPGRADE, answer.getHeader(HttpHeaders.UPGRADE))
        .set(HeaderPolicy.REQUEST_ID, exchange.requestId());
    NetSocket upstreamSocket = answer.netSocket();
    request.toNetSocket().onComplete(client -> {
      if (client.failed()) {
        upstreamSocket.close();
        return;
      }
      client.result().pipeTo(upstreamSocket);
      upstreamSocket.pipeTo(client.result());
    });
  }

  @Override
  void check(long now) {
    Upstream.Bounds bounds = upstream.bounds();
    if (!bodyEnded && !headArrived) {
      long elapsed = now - started;
      if (elapsed > bounds.bodyTimeoutNanos()
          && (bodyBuffered || bodyBytes * 1_000_000_000L < bounds.bodyMinRate() * elapsed)) {
        bodyTooSlow();
      }
    } else if (headArrived && !pausedForClient && now - lastRead > bounds.readTimeoutNanos()) {
      abort("upstream_timeout", 504, READ_TIMEOUT);
    }
  }

  private void finish() {
    done = true;
    unwatch();
    release();
  }

  /** The client sends its body too slowly: the upstream never gets a complete request, the client a 408 and a close. */
  private void bodyTooSlow() {
    finish();
    if (upstreamRequest != null) {
      upstreamRequest.reset();
    }
    AggregatedLog.log(LOG, System.Logger.Level.INFO, "request bodies arriving too slowly, refused with 408",
        "request " + exchange.requestId() + " to upstream " + upstream.name() + ", " + bodyBytes + " bytes in "
            + (System.nanoTime() - started) / 1_000_000 + " ms");
    if (response.headWritten()) {
      response.reset();
      return;
    }
    exchange.decision("body_timeout");
    response.bodyEndHandler(v -> lingerThenClose()); // the rest of the body is not worth forwarding
    upstream.problems().send(response.putHeader(HttpHeaders.CONNECTION, HttpHeaders.CLOSE),
        Denial.of(DenialCode.BODY_TIMEOUT, "The request body did not arrive in time."),
        exchange.requestId(), exchange.traceId());
  }

  /**
   * Closing at once while the client is still sending makes its next bytes draw a TCP reset, and a reset can destroy
   * the 408 before the client has read it (RFC 9112, section 9.6). So what it still sends is read and dropped for a
   * moment (a lingering close, as web servers do; every body handler here ignores data once done, and a body that
   * completes meanwhile is never forwarded), then the connection is closed.
   */
  private void lingerThenClose() {
    var connection = request.connection();
    if (!request.isEnded()) {
      request.resume();
    }
    upstream.vertx().setTimer(LINGER_MILLIS, id -> connection.close());
  }

  /** Before the response head went to the client: a problem response; after it: a visible break. */
  private void failed(Throwable failure, boolean obtaining) {
    if (done) {
      return; // the client left or the body timed out: that was counted where it happened
    }
    Denial denial = denial(failure, obtaining, upstream.bounds().retryAfterSeconds());
    if (response.headWritten()) {
      abort(denial.code(), denial.status(), failure);
      return;
    }
    finish();
    upstream.metrics().upstreamError(upstream.name(), denial.code());
    AggregatedLog.warning(LOG, "upstream " + upstream.name() + ": " + denial.code() + " ("
        + failure.getClass().getSimpleName() + ")", "request " + exchange.requestId() + ": " + failure.getMessage());
    if (upstreamRequest != null) {
      upstreamRequest.reset();
    }
    response.headers().clear(); // whatever the upstream's head had set
    refuse(denial);
  }

  /**
   * The one place a failure becomes a status: obtaining a connection timed out (every pooled connection busy) 503
   * {@code upstream_busy} with Retry-After; the head or the body did not come in time 504 {@code upstream_timeout};
   * anything else (refused, reset, closed) 502 {@code upstream_unavailable}.
   */
  static Denial denial(Throwable failure, boolean obtaining, long retryAfterSeconds) {
    boolean timeout = failure instanceof TimeoutException || failure.getCause() instanceof TimeoutException;
    if (timeout && obtaining) {
      return new Denial(DenialCode.UPSTREAM_BUSY,
          "Every connection to the upstream service is in use; retry shortly.", List.of(), retryAfterSeconds);
    }
    return timeout ? Denial.upstreamTimeout() : Denial.upstreamUnavailable();
  }

  /**
   * The response has started and cannot be completed: the client's connection is reset (HTTP/2: RST_STREAM), never
   * ended, so no client takes a truncated body for a complete one. Counted and logged as {@code code}.
   */
  private void abort(String code, int status, Throwable cause) {
    if (done) {
      return;
    }
    finish();
    exchange.decision(code);
    exchange.closedStatus(status);
    upstream.metrics().upstreamError(upstream.name(), code);
    AggregatedLog.warning(LOG, "upstream " + upstream.name() + ": " + code + " after the response head",
        "request " + exchange.requestId() + ": " + cause.getMessage());
    upstreamRequest.reset();
    if (response.headWritten()) {
      response.reset();
    } else {
      response.headers().clear();
      refuse(code.equals("upstream_timeout") ? Denial.upstreamTimeout() : Denial.upstreamUnavailable());
    }
  }

  /** The client closed its connection (or it broke): not an upstream failure; counted as client-closed (499). */
  private void clientLeft(Throwable cause) {
    if (done) {
      return;
    }
    finish();
    exchange.decision("client_closed");
    upstream.metrics().clientClosed(upstream.name());
    if (upstreamRequest != null) {
      upstreamRequest.reset();
    }
  }

  private void refuse(Denial denial) {
    exchange.decision(denial.code());
    resumeIfPaused(); // the unread body is discarded
    upstream.problems().send(response, denial, exchange.requestId(), exchange.traceId());
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

  /** The one header copy, both directions: every header but the hop-by-hop ones. */
  static void copyEndToEnd(MultiMap from, MultiMap to) {
    from.forEach((name, value) -> {
      if (!isHopByHop(name)) {
        to.add(name, value);
      }
    });
  }

  private static boolean onlyChunked(List<String> values) {
    for (String value : values) {
      if (!value.trim().equalsIgnoreCase("chunked")) {
        return false;
      }
    }
    return true;
  }
}
