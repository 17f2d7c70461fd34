package dev.tenantgateway.security;

import dev.tenantgateway.support.GatewayFixture;
import dev.tenantgateway.support.HostileJwks;
import dev.tenantgateway.support.GatewayFixture.Response;
import dev.tenantgateway.support.RawHttp;
import dev.tenantgateway.support.RecordingUpstream;
import dev.tenantgateway.support.TestIssuer;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.InputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static io.vertx.core.http.HttpMethod.GET;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Every published way of confusing a gateway, as a request through a real socket. Each test asserts the status and
 * that the recording upstream received nothing, or exactly the canonical request without the spoofed part.
 */
@ExtendWith(VertxExtension.class)
class AdversarialIT {

  static final String ROUTES = """
      listener: { host: 127.0.0.1, port: 0 }
      issuers:
        - id: idp
          issuer: https://idp.test/
          jwks_uri: ${JWKS}
          audiences: [gateway]
          claims: { tenant: org_code, roles: roles }
        - id: zero
          issuer: https://zero.test/
          jwks_uri: ${ZERO_JWKS}
          audiences: [gateway]
          leeway: 0s
          max_token_lifetime: 1h
          claims: { tenant: org_code, roles: roles }
        - id: strict
          issuer: https://strict.test/
          jwks_uri: ${STRICT_JWKS}
          token_type: at+jwt
          claims: { tenant: org_code, roles: roles }
      roles:
        admin: ["*"]
        viewer: [docs:read]
      upstreams:
        app: { url: "${UPSTREAM}" }
      security:
        max_header_count: 40
        header_timeout: 500ms
        max_connections: ${MAX_CONNECTIONS:-1000}
        trusted_proxies: ["${TRUSTED:-192.0.2.1/32}"]
      routes:
        - { id: admin, methods: [GET, POST, DELETE], path: "/admin/**", upstream: app, require: admin:all }
        - { id: docs, methods: [GET, POST], path: "/docs/**", upstream: app, require: docs:read }
        - { id: small, methods: [POST], path: /small, upstream: app, require: docs:read, max_body_size: 1kb }
        - { id: public, methods: [GET], path: "/public/**", upstream: app, public: true }
        - { id: live, methods: [GET], path: /live, upstream: app, require: docs:read, websocket: true }
      """;

  static Vertx vertx;
  static TestIssuer idp;
  static TestIssuer strict;
  static TestIssuer zero;
  static RecordingUpstream upstream;
  static GatewayFixture gateway;
  static String viewer;

  @BeforeAll
  static void start(Vertx v) throws Exception {
    vertx = v;
    idp = new TestIssuer("https://idp.test/").start(vertx);
    strict = new TestIssuer("https://strict.test/").start(vertx);
    zero = new TestIssuer("https://zero.test/").start(vertx);
    upstream = new RecordingUpstream().start(vertx);
    gateway = GatewayFixture.start(vertx, ROUTES, env(Map.of()));
    viewer = idp.mint(idp.claims("eve").put("org_code", "acme").put("roles", new JsonArray().add("viewer")));
  }

  static Map<String, String> env(Map<String, String> extra) {
    Map<String, String> env = new java.util.HashMap<>(Map.of("JWKS", idp.jwksUri(), "STRICT_JWKS", strict.jwksUri(),
        "ZERO_JWKS", zero.jwksUri(), "UPSTREAM", upstream.url()));
    env.putAll(extra);
    return env;
  }

  @AfterAll
  static void stop() throws Exception {
    gateway.close();
  }

  @BeforeEach
  void clear() {
    upstream.clear();
  }

  static String request(String head, String body) {
    return head.replace("TOKEN", viewer) + "\r\n" + body;
  }

  // ---------------------------------------------------------------------------------------------------------------
  // 1. One canonical path: /admin/** cannot be reached by any spelling of it

  @ParameterizedTest
  @ValueSource(strings = {"/admin", "/admin/", "/admin/users", "/%61dmin/users", "/%2561dmin", "//admin/users",
      "/./admin/users", "/docs/../admin/users", "/docs/%2e%2e/admin/users", "/docs/..%2fadmin/users",
      "/docs/..%5cadmin/users", "/docs/..\\admin/users", "/admin;x=1/users", "/docs;/../admin", "/admin%00/users",
      "/admin%2fusers", "/ADMIN/users", "/Admin/users", "/admin%20/users", "/%c0%afadmin", "/docs/%2e%2e%2fadmin",
      "/admin/users?x=/../../docs", "/docs/..;/admin/users", "/admin\u0000/users", "/%ef%bc%8fadmin"})
  void noSpellingOfAnAdminPathReachesTheUpstreamForAViewer(String path) throws Exception {
    String status = RawHttp.status(gateway.port(), request("GET " + path + " HTTP/1.1\r\nHost: gw\r\n"
        + "Authorization: Bearer TOKEN\r\nConnection: close\r\n", ""));
    assertTrue(status.matches("HTTP/1.1 (400|403|404) .*") || status.equals("closed"), path + " -> " + status);
    for (var received : upstream.received()) {
      assertFalse(received.uri().toLowerCase().contains("admin"), path + " reached the upstream as " + received.uri());
    }
  }

