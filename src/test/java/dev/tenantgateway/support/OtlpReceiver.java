package dev.tenantgateway.support;

import com.google.protobuf.ByteString;
import com.google.protobuf.InvalidProtocolBufferException;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceResponse;
import io.opentelemetry.proto.common.v1.AnyValue;
import io.opentelemetry.proto.common.v1.KeyValue;
import io.opentelemetry.proto.resource.v1.Resource;
import io.opentelemetry.proto.trace.v1.ResourceSpans;
import io.opentelemetry.proto.trace.v1.ScopeSpans;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServer;

import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;

/**
 * An OpenTelemetry collector's OTLP/HTTP traces endpoint on loopback: accepts {@code POST /v1/traces} with an
 * {@code application/x-protobuf} body, decodes it with the OTLP wire classes and keeps every span it received.
 */
public final class OtlpReceiver {

  /** One span as it arrived: ids in lower-case hex (parent empty for a root span), attributes as plain values. */
  public record ReceivedSpan(String serviceName, String traceId, String spanId, String parentSpanId, String name,
                             String kind, String statusCode, Map<String, Object> attributes) {
    public Object attribute(String key) {
      return attributes.get(key);
    }
  }

  private record Waiter(Predicate<ReceivedSpan> matches, Promise<ReceivedSpan> found) {
  }

  private final List<ReceivedSpan> spans = new ArrayList<>();
  private final List<Waiter> waiters = new ArrayList<>();
  private int exports;
  private HttpServer server;

  public OtlpReceiver start(Vertx vertx) {
    server = vertx.createHttpServer().requestHandler(req -> {
      if (req.method() != HttpMethod.POST || !req.path().equals("/v1/traces")) {
        req.response().setStatusCode(404).end();
        return;
      }
      req.body().onSuccess(body -> {
        ExportTraceServiceRequest export;
        try {
          export = ExportTraceServiceRequest.parseFrom(body.getBytes());
        } catch (InvalidProtocolBufferException e) {
          req.response().setStatusCode(400).end(e.getMessage());
          return;
        }
        received(export);
        req.response().putHeader("Content-Type", "application/x-protobuf")
            .end(Buffer.buffer(ExportTraceServiceResponse.getDefaultInstance().toByteArray()));
      });
    });
    server.listen(0, "127.0.0.1").await();
    return this;
  }

  /** The origin to write as {@code tracing.endpoint} (the exporter appends {@code /v1/traces}). */
  public String endpoint() {
    return "http://127.0.0.1:" + server.actualPort();
  }

  private synchronized void received(ExportTraceServiceRequest export) {
    exports++;
    for (ResourceSpans resourceSpans : export.getResourceSpansList()) {
      String service = String.valueOf(attributes(resourceSpans.getResource()).get("service.name"));
      for (ScopeSpans scopeSpans : resourceSpans.getScopeSpansList()) {
        for (io.opentelemetry.proto.trace.v1.Span span : scopeSpans.getSpansList()) {
          ReceivedSpan received = new ReceivedSpan(service, hex(span.getTraceId()), hex(span.getSpanId()),
              hex(span.getParentSpanId()), span.getName(), span.getKind().name(), span.getStatus().getCode().name(),
              attributes(span.getAttributesList()));
          spans.add(received);
          waiters.removeIf(waiter -> waiter.matches.test(received) && waiter.found.tryComplete(received));
        }
      }
    }
  }

  /** The first span (already received or still to come) that matches. */
  public synchronized Future<ReceivedSpan> span(Predicate<ReceivedSpan> matches) {
    for (ReceivedSpan span : spans) {
      if (matches.test(span)) {
        return Future.succeededFuture(span);
      }
    }
    Promise<ReceivedSpan> found = Promise.promise();
    waiters.add(new Waiter(matches, found));
    return found.future();
  }

  public synchronized List<ReceivedSpan> spans() {
    return List.copyOf(spans);
  }

  /** How many export requests arrived (an empty export is one too). */
  public synchronized int exports() {
    return exports;
  }

  public Future<Void> stop() {
    return server == null ? Future.succeededFuture() : server.close();
  }

  private static String hex(ByteString bytes) {
    return HexFormat.of().formatHex(bytes.toByteArray());
  }

  private static Map<String, Object> attributes(Resource resource) {
    return attributes(resource.getAttributesList());
  }

  private static Map<String, Object> attributes(List<KeyValue> keyValues) {
    Map<String, Object> values = new LinkedHashMap<>();
    for (KeyValue kv : keyValues) {
      AnyValue v = kv.getValue();
      values.put(kv.getKey(), switch (v.getValueCase()) {
        case STRING_VALUE -> v.getStringValue();
        case INT_VALUE -> v.getIntValue();
        case BOOL_VALUE -> v.getBoolValue();
        case DOUBLE_VALUE -> v.getDoubleValue();
        default -> v.toString();
      });
    }
    return values;
  }
}
