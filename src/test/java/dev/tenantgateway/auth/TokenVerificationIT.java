package dev.tenantgateway.auth;

import dev.tenantgateway.compile.ConfigLoader;
import dev.tenantgateway.server.GatewayServer;
import dev.tenantgateway.support.GatewayFixture.Response;
import dev.tenantgateway.support.GatewayFixture;
import dev.tenantgateway.support.RecordingUpstream;
import dev.tenantgateway.support.TestIssuer;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.Signature;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;

import static io.vertx.core.http.HttpMethod.GET;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Token trickery and key handling through the real gateway: every bad token is refused with 401 before the upstream
 * sees anything; keys rotate with one refetch; a flood of invented kids cannot hammer the identity provider.
 */
@ExtendWith(VertxExtension.class)
class TokenVerificationIT {

  static final String ROUTES = """
      listener: { host: 127.0.0.1, port: 0 }
      issuers:
        - id: a
          issuer: https://a.test/
          jwks_uri: ${A_JWKS}
          audiences: [gateway]
          algorithms: [RS256, ES256]
          leeway: 0s
          jwks_cooldown: ${COOLDOWN:-1h}
          claims: { tenant: org_code }
        - id: b
          issuer: https://b.test/
          jwks_uri: ${B_JWKS}
          audiences: [gateway]
          claims: { tenant: org_code }
      upstreams:
        app: { url: "${UPSTREAM}" }
      routes:
        - { id: data, methods: [GET], path: /data, upstream: app, require: data:read }
      """;

  static Vertx vertx;
  static RecordingUpstream upstream;
  TestIssuer a;
  TestIssuer b;
  GatewayFixture gateway;

  @BeforeAll
  static void startUpstream(Vertx v) throws Exception {
    vertx = v;
    upstream = new RecordingUpstream().start(vertx);
  }

  @AfterAll
  static void stopUpstream() throws Exception {
    upstream.stop().await(5, TimeUnit.SECONDS);
  }

  @BeforeEach
  void start() throws Exception {
    upstream.clear();
    a = new TestIssuer("https://a.test/").start(vertx);
    b = new TestIssuer("https://b.test/").start(vertx);
    gateway = GatewayFixture.start(vertx, ROUTES, Map.of("A_JWKS", a.jwksUri(), "B_JWKS", b.jwksUri(), "UPSTREAM", upstream.url()));
  }

  @org.junit.jupiter.api.AfterEach
  void stop() throws Exception {
    gateway.close();
    a.stop().await(5, TimeUnit.SECONDS);
    b.stop().await(5, TimeUnit.SECONDS);
  }

  JsonObject good() {
    return a.claims("u1").put("org_code", "acme").put("permissions", new JsonArray().add("data:read"));
  }

  void assertRefused(String token, String code) throws Exception {
    Response response = gateway.send(GET, "/data", token);
    assertEquals(401, response.status(), () -> response.body().toString());
    assertEquals(code, response.code());
    assertTrue(upstream.received().isEmpty(), "nothing reaches the upstream");
  }

  @Test
  void aGoodTokenPassesSoTheRefusalsBelowMeanSomething() throws Exception {
    assertEquals(200, gateway.send(GET, "/data", a.mint(good())).status());
    assertEquals(200, gateway.send(GET, "/data", a.mint(good(), "ec-1")).status());
  }

  @Test
  void signatureChecksUseTheNativeProviderWhereItLoads() {
    org.junit.jupiter.api.Assumptions.assumeTrue(System.getProperty("os.name").startsWith("Linux")
        && System.getProperty("os.arch").equals("amd64"), "the native provider ships for Linux x86_64 only");
    // every refusal in this class is then made by it, and the good token above is accepted by it
    assertEquals("AmazonCorrettoCryptoProvider", CryptoProviders.signatureProvider());
  }

  @Test
  void unsignedTokensAreRefused() throws Exception {
    String header = TestIssuer.encode(new JsonObject().put("alg", "none").put("typ", "JWT"));
    assertRefused(header + "." + TestIssuer.encode(good()) + ".", "token_invalid");
    assertRefused(header + "." + TestIssuer.encode(good()), "token_invalid");
    String noneUpper = TestIssuer.encode(new JsonObject().put("alg", "NONE"));
    assertRefused(noneUpper + "." + TestIssuer.encode(good()) + ".", "token_invalid");
  }

  @Test
  void hmacSignedWithThePublicKeyIsRefused() throws Exception {
    for (String secret : List.of(TestIssuer.pem(a.key("rsa-1")), TestIssuer.jwk(a.key("rsa-1")).encode())) {
      String input = TestIssuer.encode(new JsonObject().put("alg", "HS256").put("kid", "rsa-1")) + "." + TestIssuer.encode(good());
      Mac mac = Mac.getInstance("HmacSHA256");
      mac.init(new SecretKeySpec(secret.getBytes(StandardCharsets.US_ASCII), "HmacSHA256"));
      assertRefused(input + "." + TestIssuer.encode(mac.doFinal(input.getBytes(StandardCharsets.US_ASCII))), "token_invalid");
    }
  }

