package dev.tenantgateway.state;

import dev.tenantgateway.support.GatewayFixture;
import dev.tenantgateway.support.RecordingUpstream;
import dev.tenantgateway.support.TestIssuer;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpClient;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import redis.embedded.RedisServer;

import java.net.ServerSocket;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

import static io.vertx.core.http.HttpMethod.GET;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * /readyz follows the state failure policies (a real Redis, stopped): a replica whose policies all fail open keeps
 * serving and stays ready through a Redis outage, so an outage every replica sees does not empty the Service; a
 * replica with a policy that fails closed turns unready, and ready again when Redis is back.
 */
@ExtendWith(VertxExtension.class)
class ReadinessIT {

  static final String ROUTES = """
      listener: { host: 127.0.0.1, port: 0 }
      issuers:
        - { id: idp, issuer: "https://idp.test/", jwks_uri: "${JWKS}", claims: { tenant: org_code, roles: roles } }
      roles:
        viewer: [projects:read]
      state:
        redis: { url: "redis://127.0.0.1:${REDIS_PORT}", timeout: 200ms, key_prefix: "ready:" }
        revocation: { on_failure: "${POLICY}" }
        memberships: { on_failure: "${POLICY}" }
        rate_limits: { on_failure: "${POLICY}" }
      upstreams:
        app: { url: "${UPSTREAM}" }
      routes:
        - { id: list, methods: [GET], path: /projects, upstream: app, require: projects:read, rate_limit: { requests: 1000, per: 1m, by: tenant } }
      """;

  static Vertx vertx;
  static int redisPort;
  static RedisServer redis;
  static TestIssuer idp;
  static RecordingUpstream upstream;
  static GatewayFixture open;
  static GatewayFixture closed;
  static HttpClient probe;

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
    open = GatewayFixture.start(vertx, ROUTES, env("open"));
    closed = GatewayFixture.start(vertx, ROUTES, env("closed"));
    probe = vertx.createHttpClient();
  }

  static Map<String, String> env(String policy) {
    return Map.of("JWKS", idp.jwksUri(), "UPSTREAM", upstream.url(), "REDIS_PORT", Integer.toString(redisPort),
        "POLICY", policy);
  }

  @AfterAll
  static void stop() throws Exception {
    open.close();
    closed.close();
    if (redis.isActive()) {
      redis.stop();
    }
  }

  static JsonObject readyz(GatewayFixture gateway) throws Exception {
    // body() is asked for in the callback that delivers the response, so it cannot be missed
    return probe.request(GET, gateway.server().adminPort(), "127.0.0.1", "/readyz")
        .compose(req -> req.send().compose(resp -> resp.body()
            .map(body -> body.toJsonObject().put("status", resp.statusCode()))))
        .await(5, TimeUnit.SECONDS);
  }

  static String token() {
    return idp.mint(idp.claims("frank").put("org_code", "acme").put("roles", new JsonArray().add("viewer"))
        .put("jti", UUID.randomUUID().toString()));
  }

  @Test
  void aRedisOutageLeavesFailOpenReplicasReadyAndServingAndFailClosedOnesUnready() throws Exception {
    assertEquals(200, readyz(open).getInteger("status"));
    assertEquals(200, readyz(closed).getInteger("status"));
    redis.stop();
    try {
      JsonObject lenient = readyz(open);
      assertEquals(200, lenient.getInteger("status"), lenient.encode());
      assertEquals(Boolean.TRUE, lenient.getBoolean("ready"));
      assertEquals(200, open.send(GET, "/projects", token()).status(), "and it does serve: every policy fails open");

      JsonObject strict = readyz(closed);
      assertEquals(503, strict.getInteger("status"), strict.encode());
      assertEquals("the state store (Redis) does not answer", strict.getString("reason"));
      GatewayFixture.Response refused = closed.send(GET, "/projects", token());
      assertEquals(503, refused.status());
      assertEquals("state_unavailable", refused.code());
    } finally {
      redis.start();
    }
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    while (readyz(closed).getInteger("status") != 200 && System.nanoTime() < deadline) {
      vertx.timer(50).await(1, TimeUnit.SECONDS);
    }
    assertEquals(200, readyz(closed).getInteger("status"), "ready again once Redis answers");
  }

  @Test
  void onlyPoliciesOnStateInUseCount() throws Exception {
    String publicOnly = """
        listener: { host: 127.0.0.1, port: 0 }
        issuers:
          - { id: idp, issuer: "https://idp.test/", jwks_uri: "${JWKS}", claims: { tenant: org_code } }
        state:
          redis: { url: "redis://127.0.0.1:${REDIS_PORT}", timeout: 200ms }
          revocation: { on_failure: closed }
        upstreams:
          app: { url: "${UPSTREAM}" }
        routes:
          - { id: status, methods: [GET], path: /status, upstream: app, public: true }
        """;
    try (GatewayFixture gateway = GatewayFixture.start(vertx, publicOnly, env("closed"))) {
      redis.stop();
      try {
        JsonObject ready = readyz(gateway);
        assertEquals(200, ready.getInteger("status"),
            "no route is authenticated, so no revocation check can refuse a request: " + ready.encode());
        assertTrue(gateway.send(GET, "/status", null).status() < 500);
      } finally {
        redis.start();
      }
    }
  }
}
