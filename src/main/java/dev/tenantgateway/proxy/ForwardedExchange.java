package dev.tenantgateway.proxy;

/**
 * What forwarding reads of, and writes to, the request's record (what metrics and the access log report once the
 * response ends): implemented by that record itself ({@code pipeline.Exchange}, which the pipeline's request context
 * extends), so forwarding costs no extra object per request and never imports the observe package.
 */
public interface ForwardedExchange {

  String requestId();

  /** The trace id for problem bodies while tracing is on, else null. */
  String traceId();

  /** Whether the request is paused (a stage waited, or forwarding held the body back). */
  boolean paused();

  void markPaused();

  /** The upstream the request is forwarded to. */
  void upstream(String name);

  /** The target that got the request (the last one tried), for upstreams with several targets. */
  void target(String label);

  /** Time until the upstream's response head arrived. */
  void upstreamNanos(long nanos);

  /** {@code allowed}, or the code the request ended with. */
  void decision(String code);

  /** The status reported when the connection closes before the response ended. */
  void closedStatus(int status);
}
