package dev.tenantgateway.config;

import java.net.URI;

/**
 * {@code tracing:}: spans exported with OpenTelemetry over OTLP, and W3C trace context propagated to the upstreams.
 * Absent, the gateway neither reads nor writes trace headers (a client's {@code traceparent} passes through as any
 * other end-to-end header). Reload: applies (a new exporter; the old one flushes when the old snapshot closes).
 *
 * @param endpoint the OTLP traces URL as the exporter posts to it ({@code /v1/traces} already appended when the file
 *     gave a bare origin)
 * @param protocol {@code http/protobuf}
 * @param samplingRatio the share of traces exported, 0 to 1, decided on the trace id (so every gateway replica keeps
 *     the same traces); the client's sampled flag does not raise it
 */
public record TracingSettings(URI endpoint, String protocol, double samplingRatio, String serviceName) {

  public static final String HTTP_PROTOBUF = "http/protobuf";
}