  @Test
  void theCanonicalFormIsWhatTheUpstreamSees() throws Exception {
    String status = RawHttp.status(gateway.port(), request("GET /admin/../docs/./a//b/%7Euser/%41?q=%2F.. HTTP/1.1\r\n"
        + "Host: gw\r\nAuthorization: Bearer TOKEN\r\nConnection: close\r\n", ""));
    assertEquals("HTTP/1.1 200 OK", status);
    assertEquals("/docs/a/b/~user/A?q=%2F..", upstream.last().uri());
  }

  @Test
  void absoluteFormTargetsMustNameTheHostTheyAreSentTo() throws Exception {
    assertEquals("HTTP/1.1 400 Bad Request", RawHttp.status(gateway.port(), request(
        "GET http://internal.example/docs/x HTTP/1.1\r\nHost: gw\r\nAuthorization: Bearer TOKEN\r\nConnection: close\r\n", "")));
    assertTrue(upstream.received().isEmpty());
    assertEquals("HTTP/1.1 200 OK", RawHttp.status(gateway.port(), request(
        "GET http://gw/docs/../docs/x HTTP/1.1\r\nHost: gw\r\nAuthorization: Bearer TOKEN\r\nConnection: close\r\n", "")));
    assertEquals("/docs/x", upstream.last().uri());
  }

  // ---------------------------------------------------------------------------------------------------------------
  // 3. Headers: smuggling shapes, duplicates, overrides, limits

  @ParameterizedTest
  @ValueSource(strings = {
      "POST /docs/a HTTP/1.1\r\nHost: gw\r\nAuthorization: Bearer TOKEN\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\nGET /admin/x HTTP/1.1\r\nHost: gw\r\n\r\n",
      "POST /docs/a HTTP/1.0\r\nHost: gw\r\nAuthorization: Bearer TOKEN\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n",
      "POST /docs/a HTTP/1.1\r\nHost: gw\r\nAuthorization: Bearer TOKEN\r\nContent-Length: 5\r\nContent-Length: 6\r\n\r\nhello!",
      "POST /docs/a HTTP/1.1\r\nHost: gw\r\nAuthorization: Bearer TOKEN\r\nContent-Length: 5, 6\r\n\r\nhello!",
      "POST /docs/a HTTP/1.1\r\nHost: gw\r\nAuthorization: Bearer TOKEN\r\nTransfer-Encoding: chunked, identity\r\n\r\n5\r\nhello\r\n0\r\n\r\n",
      "POST /docs/a HTTP/1.1\r\nHost: gw\r\nAuthorization: Bearer TOKEN\r\nTransfer-Encoding: xchunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n",
      "POST /docs/a HTTP/1.1\r\nHost: gw\r\nAuthorization: Bearer TOKEN\r\nTransfer-Encoding : chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n",
      "POST /docs/a HTTP/1.1\r\nHost: gw\r\nAuthorization: Bearer TOKEN\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\nhello\r\n0\r\n\r\n",
      "POST /docs/a HTTP/1.1\r\nHost: gw\r\nAuthorization: Bearer TOKEN\r\nTransfer-Encoding: chunked\r\n\r\n-5\r\nhello\r\n0\r\n\r\n",
      "GET /docs/a HTTP/1.1\r\nHost: gw\r\nHost: admin.internal\r\nAuthorization: Bearer TOKEN\r\n\r\n",
      "GET /docs/a HTTP/1.1\r\nAuthorization: Bearer TOKEN\r\n\r\n",
      "GET /docs/a HTTP/1.1\r\nHost: gw\r\nAuthorization: Bearer TOKEN\r\nX-HTTP-Method-Override: DELETE\r\n\r\n",
      "GET /docs/a HTTP/1.1\r\nHost: gw\r\nAuthorization: Bearer TOKEN\r\nX-Method-Override: DELETE\r\n\r\n",
      "GET /docs/a HTTP/1.1\r\nHost: gw\r\nAuthorization: Bearer TOKEN\r\nAuthorization: Bearer other\r\n\r\n",
      "GET /docs/a HTTP/1.1\r\nHost: gw\r\nAuthorization: Bearer TOKEN\r\nBad Header: x\r\n\r\n",
      "GET /docs/a HTTP/1.1 extra\r\nHost: gw\r\nAuthorization: Bearer TOKEN\r\n\r\n",
  })
  void ambiguousRequestsAreRefusedAndNeverForwarded(String raw) throws Exception {
    String status = RawHttp.status(gateway.port(), raw.replace("TOKEN", viewer));
    assertTrue(status.matches("HTTP/1.[01] 400 .*") || status.equals("closed"), () -> raw + " -> " + status);
    assertTrue(upstream.received().isEmpty(), () -> raw + " reached the upstream: " + upstream.received());
  }

