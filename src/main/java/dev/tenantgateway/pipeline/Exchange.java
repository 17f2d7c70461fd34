package dev.tenantgateway.pipeline;

import dev.tenantgateway.proxy.ForwardedExchange;
import io.opentelemetry.api.trace.Span;

/**
 * What the pipeline learned about one request, filled in as it goes and reported once when the response ends: the
 * route (never the raw path, for metrics), the decision, the tenant and user, the upstream and its latency.
 * Confined to the request's event loop. Forwarding writes to it through {@link ForwardedExchange}.
 */
public class Exchange implements ForwardedExchange {

  public final String requestId;
  public final long startNanos;
  public final String method;
  public String path;
  public String route;
  /** {@code allowed}, or the denial code. */
  public String decision = "allowed";
  public String tenant;
  public String user;
  public String upstream;
  /** The target that got the request (the last one tried), for upstreams with several targets; else null. */
  public String target;
  public long upstreamNanos = -1;
  /** The request was paused while a stage waited; forwarding resumes it. */
  public boolean paused;
  /**
   * The status reported when the connection closes before the response ended: 499 (the client went away) unless the
   * gateway broke the response on purpose (502 {@code upstream_aborted}, 504 for a stalled upstream).
   */
  public int closedStatus = 499;
  /** The request's span while tracing is on ({@link Tracing}), else null. */
  public Span span;
  /** The trace id (32 hex digits) for the access log and problem bodies while tracing is on, else null. */
  public String traceId;
  private boolean reported;

  public Exchange(String requestId, String method, String rawPath, long startNanos) {
    this.requestId = requestId;
    this.method = method;
    this.path = rawPath;
    this.startNanos = startNanos;
  }

  /** True the first time only: a response that ends and then closes is reported once. */
  public boolean markReported() {
    if (reported) {
      return false;
    }
    reported = true;
    return true;
  }

  @Override
  public String requestId() {
    return requestId;
  }

  @Override
  public String traceId() {
    return traceId;
  }

  @Override
  public boolean paused() {
    return paused;
  }

  @Override
  public void markPaused() {
    paused = true;
  }

  @Override
  public void upstream(String name) {
    upstream = name;
  }

  @Override
  public void target(String label) {
    target = label;
  }

  @Override
  public void upstreamNanos(long nanos) {
    upstreamNanos = nanos;
  }

  @Override
  public void decision(String code) {
    decision = code;
  }

  @Override
  public void closedStatus(int status) {
    closedStatus = status;
  }
}
