package dev.tenantgateway.faults;

import dev.tenantgateway.log.AggregatedLog;
import dev.tenantgateway.support.FaultyUpstream;
import dev.tenantgateway.support.GatewayFixture;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpVersion;
import io.vertx.core.http.StreamResetException;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.json.JsonObject;
import io.vertx.core.net.NetClient;
import io.vertx.core.net.NetSocket;
import io.vertx.junit5.VertxExtension;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.logging.Handler;
import java.util.logging.LogRecord;
import java.util.logging.Logger;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Faults injected while steady load runs through a gateway on loopback: upstream bodies cut off (declared length
 * and chunked), an upstream stalling mid-body, slow uploads, pool exhaustion, clients going away, an upstream killed
 * and restarted, routes.yaml swapped, a flood of identical failures in the log. Every request is accounted for: each
 * gets a status, or a visibly broken response; no truncated body passes as complete; counts are exact.
 */
@ExtendWith(VertxExtension.class)
class FaultsIT {

  static final String ROUTES = """
      listener: { host: 127.0.0.1, port: 0, http2: { enabled: true, h2c: true } }
      admin: { host: 127.0.0.1, port: 0, reload_interval: 0s }
      upstreams:
        faulty:
          url: ${FAULTY}
          response_timeout: 5s
          read_timeout: 500ms
          request_body_timeout: 1s
          request_body_min_rate: 1kb
        tight:
          url: ${FAULTY}
          max_connections: 1
          connect_timeout: 200ms
          pool_timeout: 200ms
          request_body_timeout: 1s
        killable:
          url: http://127.0.0.1:${KILLABLE_PORT}
          connect_timeout: 500ms
        flood:
          url: http://127.0.0.1:${DEAD_PORT}
      routes:
        - { id: faulty, methods: [GET, POST], path: "/f/**", strip_prefix: /f, upstream: faulty, public: true }
        - { id: tight, methods: [GET, POST], path: "/t/**", strip_prefix: /t, upstream: tight, public: true }
        - { id: killable, methods: [GET], path: "/k/**", strip_prefix: /k, upstream: killable, public: true }
        - { id: flood, methods: [GET], path: "/d/**", strip_prefix: /d, upstream: flood, public: true }
      """;

  /** What one request got: a status and a complete body, or a broken response. */
  record Outcome(int status, Buffer body, Throwable broken, String retryAfter) {
    boolean isBroken() {
      return broken != null;
    }

    String code() {
      return body == null || body.length() == 0 || body.getByte(0) != '{' ? null : new JsonObject(body).getString("code");
    }
  }

  Vertx vertx;
  FaultyUpstream faulty;
  FaultyUpstream killable;
  int killablePort;
  GatewayFixture gateway;
  HttpClient client;
  Path configFile;

  @BeforeEach
  void start(Vertx vertx, @org.junit.jupiter.api.io.TempDir Path dir) throws Exception {
    this.vertx = vertx;
    faulty = new FaultyUpstream().start(vertx, 0);
    int deadPort;
    try (ServerSocket s = new ServerSocket(0); ServerSocket d = new ServerSocket(0)) {
      killablePort = s.getLocalPort();
      deadPort = d.getLocalPort();
    }
    killable = new FaultyUpstream().start(vertx, killablePort);
    configFile = dir.resolve("routes.yaml");
    Map<String, String> env = Map.of("FAULTY", faulty.url(), "KILLABLE_PORT", Integer.toString(killablePort),
        "DEAD_PORT", Integer.toString(deadPort));
    Files.writeString(configFile, ROUTES.replace("${FAULTY}", faulty.url())
        .replace("${KILLABLE_PORT}", Integer.toString(killablePort)).replace("${DEAD_PORT}", Integer.toString(deadPort)));
    gateway = GatewayFixture.start(vertx, ROUTES, env, configFile);
    client = vertx.createHttpClient(new HttpClientOptions().setDefaultHost("127.0.0.1")
        .setDefaultPort(gateway.port()).setKeepAlive(true), new io.vertx.core.http.PoolOptions().setHttp1MaxSize(8));
  }