  @Test
  void obsoleteLineFoldingIsUnfoldedBeforeAnythingReadsIt() throws Exception {
    // RFC 9112 5.2 lets a server replace obs-fold with spaces instead of refusing: one line reaches the upstream.
    String status = RawHttp.status(gateway.port(), request("GET /docs/a HTTP/1.1\r\nHost: gw\r\nAuthorization: Bearer TOKEN\r\n"
        + "X-Note: a\r\n b\r\nX-Tenant-Id: x\r\n\tevil\r\nConnection: close\r\n", ""));
    assertEquals("HTTP/1.1 200 OK", status);
    assertEquals("a b", upstream.last().header("X-Note"));
    assertEquals(List.of("acme"), upstream.last().headers().getAll("X-Tenant-Id"));
  }

  @Test
  void tooManyHeadersGet431() throws Exception {
    StringBuilder head = new StringBuilder("GET /docs/a HTTP/1.1\r\nHost: gw\r\nAuthorization: Bearer TOKEN\r\nConnection: close\r\n");
    for (int i = 0; i < 50; i++) {
      head.append("X-Filler-").append(i).append(": ").append(i).append("\r\n");
    }
    assertTrue(RawHttp.status(gateway.port(), request(head.toString(), "")).startsWith("HTTP/1.1 431"));
    assertTrue(upstream.received().isEmpty());
  }

  @Test
  void oversizedHeadersAreRefused() throws Exception {
    String huge = "x".repeat(20_000);
    String status = RawHttp.status(gateway.port(), request("GET /docs/a HTTP/1.1\r\nHost: gw\r\nAuthorization: Bearer TOKEN\r\n"
        + "X-Huge: " + huge + "\r\nConnection: close\r\n", ""));
    assertTrue(status.startsWith("HTTP/1.1 431") || status.startsWith("HTTP/1.1 400"), status);
    assertTrue(upstream.received().isEmpty());
  }

  @Test
  void bodyLimitsHoldForDeclaredAndStreamedBodies() throws Exception {
    assertTrue(RawHttp.status(gateway.port(), request("POST /small HTTP/1.1\r\nHost: gw\r\nAuthorization: Bearer TOKEN\r\n"
        + "Content-Length: 2048\r\nConnection: close\r\n", "y".repeat(2048))).startsWith("HTTP/1.1 413"));
    StringBuilder chunked = new StringBuilder();
    for (int i = 0; i < 4; i++) {
      chunked.append("200\r\n").append("z".repeat(512)).append("\r\n");
    }
    chunked.append("0\r\n\r\n");
    String streamed = RawHttp.status(gateway.port(), request("POST /small HTTP/1.1\r\nHost: gw\r\nAuthorization: Bearer TOKEN\r\n"
        + "Transfer-Encoding: chunked\r\nConnection: close\r\n", chunked.toString()));
    assertFalse(streamed.startsWith("HTTP/1.1 200"), streamed);
    assertTrue(upstream.received().isEmpty(), () -> "the upstream never sees a complete oversized body: " + upstream.received());
    assertEquals("HTTP/1.1 200 OK", RawHttp.status(gateway.port(), request("POST /small HTTP/1.1\r\nHost: gw\r\n"
        + "Authorization: Bearer TOKEN\r\nContent-Length: 1024\r\nConnection: close\r\n", "k".repeat(1024))));
    assertEquals(1024, upstream.last().bodyLength());
  }

  @Test
  void cleartextHttp2UpgradeIsNotHonoured() throws Exception {
    String response = RawHttp.exchange(gateway.port(), request("GET /docs/a HTTP/1.1\r\nHost: gw\r\nAuthorization: Bearer TOKEN\r\n"
        + "Connection: Upgrade, HTTP2-Settings\r\nUpgrade: h2c\r\nHTTP2-Settings: AAMAAABkAARAAAAAAAIAAAAA\r\n", ""));
    assertTrue(response.startsWith("HTTP/1.1 200"), response);
    assertNull(upstream.last().header("HTTP2-Settings"));
    assertNull(upstream.last().header("Upgrade"));
  }

  // ---------------------------------------------------------------------------------------------------------------
  // 4. Resource limits

  @Test
  void aClientThatNeverFinishesItsHeadersIsDisconnected() throws Exception {
    try (Socket socket = new Socket("127.0.0.1", gateway.port())) {
      socket.setSoTimeout(10_000);
      socket.getOutputStream().write("GET /docs/a HTTP/1.1\r\nHost: gw\r\nX-Slow: ".getBytes(StandardCharsets.US_ASCII));
      socket.getOutputStream().flush();
      long started = System.nanoTime();
      InputStream in = socket.getInputStream();
      assertEquals(-1, in.read(), "the gateway closes the connection");
      long waitedMillis = (System.nanoTime() - started) / 1_000_000;
      assertTrue(waitedMillis < 9_000, "closed by the 500ms header timeout, not the test's own timeout");
    }
    assertTrue(upstream.received().isEmpty());
  }

