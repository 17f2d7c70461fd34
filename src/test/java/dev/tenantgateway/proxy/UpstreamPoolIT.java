package dev.tenantgateway.proxy;

import dev.tenantgateway.observe.Metrics;
import dev.tenantgateway.support.GatewayFixture;
import dev.tenantgateway.support.GatewayFixture.Response;
import dev.tenantgateway.support.RecordingUpstream;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServer;
import io.vertx.core.json.JsonObject;
import io.vertx.core.net.NetServer;
import io.vertx.junit5.VertxExtension;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;

import static io.vertx.core.http.HttpMethod.GET;
import static io.vertx.core.http.HttpMethod.POST;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Upstream pools through real sockets: three recording upstreams on loopback, a port nobody listens on, and a
 * health endpoint whose answer the test switches. Requests go through a gateway on loopback.
 */
@ExtendWith(VertxExtension.class)
class UpstreamPoolIT {

  static final String ROUTES = """
      listener: { host: 127.0.0.1, port: 0 }
      admin: { host: 127.0.0.1, port: 0, reload_interval: 0s${READINESS} }
      upstreams:
        spread:
          targets: [${A}, ${B}, ${C}]
        idle:
          targets: [${A}, ${B}, ${C}]
          balance: least_pending
          response_timeout: 10s
        mixed:
          targets: [${A}, "http://127.0.0.1:${DEAD}", ${B}]
          connect_timeout: 500ms
          passive_health: { consecutive_failures: 2, ejection_time: 5m }
        alternate:
          targets: ["http://127.0.0.1:${DEAD}", ${A}]
          connect_timeout: 500ms
          passive_health: { consecutive_failures: 0 }
        closing:
          targets: ["http://127.0.0.1:${CLOSER}", ${A}]
        checked:
          targets: [${A}, "http://127.0.0.1:${HEALTH}"]
          health_check: { path: /healthz, interval: 400ms, timeout: 300ms, healthy_threshold: 2, unhealthy_threshold: 2 }
      routes:
        - { id: spread, methods: [GET], path: "/spread/**", strip_prefix: /spread, upstream: spread, public: true }
        - { id: idle, methods: [GET], path: "/idle/**", strip_prefix: /idle, upstream: idle, public: true }
        - { id: mixed, methods: [GET, PUT, DELETE], path: "/mixed/**", strip_prefix: /mixed, upstream: mixed, public: true }
        - { id: alternate, methods: [GET, POST], path: "/alternate/**", strip_prefix: /alternate, upstream: alternate, public: true }
        - { id: closing, methods: [GET], path: "/closing/**", strip_prefix: /closing, upstream: closing, public: true }
        - { id: checked, methods: [GET], path: "/checked/**", strip_prefix: /checked, upstream: checked, public: true }
      """;

  Vertx vertx;
  RecordingUpstream a;
  RecordingUpstream b;
  RecordingUpstream c;
  HttpServer health;
  final AtomicInteger healthStatus = new AtomicInteger(200);
  final AtomicInteger healthChecks = new AtomicInteger();
  Socket dead;
  NetServer closer;
  final AtomicInteger closed = new AtomicInteger();
  int deadPort;
  Path configFile;
  GatewayFixture gateway;

  @BeforeEach
  void start(Vertx vertx, @TempDir Path dir) throws Exception {
    this.vertx = vertx;
    a = new RecordingUpstream().start(vertx);
    b = new RecordingUpstream().start(vertx);
    c = new RecordingUpstream().start(vertx);
    health = vertx.createHttpServer().requestHandler(req -> {
      if (req.path().equals("/healthz")) {
        healthChecks.incrementAndGet();
      }
      req.response().setStatusCode(req.path().equals("/healthz") ? healthStatus.get() : 200).end("health");
    }).listen(0, "127.0.0.1").await(10, TimeUnit.SECONDS);
    // bound but never listening: connects are refused, and no server started later can take the port
    dead = new Socket();
    dead.bind(new InetSocketAddress("127.0.0.1", 0));
    deadPort = dead.getLocalPort();
    // accepts the connection, reads the request and closes without answering
    closer = vertx.createNetServer().connectHandler(socket -> socket.handler(bytes -> {
      closed.incrementAndGet();
      socket.close();
    })).listen(0, "127.0.0.1").await(10, TimeUnit.SECONDS);
    configFile = dir.resolve("routes.yaml");
  }

  GatewayFixture gateway(boolean readiness) throws Exception {
    String yaml = routes(readiness);
    Files.writeString(configFile, yaml);
    gateway = GatewayFixture.start(vertx, yaml, Map.of(), configFile);
    return gateway;
  }