  @AfterEach
  void stop() throws Exception {
    client.close().await(10, TimeUnit.SECONDS);
    gateway.close();
    faulty.stop().await(10, TimeUnit.SECONDS);
    killable.stop().await(10, TimeUnit.SECONDS);
  }

  Future<Outcome> request(HttpMethod method, String uri, Buffer body) {
    return request(client, method, uri, body);
  }

  Future<Outcome> request(HttpClient client, HttpMethod method, String uri, Buffer body) {
    return client.request(new RequestOptions().setMethod(method).setURI(uri))
        .compose(req -> body == null ? req.send() : req.send(body))
        .compose(resp -> resp.body().map(b -> new Outcome(resp.statusCode(), b, null, resp.getHeader("Retry-After"))))
        .recover(err -> Future.succeededFuture(new Outcome(-1, null, err, null)));
  }

  /** {@code count} requests, {@code concurrency} at a time, each started when one before it has its outcome. */
  List<Outcome> load(int count, int concurrency, java.util.function.IntFunction<String> uriOf) throws Exception {
    List<Outcome> outcomes = loadAsync(count, concurrency, uriOf).await(60, TimeUnit.SECONDS);
    assertEquals(count, outcomes.size(), "every request got an outcome");
    return outcomes;
  }

  Future<List<Outcome>> loadAsync(int count, int concurrency, java.util.function.IntFunction<String> uriOf) {
    List<Outcome> outcomes = java.util.Collections.synchronizedList(new ArrayList<>());
    java.util.concurrent.atomic.AtomicInteger next = new java.util.concurrent.atomic.AtomicInteger();
    List<Future<Void>> lanes = new ArrayList<>();
    for (int lane = 0; lane < concurrency; lane++) {
      lanes.add(lane(next, count, uriOf, outcomes));
    }
    return Future.all(lanes).map(v -> List.copyOf(outcomes));
  }

  private Future<Void> lane(java.util.concurrent.atomic.AtomicInteger next, int count,
                            java.util.function.IntFunction<String> uriOf, List<Outcome> outcomes) {
    int i = next.getAndIncrement();
    if (i >= count) {
      return Future.succeededFuture();
    }
    return request(HttpMethod.GET, uriOf.apply(i), null).compose(outcome -> {
      outcomes.add(outcome);
      return lane(next, count, uriOf, outcomes);
    });
  }

  double metric(String name, String... labels) {
    return gateway.metric(name, labels);
  }

  void await(BooleanSupplier condition, String what) throws Exception {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
    while (!condition.getAsBoolean()) {
      assertTrue(System.nanoTime() < deadline, "timed out waiting for: " + what);
      vertx.timer(20).await(5, TimeUnit.SECONDS);
    }
  }

  @Test
  void cutOffBodiesReachTheClientBrokenNeverComplete() throws Exception {
    // every fifth request is cut off: declared 4 MiB and closed after 1 MiB, chunked and closed, or small and cut
    List<Outcome> outcomes = load(200, 8, i -> switch (i % 10) {
      case 3 -> "/f/cut-length/4194304/1048576";
      case 7 -> "/f/cut-chunked/100000";
      default -> "/f/ok";
    });
    int ok = 0;
    int broken = 0;
    for (int i = 0; i < outcomes.size(); i++) {
      Outcome o = outcomes.get(i);
      if (o.isBroken()) {
        broken++;
      } else {
        assertEquals(200, o.status());
        assertEquals("ok", o.body().toString(), "a complete response is the whole body");
        ok++;
      }
    }
    assertEquals(160, ok);
    assertEquals(40, broken, "each cut-off body is visibly broken at the client");
    await(() -> metric("gateway_upstream_errors_total", "code=\"upstream_aborted\"") == 40, "40 upstream_aborted");
    await(() -> gateway.accessLog().stream().filter(l -> "upstream_aborted".equals(l.getString("decision"))).count() == 40,
        "40 access-log lines");
    assertTrue(gateway.accessLog().stream().filter(l -> "upstream_aborted".equals(l.getString("decision")))
        .allMatch(l -> l.getInteger("status") == 502));
    assertEquals(0, metric("gateway_client_closed_total"), "the gateway's own reset is not a client disconnect");
  }