  @Test
  void connectionsBeyondTheLimitAreClosed() throws Exception {
    try (GatewayFixture limited = GatewayFixture.start(vertx, ROUTES, env(Map.of("MAX_CONNECTIONS", "2")))) {
      List<Socket> held = new ArrayList<>();
      try {
        for (int i = 0; i < 2; i++) {
          Socket s = new Socket("127.0.0.1", limited.port());
          held.add(s);
          s.setSoTimeout(5000);
          s.getOutputStream().write(request("GET /docs/a HTTP/1.1\r\nHost: gw\r\nAuthorization: Bearer TOKEN\r\n", "")
              .getBytes(StandardCharsets.US_ASCII));
          byte[] buffer = new byte[12];
          assertEquals(12, s.getInputStream().readNBytes(buffer, 0, 12), "held connection " + i + " is served");
        }
        String third = RawHttp.status(limited.port(), request("GET /docs/a HTTP/1.1\r\nHost: gw\r\n"
            + "Authorization: Bearer TOKEN\r\nConnection: close\r\n", ""));
        assertEquals("closed", third);
      } finally {
        for (Socket s : held) {
          s.close();
        }
      }
    }
  }

  // ---------------------------------------------------------------------------------------------------------------
  // Forwarded headers and proxies

  @Test
  void forwardedHeadersAreKeptOnlyFromTrustedProxies() throws Exception {
    Response untrusted = gateway.send(GET, "/docs/a", viewer, "X-Forwarded-For", "6.6.6.6", "X-Forwarded-Proto", "https");
    assertEquals(200, untrusted.status());
    assertEquals("127.0.0.1", upstream.last().header("X-Forwarded-For"));
    assertEquals("http", upstream.last().header("X-Forwarded-Proto"));
    try (GatewayFixture behindProxy = GatewayFixture.start(vertx, ROUTES, env(Map.of("TRUSTED", "127.0.0.1/32")))) {
      Response trusted = behindProxy.send(GET, "/docs/a", viewer, "X-Forwarded-For", "203.0.113.7",
          "X-Forwarded-Proto", "https", "X_Forwarded_For", "6.6.6.6", "X-Tenant-Id", "evil");
      assertEquals(200, trusted.status());
      assertEquals("203.0.113.7, 127.0.0.1", upstream.last().header("X-Forwarded-For"));
      assertEquals("https", upstream.last().header("X-Forwarded-Proto"));
      assertNull(upstream.last().header("X_Forwarded_For"));
      assertEquals(List.of("acme"), upstream.last().headers().getAll("X-Tenant-Id"), "a trusted proxy cannot set the tenant");
    }
  }

  // ---------------------------------------------------------------------------------------------------------------
  // 2. Token type and size

  @Test
  void idTokensAreRefusedWhereAccessTokensAreRequired() throws Exception {
    JsonObject claims = strict.claims("eve").put("org_code", "acme").put("roles", new JsonArray().add("viewer"));
    claims.remove("aud");
    TestIssuer.Key key = strict.key("rsa-1");
    String idToken = TestIssuer.sign(new JsonObject().put("alg", "RS256").put("kid", "rsa-1").put("typ", "JWT"), claims, key);
    String accessToken = TestIssuer.sign(new JsonObject().put("alg", "RS256").put("kid", "rsa-1").put("typ", "at+jwt"), claims, key);
    String mediaType = TestIssuer.sign(new JsonObject().put("alg", "RS256").put("kid", "rsa-1").put("typ", "application/at+JWT"), claims, key);
    assertEquals(401, gateway.send(GET, "/docs/a", idToken).status());
    assertTrue(upstream.received().isEmpty());
    assertEquals(200, gateway.send(GET, "/docs/a", accessToken).status());
    assertEquals(200, gateway.send(GET, "/docs/a", mediaType).status());
  }

  @Test
  void oversizedTokensAreRefusedBeforeDecoding() throws Exception {
    JsonObject header = new JsonObject().put("alg", "RS256").put("kid", "rsa-1").put("pad", "p".repeat(3000));
    String bigHeader = TestIssuer.sign(header, idp.claims("eve").put("org_code", "acme"), idp.key("rsa-1"));
    Response response = gateway.send(GET, "/docs/a", bigHeader);
    assertEquals(401, response.status());
    assertEquals("token_invalid", response.code());
    assertTrue(upstream.received().isEmpty());
  }

  // ---------------------------------------------------------------------------------------------------------------
  // Claims at the edges of JSON (issue 12, item 5)

  static JsonObject zeroClaims() {
    return zero.claims("eve").put("org_code", "acme").put("roles", new JsonArray().add("viewer"));
  }

  void assertTokenRefused(String token, String why) throws Exception {
    Response response = gateway.send(GET, "/docs/a", token);
    assertEquals(401, response.status(), () -> why + ": " + response.body());
    assertTrue(upstream.received().isEmpty(), () -> why + " reached the upstream");
  }

