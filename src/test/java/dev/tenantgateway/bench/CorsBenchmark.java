package dev.tenantgateway.bench;

import dev.tenantgateway.auth.CryptoProviders;
import dev.tenantgateway.config.GatewayConfig;
import dev.tenantgateway.compile.ConfigLoader;
import dev.tenantgateway.observe.Metrics;
import dev.tenantgateway.pipeline.Pipeline;
import dev.tenantgateway.pipeline.RequestContext;
import dev.tenantgateway.policy.Denial;
import dev.tenantgateway.server.GatewaySnapshot;
import dev.tenantgateway.state.StateBackend;
import dev.tenantgateway.support.TestIssuer;
import io.vertx.core.MultiMap;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonArray;
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

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

/**
 * The whole decision pipeline (normalize to authorize, cached token) of one snapshot, without the network, with and
 * without CORS configured and with and without an Origin header: what CORS costs a request. Run with
 * {@code bench/jmh.sh CorsBenchmark -prof gc} to see the bytes allocated per request beside the time.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(1)
public class CorsBenchmark {

  private static final String ROUTES = """
      listener: { host: 127.0.0.1, port: 0 }
      admin: { enabled: false }
      issuers:
        - id: idp
          issuer: https://idp.example.test
          public_key_file: KEY_FILE
          audiences: [gateway]
          claims: { tenant: org_code, roles: roles }
      roles:
        viewer: [projects:read]
      upstreams:
        app: { url: "http://127.0.0.1:9" }
      CORS
      routes:
        - { id: list, methods: [GET], path: /api/projects, upstream: app, require: projects:read }
        - { id: one, methods: [GET], path: "/api/projects/{id}", upstream: app, require: projects:read }
      """;
  private static final String CORS = """
      cors:
        allow_origins: ["https://app.example.com", "https://{tenant}.app.example.com"]
        tenant_origin: true
      """;

  /** none: no cors section; cors: configured, no Origin sent; cors-origin: configured, an allowed Origin sent. */
  @Param({"none", "cors", "cors-origin"})
  public String mode;

  private Vertx vertx;
  private GatewaySnapshot snapshot;
  private MultiMap headers;
  private final Pipeline.Outcome outcome = new Pipeline.Outcome() {
    @Override
    public void passed(RequestContext ctx) {
      if (ctx.caller == null) {
        throw new IllegalStateException("not authorized");
      }
    }

    @Override
    public void denied(RequestContext ctx, Denial denial) {
      throw new IllegalStateException(denial.code());
    }

    @Override
    public void failed(RequestContext ctx, Throwable failure) {
      throw new IllegalStateException(failure);
    }
  };

  @Setup
  public void setUp() throws Exception {
    CryptoProviders.install();
    vertx = Vertx.vertx();
    TestIssuer issuer = new TestIssuer("https://idp.example.test");
    Path key = Files.createTempFile("bench-issuer", ".pem");
    Files.writeString(key, TestIssuer.pem(issuer.key("rsa-1")));
    String yaml = ROUTES.replace("KEY_FILE", key.toString()).replace("CORS\n", mode.equals("none") ? "" : CORS);
    GatewayConfig config = ConfigLoader.parse(yaml, "routes.yaml", Path.of("."), name -> null);
    Metrics metrics = new Metrics(Metrics.newRegistry(), config.admin().tenantLabel());
    snapshot = GatewaySnapshot.build(vertx, config, metrics, StateBackend.create(vertx, config.state(), metrics))
        .await(20, TimeUnit.SECONDS);
    String token = issuer.mint(issuer.claims("sarah").put("aud", "gateway").put("org_code", "acme")
        .put("roles", new JsonArray().add("viewer")));
    headers = MultiMap.caseInsensitiveMultiMap()
        .add("Host", "api.example.com")
        .add("User-Agent", "Mozilla/5.0")
        .add("Accept", "application/json")
        .add("Accept-Encoding", "gzip, deflate, br")
        .add("Authorization", "Bearer " + token);
    if (mode.equals("cors-origin")) {
      headers.add("Origin", "https://acme.app.example.com");
    }
    decide(); // fails here rather than in the measurement when the request would not pass
  }

  @TearDown
  public void tearDown() {
    snapshot.close();
    vertx.close();
  }

  @Benchmark
  public RequestContext decide() {
    RequestContext ctx = new RequestContext("bench", HttpMethod.GET, "/api/projects", headers, null);
    snapshot.pipeline().run(ctx, outcome);
    return ctx;
  }
}