  String routes(boolean readiness) {
    return ROUTES.replace("${READINESS}", readiness ? ", readiness_requires_upstreams: true" : "")
        .replace("${A}", a.url()).replace("${B}", b.url()).replace("${C}", c.url())
        .replace("${DEAD}", Integer.toString(deadPort)).replace("${HEALTH}", Integer.toString(health.actualPort()))
        .replace("${CLOSER}", Integer.toString(closer.actualPort()));
  }

  @AfterEach
  void stop() throws Exception {
    if (gateway != null) {
      gateway.close();
    }
    for (RecordingUpstream u : List.of(a, b, c)) {
      u.stop().await(10, TimeUnit.SECONDS);
    }
    health.close().await(10, TimeUnit.SECONDS);
    dead.close();
    closer.close().await(10, TimeUnit.SECONDS);
  }

  String label(RecordingUpstream upstream) {
    return upstream.url().substring("http://".length());
  }

  long received(RecordingUpstream upstream, String prefix) {
    return upstream.received().stream().filter(r -> r.uri().startsWith(prefix)).count();
  }

  double counter(String name, String upstream, String target) {
    Counter counter = gateway.server().metrics().registry().find(name).tag("upstream", upstream)
        .tag("target", target).counter();
    return counter == null ? 0 : counter.count();
  }

  double healthy(String upstream, String target) {
    Gauge gauge = gateway.server().metrics().registry().find(Metrics.TARGET_HEALTHY).tag("upstream", upstream)
        .tag("target", target).gauge();
    return gauge == null ? Double.NaN : gauge.value();
  }

  /** Polls on a Vert.x timer (the test thread waits on it), at most 20 seconds. */
  void await(BooleanSupplier condition, String what) throws Exception {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
    while (!condition.getAsBoolean()) {
      assertTrue(System.nanoTime() < deadline, "timed out waiting for: " + what);
      vertx.timer(20).await(5, TimeUnit.SECONDS);
    }
  }

  @Test
  void roundRobinSpreadsRequestsEvenlyOverThreeUpstreams() throws Exception {
    gateway(false);
    for (int i = 0; i < 30; i++) {
      assertEquals(200, gateway.send(GET, "/spread/item/" + i, null).status());
    }
    assertEquals(10, received(a, "/item/"));
    assertEquals(10, received(b, "/item/"));
    assertEquals(10, received(c, "/item/"));
    for (RecordingUpstream u : List.of(a, b, c)) {
      assertEquals(10.0, counter(Metrics.TARGET_REQUESTS, "spread", label(u)), label(u));
    }
    // concurrent requests over both event loops spread evenly too
    List<Future<Response>> burst = new ArrayList<>();
    for (int i = 0; i < 60; i++) {
      burst.add(gateway.sendAsync(GET, "/spread/burst/" + i, null, null));
    }
    Future.all(burst).await(20, TimeUnit.SECONDS);
    burst.forEach(r -> assertEquals(200, r.result().status()));
    assertEquals(List.of(20L, 20L, 20L), List.of(received(a, "/burst/"), received(b, "/burst/"), received(c, "/burst/")));
  }

  @Test
  void leastPendingSendsRequestsAwayFromTheTargetStillWorking() throws Exception {
    gateway(false);
    Future<Response> held = gateway.sendAsync(GET, "/idle/slow/held", null, null);
    await(() -> received(a, "/slow/") + received(b, "/slow/") + received(c, "/slow/") == 1, "the slow request is held");
    RecordingUpstream busy = received(a, "/slow/") == 1 ? a : received(b, "/slow/") == 1 ? b : c;
    for (int i = 0; i < 12; i++) {
      assertEquals(200, gateway.send(GET, "/idle/quick/" + i, null).status());
    }
    assertEquals(0, received(busy, "/quick/"), "the target holding a request got none of the quick ones");
    for (RecordingUpstream u : List.of(a, b, c)) {
      if (u != busy) {
        assertTrue(received(u, "/quick/") >= 4, "the idle targets share them (ties go in turn)");
      }
    }
    assertTrue(!held.isComplete(), "still held");
  }