  @Test
  void overHttp2ACutOffBodyResetsItsStreamAndNotTheConnection() throws Exception {
    HttpClient h2 = vertx.createHttpClient(new HttpClientOptions().setProtocolVersion(HttpVersion.HTTP_2)
        .setHttp2ClearTextUpgrade(false).setDefaultHost("127.0.0.1").setDefaultPort(gateway.port()));
    try {
      for (String uri : List.of("/f/cut-length/4194304/1048576", "/f/cut-chunked/100000")) {
        Outcome cut = request(h2, HttpMethod.GET, uri, null).await(20, TimeUnit.SECONDS);
        assertTrue(cut.broken() instanceof StreamResetException, "RST_STREAM, never a clean end: " + cut);
      }
      Outcome after = request(h2, HttpMethod.GET, "/f/ok", null).await(20, TimeUnit.SECONDS);
      assertEquals(200, after.status(), "the other streams of the connection go on");
      assertEquals("ok", after.body().toString());
      await(() -> metric("gateway_upstream_errors_total", "code=\"upstream_aborted\"") == 2, "2 upstream_aborted");
    } finally {
      h2.close().await(10, TimeUnit.SECONDS);
    }
  }

  @Test
  void aSmallBodyCutOffBeforeAnythingWentOutIsAClean502() throws Exception {
    // bodies up to 64 KiB are read whole before the head goes to the client: a clean 502 problem instead of a break
    Outcome small = request(HttpMethod.GET, "/f/cut-length/10000/100", null).await(20, TimeUnit.SECONDS);
    assertEquals(502, small.status());
    assertEquals("upstream_unavailable", small.code());
  }

  @Test
  void aStalledBodyIsBrokenWithinTheReadTimeout() throws Exception {
    long started = System.nanoTime();
    List<Outcome> outcomes = load(40, 8, i -> i % 4 == 0 ? "/f/stall/4194304/1048576" : "/f/ok");
    long seconds = TimeUnit.NANOSECONDS.toSeconds(System.nanoTime() - started);
    assertEquals(10, outcomes.stream().filter(Outcome::isBroken).count());
    assertEquals(30, outcomes.stream().filter(o -> o.status() == 200).count());
    assertTrue(seconds < 15, "bounded by read_timeout (500ms) per stalled response, not the client's patience: " + seconds);
    await(() -> metric("gateway_upstream_errors_total", "code=\"upstream_timeout\"") == 10, "10 upstream_timeout");

    Outcome small = request(HttpMethod.GET, "/f/stall/1000/10", null).await(10, TimeUnit.SECONDS);
    assertEquals(504, small.status(), "nothing was written yet: a clean 504");
    assertEquals("upstream_timeout", small.code());
  }

  /** A client that sends its declared body one byte every {@code everyMs}; completes with what it received. */
  Future<String> slowUpload(String uri, int declared, long everyMs, boolean chunked) {
    NetClient net = vertx.createNetClient();
    Promise<String> answer = Promise.promise();
    net.connect(gateway.port(), "127.0.0.1").onSuccess(socket -> {
      StringBuilder received = new StringBuilder();
      socket.handler(b -> received.append(b.toString(StandardCharsets.ISO_8859_1)));
      String head = "POST " + uri + " HTTP/1.1\r\nHost: x\r\n"
          + (chunked ? "Transfer-Encoding: chunked\r\n" : "Content-Length: " + declared + "\r\n") + "\r\n";
      socket.write(head);
      int[] sent = {0};
      long timer = vertx.setPeriodic(everyMs, id -> {
        if (sent[0]++ < declared) {
          socket.write(chunked ? "1\r\nx\r\n" : "x");
        }
      });
      socket.closeHandler(v -> {
        vertx.cancelTimer(timer);
        answer.tryComplete(received.toString());
        net.close();
      });
    }).onFailure(answer::tryFail);
    return answer.future();
  }