  @Test
  void aKeyIdThatIsNotAStringIsRefusedEvenNull() throws Exception {
    TestIssuer.Key key = idp.key("rsa-1");
    JsonObject claims = idp.claims("eve").put("org_code", "acme").put("roles", new JsonArray().add("viewer"));
    assertEquals(200, gateway.send(GET, "/docs/a", TestIssuer.sign(new JsonObject().put("alg", "RS256"), claims, key)).status(),
        "no kid at all is fine: every key of the algorithm is tried");
    upstream.clear();
    assertTokenRefused(TestIssuer.sign(new JsonObject().put("alg", "RS256").putNull("kid"), claims.copy().put("jti", "n"), key), "kid null");
    assertTokenRefused(TestIssuer.sign(new JsonObject().put("alg", "RS256").put("kid", 1), claims.copy().put("jti", "1"), key), "kid 1");
    assertTokenRefused(TestIssuer.sign(new JsonObject().put("alg", "RS256").put("kid", new JsonArray().add("rsa-1")),
        claims.copy().put("jti", "a"), key), "kid [..]");
  }

  @Test
  void numericDatesMustBeIntegersInASaneRange() throws Exception {
    long now = System.currentTimeMillis() / 1000;
    assertEquals(200, gateway.send(GET, "/docs/a", zero.mint(zeroClaims().put("exp", now + 600))).status());
    upstream.clear();
    assertTokenRefused(zero.mint(zeroClaims().put("exp", 1e30)), "exp 1e30");
    assertTokenRefused(zero.mint(zeroClaims().put("exp", new java.math.BigInteger("1" + "0".repeat(30)))), "exp 10^30");
    assertTokenRefused(zero.mint(zeroClaims().put("exp", Long.MAX_VALUE)), "exp Long.MAX_VALUE");
    assertTokenRefused(zero.mint(zeroClaims().put("exp", now + 600.5)), "exp with a fraction");
    assertTokenRefused(zero.mint(zeroClaims().put("exp", (double) (now + 600))), "exp as a float");
    assertTokenRefused(zero.mint(zeroClaims().put("exp", -1)), "exp negative");
    assertTokenRefused(zero.mint(zeroClaims().put("exp", now + 600).put("nbf", 1e30)), "nbf 1e30");
    assertTokenRefused(zero.mint(zeroClaims().put("exp", now + 600).put("nbf", Long.MIN_VALUE)), "nbf Long.MIN_VALUE");
    assertTokenRefused(zero.mint(zeroClaims().put("exp", now + 600).put("iat", 1.5)), "iat with a fraction");
  }

  @Test
  void tokensLivingLongerThanTheIssuersMaximumAreRefused() throws Exception {
    long now = System.currentTimeMillis() / 1000;
    assertEquals(200, gateway.send(GET, "/docs/a", zero.mint(zeroClaims().put("iat", now).put("exp", now + 3600))).status());
    JsonObject noIat = zeroClaims().put("exp", now + 1800);
    noIat.remove("iat");
    assertEquals(200, gateway.send(GET, "/docs/a", zero.mint(noIat)).status());
    upstream.clear();
    assertTokenRefused(zero.mint(zeroClaims().put("iat", now).put("exp", now + 3601)), "exp - iat over 1h");
    assertTokenRefused(zero.mint(zeroClaims().put("iat", now - 7200).put("exp", now + 60)), "issued for 2h, 1 min left");
    JsonObject longNoIat = zeroClaims().put("exp", now + 7200);
    longNoIat.remove("iat");
    assertTokenRefused(zero.mint(longNoIat), "no iat, 2h left");
  }

  // ---------------------------------------------------------------------------------------------------------------
  // JWKS poisoning (issue 12, item 1): a bad fetch of any kind never replaces the last good keys

  static final String JWKS_ROUTES = """
      listener: { host: 127.0.0.1, port: 0 }
      issuers:
        - id: victim
          issuer: https://victim.test/
          jwks_uri: ${JWKS}
          audiences: [gateway]
          jwks_cooldown: 0s
          jwks_timeout: ${JWKS_TIMEOUT:-5s}
          jwks_redirects: ${JWKS_REDIRECTS:-refuse}
          claims: { tenant: org_code, roles: roles }
      roles:
        viewer: [docs:read]
      upstreams:
        app: { url: "${UPSTREAM}" }
      routes:
        - { id: docs, methods: [GET], path: "/docs/**", upstream: app, require: docs:read }
      """;

  /** The victim issuer's keys (served by the hostile endpoint while it behaves) and an attacker's, kid evil-1. */
  record Poisoning(TestIssuer victim, TestIssuer attacker, HostileJwks jwks) implements AutoCloseable {
    static Poisoning start() throws Exception {
      TestIssuer victim = new TestIssuer("https://victim.test/");
      TestIssuer attacker = new TestIssuer("https://victim.test/").start(vertx);
      attacker.unpublishAll();
      attacker.addKey("evil-1", "RS256", true);
      return new Poisoning(victim, attacker, new HostileJwks(victim::jwks, attacker::jwks).start(vertx));
    }

    String victimToken(String sub) {
      return victim.mint(victim.claims(sub).put("org_code", "acme").put("roles", new JsonArray().add("viewer")));
    }