  @Test
  void aRefusingTargetIsEjectedAndRequestsKeepSucceedingThroughTheRetry() throws Exception {
    gateway(false);
    String dead = "127.0.0.1:" + deadPort;
    Map<Integer, Integer> statuses = new HashMap<>();
    for (int i = 0; i < 12; i++) {
      HttpMethod method = i % 3 == 0 ? HttpMethod.PUT : i % 3 == 1 ? GET : HttpMethod.DELETE;
      statuses.merge(gateway.send(method, "/mixed/r/" + i, null).status(), 1, Integer::sum);
    }
    assertEquals(Map.of(200, 12), statuses, "every idempotent request succeeded, retried on another target");
    assertEquals(12, received(a, "/r/") + received(b, "/r/"));
    assertEquals(2.0, counter(Metrics.TARGET_CONNECT_FAILURES, "mixed", dead), "two failures, then ejected");
    assertEquals(1.0, counter(Metrics.TARGET_EJECTIONS, "mixed", dead));
    assertEquals(0.0, healthy("mixed", dead));
    assertEquals(1.0, healthy("mixed", label(a)));
    assertEquals(14.0, counter(Metrics.TARGET_REQUESTS, "mixed", label(a)) + counter(Metrics.TARGET_REQUESTS, "mixed", label(b))
        + counter(Metrics.TARGET_REQUESTS, "mixed", dead), "12 requests and 2 retries");
  }

  @Test
  void aPostIsNeverRetriedAfterAConnectFailure() throws Exception {
    gateway(false);
    List<Response> posts = new ArrayList<>();
    for (int i = 0; i < 4; i++) {
      posts.add(gateway.send(POST, "/alternate/p/" + i, null, io.vertx.core.buffer.Buffer.buffer("{\"n\":" + i + "}")));
    }
    assertEquals(List.of(502, 200, 502, 200), posts.stream().map(Response::status).toList(), "round robin: refused, then a");
    assertEquals("upstream_unavailable", posts.get(0).code());
    assertEquals(2, received(a, "/p/"), "the refused POSTs never reached the other target");
    assertTrue(a.received().stream().noneMatch(r -> r.uri().equals("/p/0") || r.uri().equals("/p/2")));
    // a GET on the same pool is retried
    assertEquals(200, gateway.send(GET, "/alternate/g/0", null).status());
    assertEquals(200, gateway.send(GET, "/alternate/g/1", null).status());
  }

  @Test
  void nothingIsRetriedOnceTheRequestWasSent() throws Exception {
    gateway(false);
    Response broken = gateway.send(GET, "/closing/sent/0", null);
    assertEquals(502, broken.status(), "the connection closed after the request went out: not retried");
    assertEquals("upstream_unavailable", broken.code());
    assertEquals(1, closed.get());
    assertEquals(0, received(a, "/sent/"), "the other target never saw the request");
    await(() -> gateway.accessLog().stream().anyMatch(l -> "/closing/sent/0".equals(l.getString("path"))),
        "the access log line (written off the event loop)");
    JsonObject logged = gateway.accessLog().stream().filter(l -> "/closing/sent/0".equals(l.getString("path")))
        .findFirst().orElseThrow();
    assertEquals("127.0.0.1:" + closer.actualPort(), logged.getString("target"), "the access log names the target");
    assertEquals(200, gateway.send(GET, "/closing/sent/1", null).status(), "round robin: the next goes to a");
    assertEquals(0.0, counter(Metrics.TARGET_CONNECT_FAILURES, "closing", "127.0.0.1:" + closer.actualPort()),
        "the connect itself succeeded");
  }

  @Test
  void theActiveHealthCheckTakesATargetOutAndBringsItBack() throws Exception {
    gateway(true);
    String checked = "127.0.0.1:" + health.actualPort();
    await(() -> healthChecks.get() >= 2, "checks arrive");
    assertEquals(1.0, healthy("checked", checked));
    healthStatus.set(503);
    await(() -> healthy("checked", checked) == 0.0, "the target failing its check is taken out");
    for (int i = 0; i < 6; i++) {
      assertEquals(200, gateway.send(GET, "/checked/c/" + i, null).status());
    }
    assertEquals(6, received(a, "/c/"), "no request went to the target failing its check");
    assertEquals("200", admin("/readyz")[0], "one healthy target is enough for readiness");
    healthStatus.set(200);
    await(() -> healthy("checked", checked) == 1.0, "the target passing its check again is back");
    for (int i = 0; i < 6; i++) {
      assertEquals(200, gateway.send(GET, "/checked/d/" + i, null).status());
    }
    assertEquals(3, received(a, "/d/"), "round robin over both again");
  }