  @Test
  void lifetimeAudienceAndIssuerAreEnforced() throws Exception {
    long now = System.currentTimeMillis() / 1000;
    assertRefused(a.mint(good().put("exp", now - 1)), "token_expired");
    assertRefused(a.mint(good().put("nbf", now + 600)), "token_invalid");
    assertRefused(a.mint(good().put("aud", "someone-else")), "token_invalid");
    assertRefused(a.mint(good().put("aud", new JsonArray().add("x").add("y"))), "token_invalid");
    assertRefused(a.mint(good().put("iss", "https://evil.test/")), "issuer_unknown");
    assertRefused(a.mint(good().putNull("iss")), "issuer_unknown");
    JsonObject noExp = good();
    noExp.remove("exp");
    assertRefused(a.mint(noExp), "token_invalid");
  }

  @Test
  void malformedClaimsAre401NotServerErrors() throws Exception {
    assertRefused(a.mint(good().put("exp", "9999999999")), "token_invalid");
    assertRefused(a.mint(good().put("aud", 42)), "token_invalid");
    assertRefused(a.mint(good().put("nbf", "soon")), "token_invalid");
    assertRefused(a.mint(good().put("sub", new JsonObject())), "token_invalid");
  }

  @Test
  void aTokenSignedByIssuerAsKeyNeverPassesAsIssuerB() throws Exception {
    JsonObject claims = good().put("iss", "https://b.test/");
    assertRefused(a.mint(claims), "token_invalid");
    assertEquals(200, gateway.send(GET, "/data", b.mint(claims)).status(), "the same claims signed by B's key pass");
  }

  @Test
  void headerTrickeryIsRefused() throws Exception {
    TestIssuer.Key key = a.key("rsa-1");
    JsonObject base = new JsonObject().put("alg", "RS256").put("kid", "rsa-1");
    assertRefused(TestIssuer.sign(base.copy().put("crit", new JsonArray().add("exp")).put("exp", 1), good(), key), "token_invalid");
    assertRefused(TestIssuer.sign(base.copy().put("cty", "JWT"), good(), key), "token_invalid");
    assertRefused("a.b.c.d.e", "token_invalid");
    // an embedded key or a key URL never chooses the key: signed by a stranger's key, it stays unknown
    TestIssuer stranger = new TestIssuer("https://a.test/");
    JsonObject embedding = base.copy().put("jwk", TestIssuer.jwk(stranger.key("rsa-1"))).put("jku", "http://evil.test/jwks")
        .put("x5u", "http://evil.test/cert");
    assertRefused(TestIssuer.sign(embedding, good(), stranger.key("rsa-1")), "token_invalid");
  }

  @Test
  void nonCanonicalEncodingsAreRefused() throws Exception {
    String token = a.mint(good());
    String[] parts = token.split("\\.");
    assertRefused(parts[0] + "=." + parts[1] + "." + parts[2], "token_invalid");
    assertRefused(parts[0] + "." + parts[1] + "." + parts[2] + "==", "token_invalid");
    String duplicateKeys = "{\"iss\":\"https://a.test/\",\"sub\":\"u1\",\"aud\":\"gateway\",\"org_code\":\"acme\","
        + "\"permissions\":[\"data:read\"],\"exp\":" + (System.currentTimeMillis() / 1000 + 600) + ",\"org_code\":\"other\"}";
    String header = TestIssuer.encode(new JsonObject().put("alg", "RS256").put("kid", "rsa-1"));
    String input = header + "." + TestIssuer.encode(duplicateKeys.getBytes(StandardCharsets.UTF_8));
    Signature rsa = Signature.getInstance("SHA256withRSA");
    rsa.initSign(a.key("rsa-1").pair().getPrivate());
    rsa.update(input.getBytes(StandardCharsets.US_ASCII));
    assertRefused(input + "." + TestIssuer.encode(rsa.sign()), "token_invalid");
  }

  @Test
  void ecdsaSignaturesOfTheWrongShapeAreRefused() throws Exception {
    String input = TestIssuer.encode(new JsonObject().put("alg", "ES256").put("kid", "ec-1")) + "." + TestIssuer.encode(good());
    assertRefused(input + "." + TestIssuer.encode(new byte[64]), "token_invalid");
    Signature der = Signature.getInstance("SHA256withECDSA");
    der.initSign(a.key("ec-1").pair().getPrivate());
    der.update(input.getBytes(StandardCharsets.US_ASCII));
    assertRefused(input + "." + TestIssuer.encode(der.sign()), "token_invalid");
  }