    String attackerToken(String sub) {
      return attacker.mint(attacker.claims(sub).put("org_code", "globex").put("roles", new JsonArray().add("viewer")), "evil-1");
    }

    GatewayFixture gateway(Map<String, String> extra) throws Exception {
      Map<String, String> env = new java.util.HashMap<>(Map.of("JWKS", jwks.uri(), "UPSTREAM", upstream.url()));
      env.putAll(extra);
      return GatewayFixture.start(vertx, JWKS_ROUTES, env);
    }

    @Override
    public void close() throws Exception {
      jwks.close();
      attacker.stop().await(5, java.util.concurrent.TimeUnit.SECONDS);
    }
  }

  @ParameterizedTest
  @org.junit.jupiter.params.provider.EnumSource(value = HostileJwks.Mode.class, names = {"REDIRECT", "HTML", "STATUS_500",
      "EMPTY", "OVERSIZED", "OVERSIZED_DECLARED"})
  void aBadJwksFetchNeverInstallsAnAttackersKeys(HostileJwks.Mode mode) throws Exception {
    try (Poisoning p = Poisoning.start(); GatewayFixture gw = p.gateway(Map.of())) {
      assertEquals(200, gw.send(GET, "/docs/a", p.victimToken("before")).status());
      if (mode == HostileJwks.Mode.REDIRECT) {
        p.jwks().redirectTo(p.attacker().jwksUri());
      } else {
        p.jwks().mode(mode);
      }
      upstream.clear();
      int fetches = p.jwks().fetches();
      Response forged = gw.send(GET, "/docs/a", p.attackerToken("mallory"));
      assertEquals(401, forged.status(), mode + ": " + forged.body());
      assertEquals("token_invalid", forged.code());
      assertTrue(p.jwks().fetches() > fetches, "the unknown kid made the gateway refetch");
      assertTrue(upstream.received().isEmpty(), () -> mode + ": the attacker's token reached the upstream");
      assertEquals(200, gw.send(GET, "/docs/a", p.victimToken("after")).status(), "the last good keys keep serving");
      assertEquals("acme", upstream.last().header("X-Tenant-Id"));
    }
  }

  @Test
  void sameOriginRedirectsAreFollowedOnlyWhenAllowedAndNeverToAnotherOrigin() throws Exception {
    try (Poisoning p = Poisoning.start();
         GatewayFixture gw = p.gateway(Map.of("JWKS_REDIRECTS", "same_origin"))) {
      p.victim().addKey("rsa-2", "RS256", true);
      p.jwks().redirectTo("/moved"); // same origin: followed, so the rotated key arrives
      assertEquals(200, gw.send(GET, "/docs/a", p.victim().mint(p.victim().claims("r").put("org_code", "acme")
          .put("roles", new JsonArray().add("viewer")), "rsa-2")).status());
      p.jwks().redirectTo(p.attacker().jwksUri()); // another port on the same host is another origin
      upstream.clear();
      assertEquals(401, gw.send(GET, "/docs/a", p.attackerToken("mallory")).status());
      assertTrue(upstream.received().isEmpty());
    }
  }

  @Test
  void aHangingJwksEndpointDelaysUnknownKidsBoundedlyAndKnownKeysNotAtAll() throws Exception {
    try (Poisoning p = Poisoning.start(); GatewayFixture gw = p.gateway(Map.of("JWKS_TIMEOUT", "30s"))) {
      p.jwks().mode(HostileJwks.Mode.HANG);
      upstream.clear();
      // the refetch hangs for up to 30s; the request waits about 2s, then is refused while the fetch still hangs
      Response forged = gw.send(GET, "/docs/a", p.attackerToken("mallory"));
      assertEquals(401, forged.status());
      assertEquals(1, p.jwks().hangingOpen(), "the fetch is still in flight: the request did not wait for it");
      assertEquals(200, gw.send(GET, "/docs/a", p.victimToken("known")).status(), "known keys never wait");
      assertEquals(1, upstream.received().size());
    }
    try (Poisoning p = Poisoning.start(); GatewayFixture gw = p.gateway(Map.of("JWKS_TIMEOUT", "300ms"))) {
      p.jwks().mode(HostileJwks.Mode.HANG);
      assertEquals(401, gw.send(GET, "/docs/a", p.attackerToken("mallory")).status());
      p.jwks().hangClosed().await(10, java.util.concurrent.TimeUnit.SECONDS); // the gateway gave up on the fetch
      assertEquals(200, gw.send(GET, "/docs/a", p.victimToken("still")).status(), "a timed-out fetch keeps the keys");
    }
  }

  // ---------------------------------------------------------------------------------------------------------------
  // Credentials in the query (issue 12, item 2)

