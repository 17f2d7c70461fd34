package dev.tenantgateway.state;

import dev.tenantgateway.support.GatewayFixture;
import dev.tenantgateway.support.RecordingUpstream;
import dev.tenantgateway.support.TestIssuer;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

import static io.vertx.core.http.HttpMethod.GET;
import static org.junit.jupiter.api.Assertions.assertEquals;

/** The embedded default: the same revocation, membership and rate-limit behaviour with state in memory. */
@ExtendWith(VertxExtension.class)
class MemoryStateIT {

  static final String ROUTES = """
      listener: { host: 127.0.0.1, port: 0 }
      admin: { host: 127.0.0.1, port: 0, api_token: s3cret }
      issuers:
        - { id: idp, issuer: "https://idp.test/", jwks_uri: "${JWKS}", audiences: [gateway], claims: { tenant: org_code, roles: roles } }
        - { id: bare, issuer: "https://bare.test/", jwks_uri: "${JWKS}", claims: { memberships: { store: true } } }
      roles:
        viewer: [projects:read]
      upstreams:
        app: { url: "${UPSTREAM}" }
      routes:
        - { id: list, methods: [GET], path: /projects, upstream: app, require: projects:read }
        - { id: limited, methods: [GET], path: /limited, upstream: app, require: projects:read, rate_limit: { requests: 3, per: 1m, by: user } }
      """;

  static TestIssuer idp;
  static GatewayFixture gateway;

  @BeforeAll
  static void start(Vertx vertx) throws Exception {
    idp = new TestIssuer("https://idp.test/").start(vertx);
    RecordingUpstream upstream = new RecordingUpstream().start(vertx);
    gateway = GatewayFixture.start(vertx, ROUTES, Map.of("JWKS", idp.jwksUri(), "UPSTREAM", upstream.url()));
  }

  @AfterAll
  static void stop() throws Exception {
    gateway.close();
  }

  /** The admin API through the JDK's own HTTP client: an independent client, blocking on the test thread only. */
  static int adminCall(HttpMethod method, String path, JsonObject body, String token) throws Exception {
    return adminExchange(method, path, body, token).statusCode();
  }

  static java.net.http.HttpResponse<String> adminExchange(HttpMethod method, String path, JsonObject body,
                                                           String token) throws Exception {
    java.net.http.HttpRequest.Builder request = java.net.http.HttpRequest.newBuilder(
            java.net.URI.create("http://127.0.0.1:" + gateway.server().adminPort() + path))
        .timeout(java.time.Duration.ofSeconds(5))
        .method(method.name(), body == null ? java.net.http.HttpRequest.BodyPublishers.noBody()
            : java.net.http.HttpRequest.BodyPublishers.ofString(body.encode()))
        .header("Content-Type", "application/json");
    if (token != null) {
      request.header("Authorization", "Bearer " + token);
    }
    return JDK_CLIENT.send(request.build(), java.net.http.HttpResponse.BodyHandlers.ofString());
  }

  static final java.net.http.HttpClient JDK_CLIENT = java.net.http.HttpClient.newHttpClient();

  @Test
  void theStateApiNeedsTheAdminToken() throws Exception {
    assertEquals(401, adminCall(HttpMethod.POST, "/state/revocations", new JsonObject().put("user", "x"), null));
    assertEquals(401, adminCall(HttpMethod.POST, "/state/revocations", new JsonObject().put("user", "x"), "wrong"));
  }

  /** The admin API answers like the gateway: a problem body with a stable code, never an exception's message. */
  @Test
  void theStateApiRefusesWithProblemBodies() throws Exception {
    var refused = adminExchange(HttpMethod.POST, "/state/revocations", new JsonObject().put("colour", "red"), "s3cret");
    assertEquals(400, refused.statusCode());
    assertEquals("application/problem+json", refused.headers().firstValue("Content-Type").orElse(""));
    JsonObject problem = new JsonObject(refused.body());
    assertEquals("bad_request", problem.getString("code"));
    assertEquals("name a jti, a user or a tenant", problem.getString("detail"));
    var unauthorized = adminExchange(HttpMethod.POST, "/state/revocations", new JsonObject().put("user", "x"), null);
    assertEquals("unauthorized", new JsonObject(unauthorized.body()).getString("code"));
  }

  @Test
  void revocationInMemory() throws Exception {
    String jti = UUID.randomUUID().toString();
    String token = idp.mint(idp.claims("sarah").put("org_code", "acme").put("roles", new JsonArray().add("viewer")).put("jti", jti));
    assertEquals(200, gateway.send(GET, "/projects", token).status());
    assertEquals(204, adminCall(HttpMethod.POST, "/state/revocations", new JsonObject().put("jti", jti), "s3cret"));
    assertEquals("token_revoked", gateway.send(GET, "/projects", token).code());
    String other = idp.mint(idp.claims("sarah").put("org_code", "acme").put("roles", new JsonArray().add("viewer")));
    assertEquals(200, gateway.send(GET, "/projects", other).status());
    assertEquals(204, adminCall(HttpMethod.POST, "/state/revocations", new JsonObject().put("user", "sarah"), "s3cret"));
    assertEquals(401, gateway.send(GET, "/projects", other).status(), "logout everywhere");
  }

  @Test
  void membershipsInMemory() throws Exception {
    String dave = idp.mint(idp.claims("dave").put("iss", "https://bare.test/"));
    assertEquals("tenant_forbidden", gateway.send(GET, "/projects", dave, "X-Active-Tenant", "acme").code());
    assertEquals(204, adminCall(HttpMethod.PUT, "/state/memberships/dave/acme",
        new JsonObject().put("roles", new JsonArray().add("viewer")), "s3cret"));
    assertEquals(200, gateway.send(GET, "/projects", dave, "X-Active-Tenant", "acme").status());
    assertEquals(204, adminCall(HttpMethod.DELETE, "/state/memberships/dave/acme", null, "s3cret"));
    assertEquals("tenant_forbidden", gateway.send(GET, "/projects", dave, "X-Active-Tenant", "acme").code());
  }

  @Test
  void rateLimitsInMemory() throws Exception {
    String token = idp.mint(idp.claims("erin-" + UUID.randomUUID()).put("org_code", "acme").put("roles", new JsonArray().add("viewer")));
    int allowed = 0;
    for (int i = 0; i < 5; i++) {
      if (gateway.send(GET, "/limited", token).status() == 200) {
        allowed++;
      }
    }
    assertEquals(3, allowed);
    assertEquals("rate_limited", gateway.send(GET, "/limited", token).code());
  }
}