  @Test
  void aRotatedKeyIsAcceptedAfterOneRefetch() throws Exception {
    int before = a.fetches();
    a.addKey("rsa-2", "RS256", true);
    assertEquals(200, gateway.send(GET, "/data", a.mint(good(), "rsa-2")).status());
    assertEquals(before + 1, a.fetches());
    assertEquals(200, gateway.send(GET, "/data", a.mint(good().put("sub", "u2"), "rsa-2")).status());
    assertEquals(before + 1, a.fetches(), "the new key is known now: no further fetch");
  }

  @Test
  void aBurstOfInventedKidsCausesAtMostOneFetchPerCooldown() throws Exception {
    int before = a.fetches();
    List<Future<GatewayFixture.Response>> responses = new ArrayList<>();
    for (int i = 0; i < 200; i++) {
      TestIssuer.Key fake = a.addKey("fake-" + UUID.randomUUID(), "ES256", false);
      String token = a.mint(good(), fake.kid());
      responses.add(gateway.sendAsync(GET, "/data", token, null));
    }
    for (Future<GatewayFixture.Response> response : responses) {
      Response r = response.await(30, TimeUnit.SECONDS);
      assertEquals(401, r.status());
      assertEquals("token_invalid", r.code());
    }
    assertTrue(a.fetches() - before <= 1, "fetches during the burst: " + (a.fetches() - before));
    assertTrue(upstream.received().isEmpty());
  }

  @Test
  void theLastGoodKeysKeepServingWhileTheIdentityProviderIsDown() throws Exception {
    a.failWith(503);
    String unknownKid = a.mint(good(), a.addKey("rsa-9", "RS256", false).kid());
    assertRefused(unknownKid, "token_invalid"); // triggers a refetch, which fails
    assertTrue(a.fetches() >= 2);
    assertEquals(200, gateway.send(GET, "/data", a.mint(good().put("sub", "fresh"))).status(),
        "a failed fetch keeps the old keys");
  }

  @Test
  void anEmptyKeySetIsAFailedFetchNeverAnOpenDoor() throws Exception {
    a.unpublishAll(); // the JWKS now answers {"keys": []}
    assertRefused(a.mint(good(), a.addKey("rsa-8", "RS256", false).kid()), "token_invalid");
    assertEquals(200, gateway.send(GET, "/data", a.mint(good().put("sub", "still-good"))).status(),
        "an empty answer does not replace the last good keys");

    TestIssuer empty = new TestIssuer("https://a.test/").start(vertx);
    empty.unpublishAll();
    var config = ConfigLoader.parse(ROUTES, "routes.yaml", Path.of("."), Map.of(
        "A_JWKS", empty.jwksUri(), "B_JWKS", b.jwksUri(), "UPSTREAM", upstream.url())::get);
    ExecutionException failure = assertThrows(ExecutionException.class,
        () -> GatewayServer.start(vertx, config, 1).toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS));
    String message = failure.getCause().getMessage();
    assertTrue(message.contains("issuer a") && message.contains("no usable key"), message);
    empty.stop().await(5, TimeUnit.SECONDS);
  }

  @Test
  void aPemKeyFileServesAsTheIssuersKey(@TempDir Path dir) throws Exception {
    gateway.close();
    Files.writeString(dir.resolve("idp.pem"), TestIssuer.pem(a.key("rsa-1")));
    String yaml = """
        listener: { host: 127.0.0.1, port: 0 }
        admin: { host: 127.0.0.1, port: 0 }
        issuers:
          - { id: pem, issuer: "https://a.test/", public_key_file: idp.pem, audiences: [gateway], claims: { tenant: org_code } }
        upstreams: { app: { url: "%s" } }
        routes:
          - { id: data, methods: [GET], path: /data, upstream: app, require: data:read }
        """.formatted(upstream.url());
    var config = ConfigLoader.parse(yaml, "routes.yaml", dir, Map.<String, String>of()::get);
    GatewayServer server = GatewayServer.start(vertx, config, 1).await(10, TimeUnit.SECONDS);
    var client = vertx.createHttpClient();
    try {
      int ok = client.request(GET, server.port(), "127.0.0.1", "/data")
          .compose(req -> req.putHeader("Authorization", "Bearer " + a.mint(good())).send())
          .map(r -> r.statusCode()).await(10, TimeUnit.SECONDS);
      assertEquals(200, ok);
      int forged = client.request(GET, server.port(), "127.0.0.1", "/data")
          .compose(req -> req.putHeader("Authorization", "Bearer " + a.mint(good(), "ec-1")).send())
          .map(r -> r.statusCode()).await(10, TimeUnit.SECONDS);
      assertEquals(401, forged, "ES256 is not allowed for this issuer (default RS256 only)");
    } finally {
      client.close().await(5, TimeUnit.SECONDS);
      server.stop().await(5, TimeUnit.SECONDS);
    }
    gateway = GatewayFixture.start(vertx, ROUTES, Map.of("A_JWKS", a.jwksUri(), "B_JWKS", b.jwksUri(), "UPSTREAM", upstream.url()));
  }
}