  @Test
  void slowUploadsHoldNoUpstreamConnectionAndGet408() throws Exception {
    // 20 clients trickling small bodies at 20 bytes/s to an upstream with ONE pooled connection
    List<Future<String>> slow = new ArrayList<>();
    for (int i = 0; i < 20; i++) {
      slow.add(slowUpload("/t/upload", 1000, 50, false));
    }
    // meanwhile every other request to that upstream is served: the trickles hold no upstream connection (one at a
    // time, so these requests do not queue behind each other for the one connection beyond pool_timeout)
    List<Outcome> outcomes = load(50, 1, i -> "/t/ok");
    assertEquals(50, outcomes.stream().filter(o -> o.status() == 200).count());
    Future.all(slow).await(30, TimeUnit.SECONDS);
    for (Future<String> f : slow) {
      assertTrue(f.result().startsWith("HTTP/1.1 408"), f.result());
      assertTrue(f.result().contains("body_timeout"));
    }
    // a large (chunked) body below the minimum rate: refused too, and the upstream never sees a complete request
    String chunked = slowUpload("/f/upload", 10_000, 50, true).await(30, TimeUnit.SECONDS);
    assertTrue(chunked.startsWith("HTTP/1.1 408") || chunked.isEmpty(), chunked);
    assertEquals(0, faulty.received("upload"), "no slow upload reached the upstream complete");
    await(() -> gateway.accessLog().stream().filter(l -> "body_timeout".equals(l.getString("decision"))).count() == 21,
        "21 body_timeout lines");
  }

  @Test
  void poolExhaustionIs503WithRetryAfter() throws Exception {
    Future<Outcome> holding = request(HttpMethod.GET, "/t/hold/1500", null);
    await(() -> faulty.received("hold") == 1, "the one pooled connection is busy");
    List<Future<Outcome>> waiting = new ArrayList<>();
    for (int i = 0; i < 5; i++) {
      waiting.add(request(HttpMethod.GET, "/t/ok", null));
    }
    Future.all(waiting).await(20, TimeUnit.SECONDS);
    for (Future<Outcome> f : waiting) {
      assertEquals(503, f.result().status());
      assertEquals("upstream_busy", f.result().code());
      assertEquals("1", f.result().retryAfter());
    }
    assertEquals(200, holding.await(10, TimeUnit.SECONDS).status());
    assertEquals(5, metric("gateway_upstream_errors_total", "code=\"upstream_busy\""));
  }

  @Test
  void aClientThatLeavesIsClientClosedNotAnUpstreamFailure() throws Exception {
    HttpClient leaving = vertx.createHttpClient(new HttpClientOptions().setDefaultHost("127.0.0.1")
        .setDefaultPort(gateway.port()));
    var req = leaving.request(HttpMethod.GET, "/f/hold/3000").await(5, TimeUnit.SECONDS);
    req.end();
    await(() -> faulty.received("hold") == 1, "the request reached the upstream");
    req.connection().close();
    await(() -> metric("gateway_client_closed_total", "upstream=\"faulty\"") == 1, "one client_closed");
    await(() -> gateway.accessLog().stream().anyMatch(l -> "client_closed".equals(l.getString("decision"))),
        "the access-log line");
    JsonObject line = gateway.accessLog().stream().filter(l -> "client_closed".equals(l.getString("decision")))
        .findFirst().orElseThrow();
    assertEquals(499, line.getInteger("status"));
    assertEquals(0, metric("gateway_upstream_errors_total"), "a client going away is not an upstream failure");
    leaving.close();
  }

