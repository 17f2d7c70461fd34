package dev.tenantgateway.server;

import dev.tenantgateway.config.GatewayConfig.Security;
import dev.tenantgateway.routing.PathNormalizer;
import io.vertx.core.MultiMap;
import io.vertx.core.http.HttpVersion;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

import java.util.concurrent.TimeUnit;

/**
 * What stage 1 costs on a typical request (eight headers, an 800-character bearer token, no query): the whole check,
 * and the field-name/value and Host checks on their own. Run with {@code bench/jmh.sh IngressGuardBenchmark}.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(1)
public class IngressGuardBenchmark {

  IngressGuard guard;
  MultiMap headers;

  @Setup
  public void setUp() {
    guard = new IngressGuard(Security.defaults());
    headers = MultiMap.caseInsensitiveMultiMap(); // the same implementation the server's requests carry

    headers.add("Host", "api.example.com:8443")
        .add("User-Agent", "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko)")
        .add("Accept", "application/json, text/plain, */*")
        .add("Accept-Encoding", "gzip, deflate, br")
        .add("Authorization", "Bearer " + "eyJhbGciOiJSUzI1NiJ9".repeat(40))
        .add("Connection", "keep-alive")
        .add("Content-Type", "application/json")
        .add("X-Correlation-Id", "3f2b8c1e-5d4a-4b7e-9c2d-1a0b9e8f7c6d");
  }

  @Benchmark
  public PathNormalizer.Result check() {
    return guard.check("/orgs/acme/projects/42", HttpVersion.HTTP_1_1, headers);
  }

  @Benchmark
  public MultiMap fields() {
    IngressGuard.checkFields(headers);
    return headers;
  }

  @Benchmark
  public boolean host() {
    return IngressGuard.isUriHostAndPort("api.example.com:8443");
  }
}