  @ParameterizedTest
  @ValueSource(strings = {"access_token=OTHER", "a=1&access_token=OTHER", "Access_Token=OTHER", "access%5Ftoken=OTHER",
      "access.token=OTHER", "access%20token=OTHER", "access_token[]=OTHER", "access_token[x]=OTHER", "access_token",
      "ACCESS_TOKEN=OTHER&b=2"})
  void aQueryAccessTokenIsRefusedWithOrWithoutAHeaderToken(String query) throws Exception {
    String other = zero.mint(zeroClaims().put("org_code", "globex"));
    String withHeader = RawHttp.status(gateway.port(), "GET /docs/a?" + query.replace("OTHER", other)
        + " HTTP/1.1\r\nHost: gw\r\nAuthorization: Bearer " + viewer + "\r\nConnection: close\r\n\r\n");
    assertEquals("HTTP/1.1 400 Bad Request", withHeader, query);
    String alone = RawHttp.status(gateway.port(), "GET /public/a?" + query.replace("OTHER", other)
        + " HTTP/1.1\r\nHost: gw\r\nConnection: close\r\n\r\n");
    assertEquals("HTTP/1.1 400 Bad Request", alone, "never a credential, never forwarded, even on a public route");
    assertTrue(upstream.received().isEmpty(), () -> query + " reached the upstream: " + upstream.received());
  }

  @Test
  void queryParametersThatOnlyResembleATokenParameterPass() throws Exception {
    assertEquals(200, gateway.send(GET, "/docs/a?my_access_token=1&access_token_hint=2&token=3", viewer).status());
    assertEquals("/docs/a?my_access_token=1&access_token_hint=2&token=3", upstream.last().uri());
  }

  // ---------------------------------------------------------------------------------------------------------------
  // Malformed header names and values (issue 12, item 3)

  @ParameterizedTest
  @ValueSource(strings = {": x", ":x", "X-Tenant-Id\u0000: evil", "X(A): 1", "X\"Q: 1", "X/Y: 1", "X{Y}: 1",
      "X-Caf\u00e9: 1", "X-A: a\u0000b", "X-A: a\rb"})
  void malformedFieldsAreRefusedBeforeAnythingIsForwarded(String line) throws Exception {
    String status = RawHttp.status(gateway.port(), request("GET /docs/a HTTP/1.1\r\nHost: gw\r\n"
        + "Authorization: Bearer TOKEN\r\n" + line + "\r\nConnection: close\r\n", ""));
    assertTrue(status.matches("HTTP/1.1 400 .*") || status.equals("closed"), () -> line + " -> " + status);
    assertTrue(upstream.received().isEmpty(), () -> line + " reached the upstream: " + upstream.received());
  }

  @Test
  void everyTokenCharacterIsAcceptedInAFieldName() throws Exception {
    String status = RawHttp.status(gateway.port(), request("GET /docs/a HTTP/1.1\r\nHost: gw\r\n"
        + "Authorization: Bearer TOKEN\r\nX!#$%&'*+-.^_`|~09az: v\tw\r\nConnection: close\r\n", ""));
    assertEquals("HTTP/1.1 200 OK", status);
    assertEquals("v\tw", upstream.last().header("X!#$%&'*+-.^_`|~09az"));
  }

  // ---------------------------------------------------------------------------------------------------------------
  // Look-alike path characters (issue 12, item 4)

  @ParameterizedTest
  @ValueSource(strings = {"/public/..%EF%BC%8Fadmin/x", "/public/%EF%BC%8E%EF%BC%8E/admin/x", "/public/%E2%80%A5/admin/x",
      "/public/..%EF%BC%BCadmin/x", "/public/x%EF%BC%85%32%66", "/public/x%EF%B9%94y", "/public/x%EF%BC%9Fy",
      "/public/%EF%BC%8F"})
  void encodedLookAlikesOfPathCharactersAreRefused(String path) throws Exception {
    String status = RawHttp.status(gateway.port(), "GET " + path + " HTTP/1.1\r\nHost: gw\r\nConnection: close\r\n\r\n");
    assertEquals("HTTP/1.1 400 Bad Request", status, path);
    assertTrue(upstream.received().isEmpty(), () -> path + " reached the upstream: " + upstream.received());
  }

  @Test
  void otherEncodedLettersStillPass() throws Exception {
    String status = RawHttp.status(gateway.port(), "GET /public/caf%C3%A9/%E2%82%AC HTTP/1.1\r\nHost: gw\r\nConnection: close\r\n\r\n");
    assertEquals("HTTP/1.1 200 OK", status);
    assertEquals("/public/caf%C3%A9/%E2%82%AC", upstream.last().uri());
  }

  // ---------------------------------------------------------------------------------------------------------------
  // Host (issue 12, item 6)

  @ParameterizedTest
  @ValueSource(strings = {"a@b", "evil.test@gw", "gw/admin", "gw:99999", "gw:80:81", "gw:x", "a b", "gw?x", "gw#x",
      "[::1", "[zz::1]:80", "gw%zz", "gw\\x", "\"gw\""})
  void aHostThatIsNotHostAndPortIsRefused(String host) throws Exception {
    String status = RawHttp.status(gateway.port(), request("GET /docs/a HTTP/1.1\r\nHost: " + host
        + "\r\nAuthorization: Bearer TOKEN\r\nConnection: close\r\n", ""));
    assertTrue(status.matches("HTTP/1.1 400 .*") || status.equals("closed"), () -> host + " -> " + status);
    assertTrue(upstream.received().isEmpty(), () -> host + " reached the upstream: " + upstream.received());
  }

