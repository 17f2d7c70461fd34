package dev.tenantgateway.proxy;

import dev.tenantgateway.log.AggregatedLog;
import dev.tenantgateway.policy.Denial;
import dev.tenantgateway.policy.DenialCode;
import io.vertx.core.MultiMap;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClientRequest;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.http.HttpVersion;

import java.util.List;

/**
 * The request-body side of one {@link Forwarding} (the same object: a request costs one): how the body is read and
 * sent. A small body with a declared length is read whole before a connection is taken, an HTTP/2 body without a
 * length likewise until it grows past {@link #SMALL_BODY}, anything else streams (chunked where the client sent it
 * so) once the upstream request can take it. The route's body limit counts every byte; a body that misses
 * {@code request_body_timeout} (or, once streaming, {@code request_body_min_rate}) gets 408 and a lingering close.
 * Confined to the event loop.
 */
abstract class RequestBody extends Watchdog.Watched {

  static final System.Logger LOG = System.getLogger(Upstream.class.getName());
  /** Request bodies with a declared length up to this are read whole before an upstream connection is taken. */
  static final long SMALL_BODY = 64 * 1024;
  /** How long a connection refused with 408 is still read (and dropped) before it is closed. */
  static final long LINGER_MILLIS = 1000;

  final Upstream upstream;
  final HttpServerRequest request;
  final HttpServerResponse response;
  final ForwardedExchange exchange;
  final long maxBodyBytes;
  final long started = System.nanoTime();
  HttpClientRequest upstreamRequest;
  private Watchdog watchdog;
  long bodyBytes;
  boolean bodyEnded = true;
  private boolean bodyBuffered;
  /** The upstream request carries the body chunked: the client sent it chunked, or HTTP/2 without a length. */
  private boolean chunkedUpstream;
  /** HTTP/2 body without a length: what was read before the upstream request was sent. */
  private Buffer unsizedPrefix;
  /** That body grew past {@link #SMALL_BODY}: a connection is being obtained to stream it chunked. */
  private boolean unsizedStreaming;
  /** Nothing more may happen on either side: the response is complete, refused or broken, or the client left. */
  boolean done;

  RequestBody(Upstream upstream, HttpServerRequest request, ForwardedExchange exchange, long maxBodyBytes) {
    this.upstream = upstream;
    this.request = request;
    this.response = request.response();
    this.exchange = exchange;
    this.maxBodyBytes = maxBodyBytes;
  }

  /** Takes a connection to a target and sends the request; {@code wholeBody} is the body read whole, or null. */
  abstract void obtainConnection(Buffer wholeBody);

  /** Nothing more happens on either side: the watchdog and the target let go. */
  abstract void finish();

  /** Answers with a problem response (nothing was forwarded). */
  abstract void refuse(Denial denial);

  /** The client closed its connection (or it broke). */
  abstract void clientLeft(Throwable cause);

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
      if (!admit(chunk)) {
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

  void watch() {
    if (watchdog == null) {
      watchdog = Watchdog.current(upstream.vertx());
    }
    watchdog.watch(this);
  }

  void unwatch() {
    if (watchdog != null) {
      watchdog.unwatch(this);
    }
  }

  /**
   * The upstream request's head is ready to go: the body follows it, whole, already ended, or streamed from here on
   * with back-pressure (what was read of an unsized body first).
   */
  void sendBody(HttpClientRequest outgoing, Buffer wholeBody) {
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

  void resumeIfPaused() {
    // an HTTP/2 request whose end was read refuses resume(); there is nothing left to read anyway
    if (exchange.paused() && !request.isEnded()) {
      request.resume();
    }
  }

  private void bodyChunk(Buffer chunk) {
    if (!admit(chunk)) {
      return;
    }
    upstreamRequest.write(chunk);
    if (upstreamRequest.writeQueueFull()) {
      request.pause();
    }
  }

  /** Counts a chunk against the route's body limit: false when it must go nowhere (done, or the body is too large). */
  private boolean admit(Buffer chunk) {
    if (done) {
      return false;
    }
    bodyBytes += chunk.length();
    if (bodyBytes > maxBodyBytes) {
      bodyTooLarge();
      return false;
    }
    return true;
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

  /**
   * Whether the body, still incomplete at {@code now}, missed its bound: a small one {@code request_body_timeout}, a
   * larger one from then on {@code request_body_min_rate} on average.
   */
  boolean bodyLate(long now, Upstream.Bounds bounds) {
    long elapsed = now - started;
    return elapsed > bounds.bodyTimeoutNanos()
        && (bodyBuffered || bodyBytes * 1_000_000_000L < bounds.bodyMinRate() * elapsed);
  }

  /** The client sends its body too slowly: the upstream never gets a complete request, the client a 408 and a close. */
  void bodyTooSlow() {
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

  private static boolean onlyChunked(List<String> values) {
    for (String value : values) {
      if (!value.trim().equalsIgnoreCase("chunked")) {
        return false;
      }
    }
    return true;
  }
}
