package dev.tenantgateway.observe;

import dev.tenantgateway.pipeline.Exchange;
import dev.tenantgateway.config.TracingSettings;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.common.Attributes;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.api.trace.StatusCode;
import io.opentelemetry.api.trace.Tracer;
import io.opentelemetry.api.trace.propagation.W3CTraceContextPropagator;
import io.opentelemetry.context.Context;
import io.opentelemetry.context.propagation.TextMapGetter;
import io.opentelemetry.context.propagation.TextMapSetter;
import io.opentelemetry.exporter.otlp.http.trace.OtlpHttpSpanExporter;
import io.opentelemetry.sdk.common.CompletableResultCode;
import io.opentelemetry.sdk.resources.Resource;
import io.opentelemetry.sdk.trace.SdkTracerProvider;
import io.opentelemetry.sdk.trace.SpanLimits;
import io.opentelemetry.sdk.trace.export.BatchSpanProcessor;
import io.opentelemetry.sdk.trace.export.SpanExporter;
import io.opentelemetry.sdk.trace.samplers.Sampler;
import io.vertx.core.Future;
import io.vertx.core.MultiMap;
import io.vertx.core.Promise;
import io.vertx.core.http.HttpHeaders;

import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * One OpenTelemetry span per request, kind SERVER: started when the request arrives (a child of a valid incoming W3C
 * {@code traceparent}, a new trace otherwise), named after its route, carrying the route id, the decision, the method,
 * the status and the tenant, and ended when the request is observed. The span's context replaces the trace headers
 * sent upstream, so the upstream's span is the gateway span's child. Spans leave through a batch processor: ending a
 * span only queues it (dropped when the queue is full), the export runs on the processor's own thread.
 *
 * <p>Only built when routes.yaml has a {@code tracing} section; without one, nothing here runs.
 */
public final class Tracing {

  /** W3C: a tracestate may be cut beyond 512 characters; a longer one is dropped whole rather than cut mid-member. */
  static final int MAX_TRACESTATE = 512;
  /** Every string attribute is cut to this length (the tenant comes from the token). */
  static final int MAX_ATTRIBUTE_LENGTH = 128;

  static final AttributeKey<String> ROUTE = AttributeKey.stringKey("gateway.route");
  static final AttributeKey<String> DECISION = AttributeKey.stringKey("gateway.decision");
  static final AttributeKey<String> TENANT = AttributeKey.stringKey("gateway.tenant");
  static final AttributeKey<String> REQUEST_ID = AttributeKey.stringKey("gateway.request_id");
  static final AttributeKey<String> UPSTREAM = AttributeKey.stringKey("gateway.upstream");
  static final AttributeKey<String> METHOD = AttributeKey.stringKey("http.request.method");
  static final AttributeKey<Long> STATUS = AttributeKey.longKey("http.response.status_code");

  private static final CharSequence TRACEPARENT = HttpHeaders.createOptimized("traceparent");
  private static final CharSequence TRACESTATE = HttpHeaders.createOptimized("tracestate");
  private static final W3CTraceContextPropagator W3C = W3CTraceContextPropagator.getInstance();

  private static final TextMapGetter<MultiMap> INCOMING = new TextMapGetter<>() {
    @Override
    public Iterable<String> keys(MultiMap headers) {
      return headers.names();
    }

    @Override
    public String get(MultiMap headers, String key) {
      if (headers == null) {
        return null;
      }
      if (key.equals("tracestate")) {
        String state = headers.get(TRACESTATE);
        return state == null || state.length() > MAX_TRACESTATE ? null : state;
      }
      if (key.equals("traceparent")) {
        // several traceparent headers: which one is the caller's is unknowable, so none is
        List<String> all = headers.getAll(TRACEPARENT);
        return all.size() == 1 ? all.get(0) : null;
      }
      return headers.get(key);
    }
  };

  private static final TextMapSetter<MultiMap> OUTGOING = (headers, key, value) -> {
    if (headers != null) {
      headers.set(key.equals("traceparent") ? TRACEPARENT : key.equals("tracestate") ? TRACESTATE : key, value);
    }
  };