  @Test
  void readinessRequiresATargetPerUpstreamWhenAsked() throws Exception {
    gateway(true);
    await(() -> healthChecks.get() >= 2, "checks arrive");
    assertEquals("200", admin("/readyz")[0]);
    // every target of 'alternate' refuses: the dead port and a, once a stops
    a.stop().await(10, TimeUnit.SECONDS);
    String dead = "127.0.0.1:" + deadPort;
    // no ejection configured for 'alternate': readiness stays, requests fail (two targets tried)
    Response refused = gateway.send(GET, "/alternate/x", null);
    assertEquals(502, refused.status(), refused.body().toString());
    assertEquals("200", admin("/readyz")[0], "consecutive_failures: 0 never ejects");
    // 'mixed' ejects after two failures: a and the dead port refuse (a request may meet both: one retry only)
    for (int i = 0; i < 20 && (healthy("mixed", dead) != 0.0 || healthy("mixed", label(a)) != 0.0); i++) {
      gateway.send(GET, "/mixed/y/" + i, null);
    }
    assertEquals(0.0, healthy("mixed", dead));
    assertEquals(0.0, healthy("mixed", label(a)));
    for (int i = 0; i < 4; i++) {
      assertEquals(200, gateway.send(GET, "/mixed/only-b/" + i, null).status(), "b takes every request");
    }
    assertEquals(4, received(b, "/only-b/"));
    assertEquals("200", admin("/readyz")[0], "b is still there");
    b.stop().await(10, TimeUnit.SECONDS);
    for (int i = 0; i < 4; i++) {
      gateway.send(GET, "/mixed/z/" + i, null);
    }
    await(() -> healthy("mixed", label(b)) == 0.0, "b ejected too");
    String[] ready = admin("/readyz");
    assertEquals("503", ready[0]);
    assertTrue(ready[1].contains("upstream mixed has no healthy target"), ready[1]);
  }

  @Test
  void readinessIgnoresUpstreamHealthByDefault() throws Exception {
    gateway(false);
    healthStatus.set(503);
    a.stop().await(10, TimeUnit.SECONDS);
    await(() -> healthy("checked", "127.0.0.1:" + health.actualPort()) == 0.0, "the checked target is out");
    for (int i = 0; i < 4; i++) {
      gateway.send(GET, "/checked/x/" + i, null);
    }
    await(() -> !gateway.server().snapshot().upstream("checked").pool().anyAvailable(), "no target left");
    assertEquals("200", admin("/readyz")[0]);
  }

  @Test
  void aReloadChangesTheTargets() throws Exception {
    gateway(false);
    for (int i = 0; i < 3; i++) {
      assertEquals(200, gateway.send(GET, "/spread/before/" + i, null).status());
    }
    assertEquals(List.of(1L, 1L, 1L), List.of(received(a, "/before/"), received(b, "/before/"), received(c, "/before/")));
    String dead = "127.0.0.1:" + deadPort;
    for (int i = 0; i < 6; i++) {
      assertEquals(200, gateway.send(GET, "/mixed/before/" + i, null).status());
    }
    assertEquals(0.0, healthy("mixed", dead), "ejected before the reload");
    String pool = "spread:\n    targets: [" + a.url() + ", " + b.url() + ", " + c.url() + "]";
    String reloaded = routes(false).replace(pool, "spread:\n    targets: [" + c.url() + "]");
    assertTrue(!reloaded.equals(routes(false)), reloaded);
    Files.writeString(configFile, reloaded);
    gateway.server().reload().await(10, TimeUnit.SECONDS);
    for (int i = 0; i < 4; i++) {
      assertEquals(200, gateway.send(GET, "/spread/after/" + i, null).status());
    }
    assertEquals(List.of(0L, 0L, 4L), List.of(received(a, "/after/"), received(b, "/after/"), received(c, "/after/")));
    assertEquals(1.0, healthy("spread", label(c)), "the kept target's gauge reads the new pool");
    assertEquals(1.0, healthy("mixed", dead), "the new pool starts afresh, and the gauge reads it, not the old pool");
    assertEquals(5.0, counter(Metrics.TARGET_REQUESTS, "spread", label(c)));
  }

  /** One admin request on a connection of its own (a fresh client each time, closed after). */
  String[] admin(String path) throws Exception {
    HttpClient client = vertx.createHttpClient(new io.vertx.core.http.HttpClientOptions().setKeepAlive(false));
    try {
      return client.request(new io.vertx.core.http.RequestOptions().setHost("127.0.0.1")
              .setPort(gateway.server().adminPort()).setURI(path))
          .compose(req -> req.send())
          .compose(resp -> resp.body().map(body -> new String[] {Integer.toString(resp.statusCode()), body.toString()}))
          .await(10, TimeUnit.SECONDS);
    } finally {
      client.close().await(10, TimeUnit.SECONDS);
    }
  }
}