  @ParameterizedTest
  @ValueSource(strings = {"gw", "gw:8080", "GW.example.COM", "127.0.0.1:80", "[::1]:8080", "[2001:db8::1]", "xn--bcher-kva.example"})
  void wellFormedHostsPass(String host) throws Exception {
    String status = RawHttp.status(gateway.port(), request("GET /docs/a HTTP/1.1\r\nHost: " + host
        + "\r\nAuthorization: Bearer TOKEN\r\nConnection: close\r\n", ""));
    assertEquals("HTTP/1.1 200 OK", status, host);
  }

  // ---------------------------------------------------------------------------------------------------------------
  // WebSocket only where declared (issue 12, item 7)

  static final String HANDSHAKE = "Upgrade: UPGRADE\r\nConnection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
      + "Sec-WebSocket-Version: 13\r\n";

  @ParameterizedTest
  @ValueSource(strings = {"websocket", "WebSocket", "foo, websocket", "h2c\r\nUpgrade: websocket"})
  void anUpgradeOnARouteWithoutWebsocketIsRefusedNever101(String upgrade) throws Exception {
    String response = RawHttp.exchange(gateway.port(), request("GET /docs/a HTTP/1.1\r\nHost: gw\r\nAuthorization: Bearer TOKEN\r\n"
        + HANDSHAKE.replace("UPGRADE", upgrade), ""));
    assertTrue(response.startsWith("HTTP/1.1 400 "), response);
    assertTrue(response.contains("\"code\":\"websocket_not_allowed\""), response);
    String onPublic = RawHttp.exchange(gateway.port(), "GET /public/a HTTP/1.1\r\nHost: gw\r\n"
        + HANDSHAKE.replace("UPGRADE", upgrade) + "\r\n");
    assertTrue(onPublic.startsWith("HTTP/1.1 400 "), onPublic);
    assertTrue(upstream.received().isEmpty(), () -> "reached the upstream: " + upstream.received());
  }

  @Test
  void aRouteWithWebsocketTrueUpgrades() throws Exception {
    String response = RawHttp.exchange(gateway.port(), request("GET /live HTTP/1.1\r\nHost: gw\r\nAuthorization: Bearer TOKEN\r\n"
        + "X-Tenant-Id: evil\r\n" + HANDSHAKE.replace("UPGRADE", "websocket"), ""));
    assertTrue(response.startsWith("HTTP/1.1 101 "), response);
    assertEquals("/live", upstream.last().uri());
    assertEquals(List.of("acme"), upstream.last().headers().getAll("X-Tenant-Id"));
  }

  // ---------------------------------------------------------------------------------------------------------------
  // Methods (issue 12, item 8)

  @ParameterizedTest
  @ValueSource(strings = {"get", "Get", "TRACE", "PROPFIND", "MKCOL", "FOO"})
  void methodsTheGatewayDoesNotImplementGet501(String method) throws Exception {
    String response = RawHttp.exchange(gateway.port(), request(method + " /docs/a HTTP/1.1\r\nHost: gw\r\n"
        + "Authorization: Bearer TOKEN\r\nConnection: close\r\n", ""));
    assertTrue(response.startsWith("HTTP/1.1 501 "), () -> method + " -> " + response);
    assertTrue(response.contains("\"code\":\"not_implemented\""), response);
    assertTrue(upstream.received().isEmpty());
  }

  @Test
  void aPathThatExistsWithOtherMethodsGets405WithAllow() throws Exception {
    Map<String, String> cases = Map.of("PUT /docs/a", "GET, POST", "DELETE /small", "POST",
        "PATCH /admin/x", "GET, POST, DELETE", "POST /_gateway/me", "GET", "HEAD /live", "GET");
    for (var entry : cases.entrySet()) {
      String response = RawHttp.exchange(gateway.port(), request(entry.getKey() + " HTTP/1.1\r\nHost: gw\r\n"
          + "Authorization: Bearer TOKEN\r\nContent-Length: 0\r\nConnection: close\r\n", ""));
      assertTrue(response.startsWith("HTTP/1.1 405 "), () -> entry.getKey() + " -> " + response);
      assertTrue(response.contains("\r\nallow: " + entry.getValue() + "\r\n")
          || response.contains("\r\nAllow: " + entry.getValue() + "\r\n"), () -> entry.getKey() + " -> " + response);
      assertTrue(entry.getKey().startsWith("HEAD") || response.contains("\"code\":\"method_not_allowed\""), response);
    }
    Response nowhere = gateway.send(GET, "/nowhere", viewer);
    assertEquals(404, nowhere.status());
    assertEquals("route_not_found", nowhere.code());
    assertTrue(upstream.received().isEmpty());
  }
}
