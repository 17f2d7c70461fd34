package dev.tenantgateway.bench;

import dev.tenantgateway.config.TracingSettings;
import dev.tenantgateway.pipeline.Exchange;
import dev.tenantgateway.observe.Tracing;
import io.opentelemetry.sdk.common.CompletableResultCode;
import io.opentelemetry.sdk.trace.data.SpanData;
import io.opentelemetry.sdk.trace.export.SpanExporter;
import io.vertx.core.MultiMap;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

import java.net.URI;
import java.util.Collection;
import java.util.concurrent.TimeUnit;

/**
 * What tracing adds to one request (start the span from the incoming headers, set the upstream's trace headers, end
 * the span with its attributes), at sampling ratio 0 and 1, against an exporter that discards what it gets; "off" is
 * the same request's bookkeeping with tracing absent. Run with {@code bench/jmh.sh TracingBenchmark}.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(1)
public class TracingBenchmark {

  @Param({"off", "0", "1"})
  public String ratio;

  Tracing tracing;
  MultiMap headers;

  @Setup
  public void setUp() {
    if (!ratio.equals("off")) {
      tracing = Tracing.create(new TracingSettings(URI.create("http://127.0.0.1:4318/v1/traces"), "http/protobuf",
          Double.parseDouble(ratio), "bench"), new SpanExporter() {
            @Override
            public CompletableResultCode export(Collection<SpanData> spans) {
              return CompletableResultCode.ofSuccess();
            }

            @Override
            public CompletableResultCode flush() {
              return CompletableResultCode.ofSuccess();
            }

            @Override
            public CompletableResultCode shutdown() {
              return CompletableResultCode.ofSuccess();
            }
          });
    }
    headers = MultiMap.caseInsensitiveMultiMap()
        .add("Host", "gateway.example.com")
        .add("Authorization", "Bearer x")
        .add("Accept", "application/json")
        .add("traceparent", "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01");
  }

  @TearDown
  public void tearDown() {
    if (tracing != null) {
      tracing.close();
    }
  }

  /** The request's tracing as GatewayHandler and ProxyOutcome do it. */
  @Benchmark
  public Exchange request() {
    Exchange exchange = new Exchange("req-1", "GET", "/projects", System.nanoTime());
    if (tracing != null) {
      tracing.start(exchange, headers);
    }
    exchange.route = "list-projects";
    exchange.tenant = "acme";
    exchange.upstream = "app";
    if (exchange.span != null) {
      Tracing.propagate(exchange, headers);
      Tracing.end(exchange, 200);
    }
    return exchange;
  }
}
