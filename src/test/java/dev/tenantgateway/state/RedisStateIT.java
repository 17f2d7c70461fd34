package dev.tenantgateway.state;

import dev.tenantgateway.Main;
import dev.tenantgateway.support.GatewayFixture;
import dev.tenantgateway.support.GatewayFixture.Response;
import dev.tenantgateway.support.LogCapture;
import dev.tenantgateway.support.RecordingUpstream;
import dev.tenantgateway.support.TestIssuer;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import picocli.CommandLine;
import redis.embedded.RedisServer;

import java.net.ServerSocket;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

import static io.vertx.core.http.HttpMethod.GET;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Two gateway instances sharing a real Redis (the embedded-redis artifact's binary): revocation and membership
 * changes made with the admin command are seen by both within a second, rate limits are shared, and a Redis outage
 * gets each feature's failure policy, then recovery.
 */
@ExtendWith(VertxExtension.class)
class RedisStateIT {

  static final String ROUTES = """
      listener: { host: 127.0.0.1, port: 0 }
      admin: { host: 127.0.0.1, port: 0, api_token: s3cret }
      issuers:
        - { id: idp, issuer: "https://idp.test/", jwks_uri: "${JWKS}", audiences: [gateway], claims: { tenant: org_code, roles: roles } }
        - { id: bare, issuer: "https://bare.test/", jwks_uri: "${JWKS}", claims: { memberships: { store: true } } }
      roles:
        viewer: [projects:read]
        admin: ["projects:*"]
      state:
        redis: { url: "redis://127.0.0.1:${REDIS_PORT}", timeout: 200ms, key_prefix: "test:" }
        revocation: { on_failure: "${REVOCATION_POLICY:-closed}" }
        rate_limits: { replicas: 2 }
      upstreams:
        app: { url: "${UPSTREAM}" }
      routes:
        - { id: list, methods: [GET], path: /projects, upstream: app, require: projects:read }
        - { id: limited, methods: [GET], path: /limited, upstream: app, require: projects:read, rate_limit: { requests: 10, per: 1m, by: tenant } }
      """;

  static Vertx vertx;
  static int redisPort;
  static RedisServer redis;
  static TestIssuer idp;
  static RecordingUpstream upstream;
  static GatewayFixture a;
  static GatewayFixture b;

  @BeforeAll
  static void start(Vertx v) throws Exception {
    vertx = v;
    try (ServerSocket s = new ServerSocket(0)) {
      redisPort = s.getLocalPort();
    }
    redis = new RedisServer(redisPort);
    redis.start();
    idp = new TestIssuer("https://idp.test/").start(vertx);
    upstream = new RecordingUpstream().start(vertx);
    a = GatewayFixture.start(vertx, ROUTES, env("closed"));
    b = GatewayFixture.start(vertx, ROUTES, env("closed"));
  }

  static Map<String, String> env(String revocationPolicy) {
    return Map.of("JWKS", idp.jwksUri(), "UPSTREAM", upstream.url(), "REDIS_PORT", Integer.toString(redisPort),
        "REVOCATION_POLICY", revocationPolicy);
  }

  @AfterAll
  static void stop() throws Exception {
    a.close();
    b.close();
    if (redis.isActive()) {
      redis.stop();
    }
  }

  static String token(String sub, String org, String jti) {
    return idp.mint(idp.claims(sub).put("org_code", org).put("roles", new JsonArray().add("viewer")).put("jti", jti));
  }

  static int admin(String... args) {
    java.util.List<String> full = new java.util.ArrayList<>();
    full.add("admin");
    full.addAll(java.util.List.of(args));
    full.add("--redis");
    full.add("redis://127.0.0.1:" + redisPort);
    full.add("--key-prefix");
    full.add("test:");
    return new CommandLine(new Main()).execute(full.toArray(new String[0]));
  }

  /** Polls until the condition holds or the deadline passes; returns the milliseconds it took, or -1. */
  static long within(long millis, Supplier<Boolean> condition) throws Exception {
    long started = System.nanoTime();
    while (System.nanoTime() - started < TimeUnit.MILLISECONDS.toNanos(millis)) {
      if (condition.get()) {
        return (System.nanoTime() - started) / 1_000_000;
      }
      vertx.timer(20).await(1, TimeUnit.SECONDS);
    }
    return -1;
  }

  static int status(GatewayFixture gateway, String path, String token, String... headers) {
    try {
      return gateway.send(GET, path, token, headers).status();
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  @Test
  void aRevokedTokenIsRefusedByEveryReplicaWithinASecond() throws Exception {
    String jti = UUID.randomUUID().toString();
    String token = token("sarah", "acme", jti);
    assertEquals(200, status(a, "/projects", token));
    assertEquals(200, status(b, "/projects", token));
    assertEquals(0, admin("revoke", "--jti", jti, "--exp", Long.toString(System.currentTimeMillis() / 1000 + 600)));
    long tookA = within(1000, () -> status(a, "/projects", token) == 401);
    long tookB = within(1000, () -> status(b, "/projects", token) == 401);
    assertTrue(tookA >= 0 && tookB >= 0, "both replicas refuse within a second: " + tookA + " " + tookB);
    Response refused = b.send(GET, "/projects", token);
    assertEquals("token_revoked", refused.code());
    assertEquals(200, status(a, "/projects", token("sarah", "acme", UUID.randomUUID().toString())), "other tokens still work");
  }

  @Test
  void logoutEverywhereAndTenantSuspension() throws Exception {
    String bob = token("bob", "globex", UUID.randomUUID().toString());
    assertEquals(200, status(a, "/projects", bob));
    assertEquals(0, admin("revoke", "--user", "bob"));
    assertTrue(within(1000, () -> status(b, "/projects", bob) == 401) >= 0);
    String carol = token("carol", "initech", UUID.randomUUID().toString());
    assertEquals(200, status(b, "/projects", carol));
    assertEquals(0, admin("revoke", "--tenant", "initech"));
    assertTrue(within(1000, () -> status(a, "/projects", carol) == 401) >= 0);
  }

  @Test
  void membershipsWrittenByTheAdminCommandAreSeenByBothReplicas() throws Exception {
    String dave = idp.mint(idp.claims("dave").put("iss", "https://bare.test/").put("jti", UUID.randomUUID().toString()));
    assertEquals(403, status(a, "/projects", dave, "X-Active-Tenant", "acme"));
    assertEquals(0, admin("membership", "set", "--user", "dave", "--tenant", "acme", "--roles", "viewer"));
    assertTrue(within(1000, () -> status(a, "/projects", dave, "X-Active-Tenant", "acme") == 200) >= 0);
    assertTrue(within(1000, () -> status(b, "/projects", dave, "X-Active-Tenant", "acme") == 200) >= 0);
    assertEquals("acme", upstream.last().header("X-Tenant-Id"));
    assertEquals("viewer", upstream.last().header("X-User-Roles"));
    assertEquals(0, admin("membership", "remove", "--user", "dave", "--tenant", "acme"));
    assertTrue(within(1000, () -> status(a, "/projects", dave, "X-Active-Tenant", "acme") == 403) >= 0,
        "removal takes effect within a second");
    assertTrue(within(1000, () -> status(b, "/projects", dave, "X-Active-Tenant", "acme") == 403) >= 0);
  }

  @Test
  void aRateLimitIsSharedByTheReplicas() throws Exception {
    String tenant = "t-" + UUID.randomUUID();
    String token = token("erin", tenant, UUID.randomUUID().toString());
    int allowed = 0;
    int limited = 0;
    for (int i = 0; i < 16; i++) {
      Response response = (i % 2 == 0 ? a : b).send(GET, "/limited", token);
      if (response.status() == 200) {
        allowed++;
        assertEquals("10", response.header("RateLimit-Limit"));
      } else {
        assertEquals(429, response.status());
        assertEquals("rate_limited", response.code());
        assertTrue(Integer.parseInt(response.header("Retry-After")) > 0);
        assertEquals("0", response.header("RateLimit-Remaining"));
        limited++;
      }
    }
    assertEquals(10, allowed, "the sum of allowed requests equals the limit");
    assertEquals(6, limited);
  }

  @Test
  void aRedisOutageGetsEachFeaturesPolicyThenRecovers() throws Exception {
    try (GatewayFixture lenient = GatewayFixture.start(vertx, ROUTES, env("open"))) {
      redis.stop();
      try {
        String fresh = token("frank", "acme", UUID.randomUUID().toString());
        long started = System.nanoTime();
        Response closed = a.send(GET, "/projects", fresh);
        long tookMillis = (System.nanoTime() - started) / 1_000_000;
        assertEquals(503, closed.status());
        assertEquals("state_unavailable", closed.code());
        assertTrue(tookMillis < 5000, "bounded by the Redis timeout, not hanging: " + tookMillis + "ms");
        assertEquals(200, lenient.send(GET, "/limited", fresh).status(),
            "revocation fails open here, and rate limits count locally by default");
        var probe = vertx.createHttpClient();
        // nested, so body() is called in the callback that delivers the response: a flat chain may reach body() from
        // the test thread after the event loop has already delivered (and dropped) the body, and then waits forever
        int ready = probe.request(GET, a.server().adminPort(), "127.0.0.1", "/readyz")
            .compose(req -> req.send().compose(resp -> resp.body().map(x -> resp.statusCode())))
            .await(5, TimeUnit.SECONDS);
        probe.close();
        assertEquals(503, ready, "not ready while Redis does not answer");
      } finally {
        redis.start();
      }
      String after = token("frank", "acme", UUID.randomUUID().toString());
      assertTrue(within(10_000, () -> status(a, "/projects", after) == 200) >= 0, "recovers by itself");
    }
  }

  /**
   * Steady load through two gateways, one whose revocation check fails closed and one whose check fails open, while
   * Redis first stalls for twice the latency bound below, then is stopped and started again. Every request gets an
   * answer: the closed gateway answers exactly 200 or 503 {@code state_unavailable}, every request Redis could not
   * check is refused, each refusal is counted and logged once, and nothing is refused outside the faults; the open one
   * answers 200 throughout; no answer waits for the stall (the Redis timeout bounds it); both serve again as soon as
   * Redis is back.
   */
  @Test
  void redisStalledThenStoppedAndRestartedUnderSteadyLoadAnswersEveryRequestByItsPolicy() throws Exception {
    long latencyBound = 2000; // the Redis timeout (500ms here) plus scheduling slack on a busy machine
    long stall = 2 * latencyBound;
    long revocationCache = 500; // a revocation answer is cached this long: later requests must ask Redis
    long recoveryBound = 2000;
    String routes = ROUTES.replace("timeout: 200ms", "timeout: 500ms");
    // the Redis client logs every broken pooled connection as SEVERE "Unhandled Error": the gateway drops those lines
    try (LogCapture redisClient = LogCapture.of("io.vertx.redis.client.impl.RedisConnectionManager");
         GatewayFixture closed = GatewayFixture.start(vertx, routes, env("closed"));
         GatewayFixture open = GatewayFixture.start(vertx, routes, env("open"))) {
      java.util.List<GatewayFixture> both = java.util.List.of(closed, open);
      java.util.List<String> tokens = new java.util.ArrayList<>();
      for (int i = 0; i < 40; i++) { // each token comes back every 800 ms, after its cached answer expired
        tokens.add(token("steady" + i, "acme", UUID.randomUUID().toString()));
      }
      SteadyLoad warmUp = new SteadyLoad(vertx, both, "/projects", tokens, 20);
      assertTrue(within(30_000, () -> warmUp.recoveredSince(0)) >= 0, "two seconds of 200 before any fault");
      warmUp.stop();
      String refusals = "gateway_state_unavailable_total";
      double refusedBefore = closed.metric(refusals, "feature=\"revocation\"", "policy=\"closed\"");
      double letThroughBefore = open.metric(refusals, "feature=\"revocation\"", "policy=\"open\"");
      int accessLogBefore = closed.accessLog().size();
      SteadyLoad load = new SteadyLoad(vertx, both, "/projects", tokens, 20);
      assertTrue(within(10_000, () -> load.soFar().size() >= 40) >= 0, "load under way");

      long stallStarting = load.millis();
      pauseRedis(stall);
      long stallStarted = load.millis();
      long stallEnded = stallStarting + stall;
      assertTrue(within(20_000, () -> load.recoveredSince(stallEnded)) >= 0, "served again after the stall");

      long stopping = load.millis();
      redis.stop();
      long stopped = load.millis();
      assertTrue(within(10_000, () -> load.soFar().stream().filter(x -> x.sentAtMillis() > stopped + revocationCache)
          .count() >= 40) >= 0, "load while Redis is down");
      long restarting = load.millis();
      redis.start();
      long restarted = load.millis();
      assertTrue(within(20_000, () -> load.recoveredSince(restarted)) >= 0, "served again after the restart");
      java.util.List<SteadyLoad.Answer> answers = load.stop(); // fails unless every request got an answer

      java.util.List<SteadyLoad.Answer> closedAnswers = answers.stream().filter(x -> x.gateway() == 0).toList();
      java.util.List<SteadyLoad.Answer> openAnswers = answers.stream().filter(x -> x.gateway() == 1).toList();
      java.util.List<SteadyLoad.Answer> refused = SteadyLoad.failures(closedAnswers);
      assertEquals(java.util.List.of(), SteadyLoad.failures(openAnswers), "the open gateway serves throughout");
      for (SteadyLoad.Answer x : refused) {
        assertEquals(503, x.status(), x.toString());
        assertEquals("state_unavailable", x.code(), x.toString());
        boolean inStall = x.answeredAtMillis() >= stallStarting && x.sentAtMillis() <= stallEnded + recoveryBound;
        boolean inStop = x.answeredAtMillis() >= stopping && x.sentAtMillis() <= restarted + recoveryBound;
        assertTrue(inStall || inStop, "refused only during a fault or right after it: " + x);
      }
      for (SteadyLoad.Answer x : closedAnswers) {
        boolean unchecked = x.sentAtMillis() > stallStarted + revocationCache && x.sentAtMillis() + latencyBound < stallEnded
            || x.sentAtMillis() > stopped + revocationCache && x.sentAtMillis() < restarting;
        if (unchecked) {
          assertEquals(503, x.status(), "a request Redis could not check is refused: " + x);
        }
      }
      long uncheckedOpen = openAnswers.stream().filter(x -> x.sentAtMillis() > stopped + revocationCache
          && x.sentAtMillis() < restarting).count();
      assertTrue(uncheckedOpen >= 20, "the open gateway was asked while Redis was down: " + uncheckedOpen);
      for (SteadyLoad.Answer x : answers) {
        assertTrue(x.answeredAtMillis() - x.sentAtMillis() < latencyBound,
            "bounded by the Redis timeout, not the " + stall + " ms stall: " + x);
      }
      assertEquals(refusedBefore + refused.size(),
          closed.metric(refusals, "feature=\"revocation\"", "policy=\"closed\""), "each refusal counted once");
      assertTrue(open.metric(refusals, "feature=\"revocation\"", "policy=\"open\"") - letThroughBefore >= uncheckedOpen,
          "each request let through unchecked is counted");
      assertTrue(within(5000, () -> closed.accessLog().stream().skip(accessLogBefore)
          .filter(l -> l.getInteger("status") == 503 && "state_unavailable".equals(l.getString("decision")))
          .count() == refused.size()) >= 0, "one access-log line per refusal: " + refused.size());
      assertTrue(refused.size() >= 20, "the closed gateway was asked during the faults: " + refused.size());
      assertEquals(java.util.List.of(), redisClient.messages(java.util.logging.Level.SEVERE),
          "no line per broken connection from the Redis client: the refusals are counted and logged once per interval");
    }
  }

  /** Pauses every Redis client (commands wait, then run: a stall in which a timed-out command still counts). */
  static void pauseRedis(long millis) throws Exception {
    io.vertx.redis.client.Redis client = io.vertx.redis.client.Redis.createClient(vertx, "redis://127.0.0.1:" + redisPort);
    try {
      client.send(io.vertx.redis.client.Request.cmd(io.vertx.redis.client.Command.CLIENT).arg("PAUSE").arg(millis))
          .await(5, TimeUnit.SECONDS);
    } finally {
      client.close();
    }
  }

  static io.vertx.redis.client.Response redisCall(io.vertx.redis.client.Request request) throws Exception {
    io.vertx.redis.client.Redis client = io.vertx.redis.client.Redis.createClient(vertx, "redis://127.0.0.1:" + redisPort);
    try {
      return client.send(request).await(10, TimeUnit.SECONDS);
    } finally {
      client.close();
    }
  }

  @Test
  void whileRedisStallsEachReplicaAdmitsOnlyItsShareAndTheTotalStaysWithinTheDocumentedBound() throws Exception {
    try (GatewayFixture c = GatewayFixture.start(vertx, ROUTES, env("open"));
         GatewayFixture d = GatewayFixture.start(vertx, ROUTES, env("open"))) {
      String token = token("gina", "t-" + UUID.randomUUID(), UUID.randomUUID().toString());
      int allowed = 0;
      for (int i = 0; i < 4; i++) {
        allowed += (i % 2 == 0 ? c : d).send(GET, "/limited", token).status() == 200 ? 1 : 0;
      }
      assertEquals(4, allowed, "counted in Redis while it answers");
      pauseRedis(3000);
      java.util.List<io.vertx.core.Future<Response>> stalled = new java.util.ArrayList<>();
      for (int i = 0; i < 40; i++) {
        stalled.add((i % 2 == 0 ? c : d).sendAsync(GET, "/limited", token, null));
      }
      io.vertx.core.Future.join(stalled).await(20, TimeUnit.SECONDS);
      int locallyAllowed = 0;
      for (io.vertx.core.Future<Response> f : stalled) {
        int status = f.result().status();
        assertTrue(status == 200 || status == 429, "admitted or limited, never failed: " + status);
        locallyAllowed += status == 200 ? 1 : 0;
      }
      assertEquals(10, locallyAllowed, "while Redis stalls, each of the two replicas admits its share: ceil(10 / 2)");
      // the stalled commands ran when the pause ended: Redis counted them, so the window is spent
      assertTrue(within(5000, () -> status(c, "/limited", token) == 429) >= 0);
      assertEquals(429, status(d, "/limited", token));
      int total = allowed + locallyAllowed;
      assertTrue(total <= 10 + 2 * FallbackRateLimiter.share(10, 2),
          "at most requests + replicas x share in the window: " + total);
    }
  }

  @Test
  void anAdminWriteDuringAStallSaysTheOutcomeIsUnknownAndARetryIsSafe() throws Exception {
    var client = vertx.createHttpClient();
    try {
      String jti = UUID.randomUUID().toString();
      JsonObject revoke = new JsonObject().put("jti", jti).put("exp", System.currentTimeMillis() / 1000 + 600);
      pauseRedis(1500);
      Response stalled = adminPost(client, a, "/state/revocations", revoke);
      assertEquals(503, stalled.status());
      assertEquals("state_outcome_unknown", stalled.code());
      assertEquals("application/problem+json", stalled.header("Content-Type"));
      assertEquals("1", stalled.header("Retry-After"));
      // the write reached Redis and runs when the stall ends: the outcome really was unknown
      assertTrue(within(5000, () -> {
        try {
          return redisCall(io.vertx.redis.client.Request.cmd(io.vertx.redis.client.Command.EXISTS)
              .arg("test:rev:jti:" + jti)).toInteger() == 1;
        } catch (Exception e) {
          return false;
        }
      }) >= 0);
      assertEquals(204, adminPost(client, a, "/state/revocations", revoke).status(), "repeating it is safe");

      // cutoffs only move forward, so a repeated or late write changes nothing
      assertEquals(204, adminPost(client, a, "/state/revocations", new JsonObject().put("user", "ivan").put("before", 1000)).status());
      assertEquals(204, adminPost(client, b, "/state/revocations", new JsonObject().put("user", "ivan").put("before", 1000)).status());
      assertEquals(204, adminPost(client, b, "/state/revocations", new JsonObject().put("user", "ivan").put("before", 500)).status());
      assertEquals("1000", redisCall(io.vertx.redis.client.Request.cmd(io.vertx.redis.client.Command.GET)
          .arg("test:rev:user:ivan")).toString());
      assertEquals(400, adminPost(client, a, "/state/revocations", new JsonObject().put("nothing", "x")).status());
    } finally {
      client.close();
    }
  }

  static Response adminPost(io.vertx.core.http.HttpClient client, GatewayFixture gateway, String path, JsonObject body)
      throws Exception {
    return client.request(io.vertx.core.http.HttpMethod.POST, gateway.server().adminPort(), "127.0.0.1", path)
        .compose(req -> req.putHeader("Authorization", "Bearer s3cret").send(body.toBuffer())
            .compose(resp -> resp.body().map(content -> new Response(resp.statusCode(),
                io.vertx.core.MultiMap.caseInsensitiveMultiMap().addAll(resp.headers()), content))))
        .await(10, TimeUnit.SECONDS);
  }

  @Test
  void theAdminCommandNeedsOnlyTheStateSectionOfRoutesYaml() throws Exception {
    java.nio.file.Path routes = java.nio.file.Files.createTempFile("routes", ".yaml");
    java.nio.file.Files.writeString(routes, """
        issuers:
          - { id: idp, issuer: "https://idp.test/", jwks_uri: "${SOME_UNSET_VARIABLE}" }
        state:
          redis: { type: "", url: "redis://127.0.0.1:%d", endpoints: "", key_prefix: "test:" }
        """.formatted(redisPort));
    String bob = token("bob2", "globex", UUID.randomUUID().toString());
    assertEquals(200, status(a, "/projects", bob));
    assertEquals(0, new CommandLine(new Main()).execute("admin", "revoke", "-c", routes.toString(), "--user", "bob2"));
    assertTrue(within(1000, () -> status(b, "/projects", bob) == 401) >= 0);
    java.nio.file.Files.writeString(routes, "state:\n  redis: { url: \"${REDIS_NOT_SET_HERE}\" }\n");
    assertEquals(2, new CommandLine(new Main()).execute("admin", "revoke", "-c", routes.toString(), "--user", "bob2"),
        "a variable of the state section itself is still required");
  }
}