  private final SdkTracerProvider provider;
  private final Tracer tracer;

  private Tracing(SdkTracerProvider provider) {
    this.provider = provider;
    this.tracer = provider.get("dev.tenantgateway");
  }

  /** Exports over OTLP/HTTP (protobuf) to the configured endpoint. */
  public static Tracing create(TracingSettings settings) {
    return create(settings, OtlpHttpSpanExporter.builder()
        .setEndpoint(settings.endpoint().toString())
        .setTimeout(10, TimeUnit.SECONDS)
        .build());
  }

  /** With another exporter: the benchmark's, which discards what it gets. */
  public static Tracing create(TracingSettings settings, SpanExporter exporter) {
    Resource resource = Resource.getDefault().merge(Resource.create(
        Attributes.of(AttributeKey.stringKey("service.name"), settings.serviceName())));
    return new Tracing(SdkTracerProvider.builder()
        .setResource(resource)
        // on the trace id alone, not parent-based: a client's sampled flag must not decide what the gateway exports
        .setSampler(Sampler.traceIdRatioBased(settings.samplingRatio()))
        .setSpanLimits(SpanLimits.builder().setMaxAttributeValueLength(MAX_ATTRIBUTE_LENGTH).build())
        .addSpanProcessor(BatchSpanProcessor.builder(exporter).build())
        .build());
  }

  /**
   * Starts the request's span from the incoming trace headers: a valid {@code traceparent} becomes the parent; a
   * missing or malformed one starts a new trace (and its {@code tracestate} is ignored).
   */
  public void start(Exchange exchange, MultiMap headers) {
    Context parent = W3C.extract(Context.root(), headers, INCOMING);
    Span span = tracer.spanBuilder(exchange.method)
        .setParent(parent)
        .setSpanKind(SpanKind.SERVER)
        .startSpan();
    exchange.span = span;
    exchange.traceId = span.getSpanContext().getTraceId();
  }

  /**
   * Sets the trace headers of the request going upstream to the gateway span's context (whether sampled or not): the
   * client's {@code traceparent} and {@code tracestate} are replaced, never forwarded as they came.
   */
  public static void propagate(Exchange exchange, MultiMap headers) {
    Span span = exchange.span;
    if (span == null) {
      return;
    }
    headers.remove(TRACESTATE);
    W3C.inject(Context.root().with(span), headers, OUTGOING);
  }

  /** Ends the request's span with what the exchange learned; nothing to do without one. */
  public static void end(Exchange exchange, int status) {
    Span span = exchange.span;
    if (span == null) {
      return;
    }
    if (span.isRecording()) {
      if (exchange.route != null) {
        span.updateName(exchange.method + " " + exchange.route);
        span.setAttribute(ROUTE, exchange.route);
      }
      span.setAttribute(METHOD, exchange.method);
      span.setAttribute(STATUS, status);
      span.setAttribute(DECISION, exchange.decision);
      span.setAttribute(REQUEST_ID, exchange.requestId);
      if (exchange.tenant != null) {
        span.setAttribute(TENANT, exchange.tenant);
      }
      if (exchange.upstream != null) {
        span.setAttribute(UPSTREAM, exchange.upstream);
      }
      if (status >= 500) {
        span.setStatus(StatusCode.ERROR, exchange.decision);
      }
    }
    span.end();
  }

  /** Exports what is queued now (tests, shutdown); completes when the export is done. */
  public Future<Void> flush() {
    return completion(provider.forceFlush());
  }

  /** Exports what is queued, then stops the exporter. */
  public Future<Void> close() {
    return completion(provider.shutdown());
  }

  private static Future<Void> completion(CompletableResultCode code) {
    Promise<Void> done = Promise.promise();
    code.whenComplete(() -> {
      if (code.isSuccess()) {
        done.tryComplete();
      } else {
        done.tryFail("the span export did not succeed");
      }
    });
    return done.future();
  }
}