  @Test
  void anUpstreamKilledAndRestartedUnderLoadCostsOnly502s() throws Exception {
    java.util.concurrent.atomic.AtomicInteger sent = new java.util.concurrent.atomic.AtomicInteger();
    Future<List<Outcome>> running = loadAsync(600, 6, i -> {
      sent.incrementAndGet();
      return "/k/ok";
    });
    await(() -> sent.get() > 100, "load under way");
    killable.stop().await(10, TimeUnit.SECONDS);
    int killedAt = sent.get();
    await(() -> sent.get() > killedAt + 100, "load while the upstream is down");
    killable = new FaultyUpstream().start(vertx, killablePort);
    List<Outcome> outcomes = running.await(60, TimeUnit.SECONDS);
    long ok = outcomes.stream().filter(o -> o.status() == 200).count();
    long unavailable = outcomes.stream().filter(o -> o.status() == 502 && "upstream_unavailable".equals(o.code())).count();
    long broken = outcomes.stream().filter(Outcome::isBroken).count();
    assertEquals(600, ok + unavailable + broken, "only 200, 502 upstream_unavailable, or (in flight at the kill) broken");
    assertTrue(unavailable >= 90, "requests while it was down were refused: " + unavailable);
    assertTrue(broken <= 6, "at most the requests in flight at the kill broke: " + broken);
    assertEquals(200, outcomes.get(outcomes.size() - 1).status(), "served again after the restart");
  }

  @Test
  void routesSwappedUnderLoadLoseNothing() throws Exception {
    java.util.concurrent.atomic.AtomicInteger sent = new java.util.concurrent.atomic.AtomicInteger();
    Future<List<Outcome>> running = loadAsync(400, 6, i -> {
      sent.incrementAndGet();
      return "/f/ok";
    });
    String yaml = Files.readString(configFile);
    for (int swap = 0; swap < 5; swap++) {
      int at = sent.get();
      await(() -> sent.get() > at + 30, "load between swaps");
      Files.writeString(configFile, yaml + "  - { id: extra" + swap + ", methods: [GET], path: /extra" + swap
          + ", upstream: faulty, public: true }\n");
      gateway.server().reload().await(10, TimeUnit.SECONDS);
    }
    List<Outcome> outcomes = running.await(60, TimeUnit.SECONDS);
    assertEquals(400, outcomes.stream().filter(o -> o.status() == 200).count());
    assertEquals(1.0 * 5, metric("gateway_config_reloads_total", "result=\"success\""));
  }

  @Test
  void aFloodOfOneFailureWritesOneLinePerInterval() throws Exception {
    List<String> lines = java.util.Collections.synchronizedList(new ArrayList<>());
    Logger upstreamLog = Logger.getLogger("dev.tenantgateway.proxy.Upstream");
    Handler capture = new Handler() {
      @Override
      public void publish(LogRecord record) {
        lines.add(record.getMessage());
      }

      @Override
      public void flush() {
      }

      @Override
      public void close() {
      }
    };
    upstreamLog.addHandler(capture);
    try {
      List<Outcome> outcomes = load(300, 6, i -> "/d/ok");
      assertEquals(300, outcomes.stream().filter(o -> o.status() == 502).count());
      await(() -> !lines.isEmpty(), "the first failure is logged");
      lines.removeIf(l -> !l.startsWith("upstream flood:"));
      long first = lines.stream().filter(l -> !l.contains("more time(s)")).count();
      assertTrue(first <= 2, "one line for the first failure, not one per request: " + lines);
      AggregatedLog.setInterval(Duration.ofMillis(200));
      await(() -> lines.stream().anyMatch(l -> l.startsWith("upstream flood:") && l.contains("more time(s)")),
          "the summary line with the count");
      long counted = lines.stream().filter(l -> l.startsWith("upstream flood:") && l.contains("more time(s)"))
          .mapToLong(l -> {
            String before = l.substring(0, l.indexOf(" more time(s)"));
            return Long.parseLong(before.substring(before.lastIndexOf(' ') + 1));
          }).sum();
      assertEquals(300, first + counted, "every failure is in a line or a count: " + lines);
    } finally {
      AggregatedLog.setInterval(Duration.ofSeconds(10));
      upstreamLog.removeHandler(capture);
    }
  }
}
