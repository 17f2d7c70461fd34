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
 *
 * <p>This class is the connection and the response side (the target, the head, the read watchdog, 499 / 502 / 504);
 * the request-body side (small bodies read whole, streaming, the body bounds, 408) is {@link RequestBody}, which it
 * extends, so a request still costs one object.
 */
final class Forwarding extends RequestBody {

  /** Responses with a declared length up to this are read whole and written to the client in one write. */
  private static final long SMALL_RESPONSE = 64 * 1024;

  private static final TimeoutException READ_TIMEOUT = new TimeoutException("the upstream stopped sending its response") {
    @Override
    public synchronized Throwable fillInStackTrace() {
      return this;
    }
  };

  private final String path;
  /** The target this request went to (pending on it until released), or null. */
  private Target target;
  private boolean retried;
  private boolean headArrived;
  private boolean pausedForClient;
  private long lastRead;

  Forwarding(Upstream upstream, HttpServerRequest request, String path, ForwardedExchange exchange, long maxBodyBytes) {
    super(upstream, request, exchange, maxBodyBytes);
    this.path = path;
  }

  @Override
  void obtainConnection(Buffer wholeBody) {
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
    sendBody(outgoing, wholeBody);
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
      if (bodyLate(now, bounds)) {
        bodyTooSlow();
      }
    } else if (headArrived && !pausedForClient && now - lastRead > bounds.readTimeoutNanos()) {
      abort("upstream_timeout", 504, READ_TIMEOUT);
    }
  }

  @Override
  void finish() {
    done = true;
    unwatch();
    release();
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
  @Override
  void clientLeft(Throwable cause) {
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

  @Override
  void refuse(Denial denial) {
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


}
