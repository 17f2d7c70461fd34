package dev.tenantgateway.cors;

import dev.tenantgateway.server.GatewayServer;
import dev.tenantgateway.support.LogCapture;
import dev.tenantgateway.server.Explainer;
import dev.tenantgateway.support.GatewayFixture;
import dev.tenantgateway.support.GatewayFixture.Response;
import dev.tenantgateway.support.RecordingUpstream;
import dev.tenantgateway.support.TestIssuer;
import io.vertx.core.MultiMap;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.junit5.VertxExtension;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static io.vertx.core.http.HttpMethod.DELETE;
import static io.vertx.core.http.HttpMethod.GET;
import static io.vertx.core.http.HttpMethod.OPTIONS;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * CORS end to end through real sockets: preflights answered (or refused) by the gateway and never forwarded, the
 * headers of forwarded and refused responses, the per-route override, the tenant-bound origin pattern, and a reload
 * that changes the policy.
 */
@ExtendWith(VertxExtension.class)
class CorsIT {

  static final String APP = "https://app.example.com";
  static final String EVIL = "https://evil.example.net";
  static final String REPORTS = "https://reports.example.com";

  static final String ROUTES = """
      listener: { host: 127.0.0.1, port: 0, realm: test }
      admin: { host: 127.0.0.1, port: 0, reload_interval: 0s }
      issuers:
        - id: idp
          issuer: https://idp.test/
          jwks_uri: ${JWKS_URI}
          audiences: [gateway]
          claims: { tenant: org_code, roles: roles }
      roles:
        admin: ["projects:*"]
        viewer: [projects:read]
      upstreams:
        app: { url: "${UPSTREAM_URL}" }
      cors:
        allow_origins: ["https://app.example.com", "https://{tenant}.tenants.example.com"]
        tenant_origin: true
        allow_methods: [GET, POST, DELETE]
        allow_headers: [Authorization, Content-Type, X-Active-Tenant]
        expose_headers: [X-Request-Id]
        max_age: 10m
      routes:
        - id: list-projects
          methods: [GET]
          path: /projects
          upstream: app
          require: projects:read
        - id: delete-project
          methods: [DELETE]
          path: /projects/{id}
          upstream: app
          require: projects:delete
        - id: feed
          methods: [GET, POST]
          path: /feed
          upstream: app
          require: projects:read
          cors: { allow_methods: [GET] }
        - id: reports
          methods: [GET]
          path: /reports
          upstream: app
          require: projects:read
          cors: { allow_origins: ["https://reports.example.com"], allow_credentials: true, max_age: 1m }
        - id: internal
          methods: [GET]
          path: /internal
          upstream: app
          require: []
          cors: false
        - id: legacy
          methods: [GET]
          path: /upstream-cors
          upstream: app
          require: projects:read
        - id: public-status
          methods: [GET]
          path: /public/status
          upstream: app
          public: true
      """;

  static TestIssuer idp;
  static RecordingUpstream upstream;
  static GatewayFixture gateway;

  @BeforeAll
  static void start(Vertx vertx) throws Exception {
    idp = new TestIssuer("https://idp.test/").start(vertx);
    upstream = new RecordingUpstream().start(vertx);
    gateway = GatewayFixture.start(vertx, ROUTES, Map.of("JWKS_URI", idp.jwksUri(), "UPSTREAM_URL", upstream.url()));
  }

  @AfterAll
  static void stop() throws Exception {
    gateway.close();
    idp.stop().await(10, TimeUnit.SECONDS);
    upstream.stop().await(10, TimeUnit.SECONDS);
  }

  @BeforeEach
  void clear() {
    upstream.clear();
  }

  static String token(String org, String role) {
    return idp.mint(idp.claims("sarah").put("org_code", org).put("roles", new JsonArray().add(role)));
  }

  static Response preflight(GatewayFixture gateway, String path, String origin, String method, String headers)
      throws Exception {
    return headers == null
        ? gateway.send(OPTIONS, path, null, "Origin", origin, "Access-Control-Request-Method", method)
        : gateway.send(OPTIONS, path, null, "Origin", origin, "Access-Control-Request-Method", method,
            "Access-Control-Request-Headers", headers);
  }

  static List<String> vary(Response response) {
    return response.headers().getAll("Vary").stream().flatMap(v -> List.of(v.split(",")).stream())
        .map(String::trim).toList();
  }

  // ---------------------------------------------------------------------------------------------------------------
  // Preflight

  @Test
  void anAllowedPreflightIsAnsweredByTheGatewayAndNeverForwarded() throws Exception {
    Response response = preflight(gateway, "/projects", APP, "GET", "authorization, content-type");
    assertEquals(204, response.status());
    assertEquals(APP, response.header("Access-Control-Allow-Origin"));
    assertEquals("DELETE, GET, POST", response.header("Access-Control-Allow-Methods"));
    assertEquals("Authorization, Content-Type, X-Active-Tenant", response.header("Access-Control-Allow-Headers"));
    assertEquals("600", response.header("Access-Control-Max-Age"));
    assertNull(response.header("Access-Control-Allow-Credentials"));
    assertTrue(vary(response).containsAll(List.of("Origin", "Access-Control-Request-Method",
        "Access-Control-Request-Headers")), response.headers().toString());
    assertEquals(0, response.body().length());
    assertTrue(upstream.received().isEmpty(), "a preflight never reaches the upstream");
  }

  @Test
  void aPreflightMatchesTheRouteOfTheMethodItAsksFor() throws Exception {
    // DELETE /projects/{id} needs a token for the real request; its preflight carries none and is answered
    Response response = preflight(gateway, "/projects/42", APP, "DELETE", "authorization");
    assertEquals(204, response.status());
    assertEquals(APP, response.header("Access-Control-Allow-Origin"));
    assertTrue(upstream.received().isEmpty());
  }

  @Test
  void aPreflightFromAnOriginNotAllowedIsRefusedWithoutCorsHeaders() throws Exception {
    Response response = preflight(gateway, "/projects", EVIL, "GET", "authorization");
    assertEquals(403, response.status());
    assertEquals("cors_refused", response.code());
    assertNull(response.header("Access-Control-Allow-Origin"), "never a reflected origin");
    assertNull(response.header("Access-Control-Allow-Methods"));
    assertTrue(upstream.received().isEmpty());
  }

  @Test
  void aPreflightAskingForAMethodOrHeaderNotAllowedIsRefused() throws Exception {
    Response method = preflight(gateway, "/feed", APP, "POST", null);
    assertEquals(403, method.status());
    assertEquals("cors_refused", method.code());
    assertTrue(method.json().getString("detail").contains("POST"), method.body().toString());

    Response header = preflight(gateway, "/projects", APP, "GET", "authorization, x-debug-secret");
    assertEquals(403, header.status());
    assertEquals("cors_refused", header.code());
    assertTrue(header.json().getString("detail").contains("x-debug-secret"), header.body().toString());
    assertNull(header.header("Access-Control-Allow-Origin"));

    Response feedGet = preflight(gateway, "/feed", APP, "GET", null);
    assertEquals(204, feedGet.status());
    assertEquals("GET", feedGet.header("Access-Control-Allow-Methods"), "the route's allow_methods replaces the top level");
    assertTrue(upstream.received().isEmpty());
  }

  @Test
  void aPreflightForNoRouteIsA404() throws Exception {
    Response response = preflight(gateway, "/nowhere", APP, "GET", null);
    assertEquals(404, response.status());
    assertEquals("route_not_found", response.code());
    assertTrue(upstream.received().isEmpty());
  }

  @Test
  void anOptionsRequestWithoutRequestMethodIsNoPreflight() throws Exception {
    Response response = gateway.send(OPTIONS, "/projects", null, "Origin", APP);
    assertEquals(405, response.status(), "no route takes OPTIONS");
    assertEquals(APP, response.header("Access-Control-Allow-Origin"), "the problem is readable by the app");
    assertTrue(upstream.received().isEmpty());
  }

  // ---------------------------------------------------------------------------------------------------------------
  // Actual requests

  @Test
  void anAllowedOriginReadsTheForwardedResponse() throws Exception {
    Response response = gateway.send(GET, "/projects", token("acme", "viewer"), "Origin", APP);
    assertEquals(200, response.status());
    assertEquals(APP, response.header("Access-Control-Allow-Origin"));
    assertEquals("X-Request-Id", response.header("Access-Control-Expose-Headers"));
    assertNull(response.header("Access-Control-Allow-Credentials"));
    assertTrue(vary(response).contains("Origin"));
    assertEquals(APP, upstream.last().header("Origin"), "the upstream sees the Origin the browser sent");
  }

  @Test
  void anOriginNotAllowedGetsNoCorsHeadersButVary() throws Exception {
    Response response = gateway.send(GET, "/projects", token("acme", "viewer"), "Origin", EVIL);
    assertEquals(200, response.status(), "CORS is enforced by the browser: the request itself is served");
    assertNull(response.header("Access-Control-Allow-Origin"));
    assertNull(response.header("Access-Control-Expose-Headers"));
    assertTrue(vary(response).contains("Origin"), "a cache must not serve this answer to another origin");
  }

  @Test
  void aRequestWithoutOriginGetsNothingAdded() throws Exception {
    Response response = gateway.send(GET, "/projects", token("acme", "viewer"));
    assertEquals(200, response.status());
    assertNull(response.header("Access-Control-Allow-Origin"));
    assertNull(response.header("Vary"));
  }

  @Test
  void theGatewayReplacesTheUpstreamsOwnCorsHeaders() throws Exception {
    Response evil = gateway.send(GET, "/upstream-cors", token("acme", "viewer"), "Origin", EVIL);
    assertEquals(200, evil.status());
    assertEquals("legacy", evil.body().toString());
    assertNull(evil.header("Access-Control-Allow-Origin"), "the upstream's '*' is not passed on");
    assertNull(evil.header("Access-Control-Allow-Credentials"));

    Response app = gateway.send(GET, "/upstream-cors", token("acme", "viewer"), "Origin", APP);
    assertEquals(List.of(APP), app.headers().getAll("Access-Control-Allow-Origin"));
    assertNull(app.header("Access-Control-Allow-Credentials"));
    assertTrue(vary(app).containsAll(List.of("Accept-Encoding", "Origin")), app.headers().toString());
  }

  @Test
  void problemResponsesCarryCorsHeadersSoTheAppCanReadThem() throws Exception {
    Response missing = gateway.send(GET, "/projects", null, "Origin", APP);
    assertEquals(401, missing.status());
    assertEquals("token_missing", missing.code());
    assertEquals(APP, missing.header("Access-Control-Allow-Origin"));
    assertEquals("X-Request-Id", missing.header("Access-Control-Expose-Headers"));
    assertTrue(vary(missing).contains("Origin"));

    Response denied = gateway.send(DELETE, "/projects/7", token("acme", "viewer"), "Origin", APP);
    assertEquals(403, denied.status());
    assertEquals("permission_denied", denied.code());
    assertEquals(APP, denied.header("Access-Control-Allow-Origin"));

    Response notFound = gateway.send(GET, "/nowhere", null, "Origin", APP);
    assertEquals(404, notFound.status());
    assertEquals(APP, notFound.header("Access-Control-Allow-Origin"), "no route: the top-level policy");

    Response evil = gateway.send(GET, "/projects", null, "Origin", EVIL);
    assertEquals(401, evil.status());
    assertNull(evil.header("Access-Control-Allow-Origin"));
    assertTrue(upstream.received().isEmpty());
  }

  @Test
  void publicRoutesAndTheIntrospectionEndpointFollowTheirPolicy() throws Exception {
    Response status = gateway.send(GET, "/public/status", null, "Origin", APP);
    assertEquals(200, status.status());
    assertEquals(APP, status.header("Access-Control-Allow-Origin"));

    Response me = gateway.send(GET, "/_gateway/me", token("acme", "viewer"), "Origin", APP);
    assertEquals(200, me.status());
    assertEquals(APP, me.header("Access-Control-Allow-Origin"));
    assertEquals("acme", me.json().getString("tenant"));

    Response mePreflight = preflight(gateway, "/_gateway/me", APP, "GET", "authorization");
    assertEquals(204, mePreflight.status());
    assertEquals(APP, mePreflight.header("Access-Control-Allow-Origin"));
  }

  // ---------------------------------------------------------------------------------------------------------------
  // Per-route policy

  @Test
  void aRoutesOwnPolicyReplacesTheTopLevelKeysItGives() throws Exception {
    Response reports = gateway.send(GET, "/reports", token("acme", "viewer"), "Origin", REPORTS);
    assertEquals(200, reports.status());
    assertEquals(REPORTS, reports.header("Access-Control-Allow-Origin"));
    assertEquals("true", reports.header("Access-Control-Allow-Credentials"));
    assertEquals("X-Request-Id", reports.header("Access-Control-Expose-Headers"), "inherited from the top level");

    Response app = gateway.send(GET, "/reports", token("acme", "viewer"), "Origin", APP);
    assertEquals(200, app.status());
    assertNull(app.header("Access-Control-Allow-Origin"), "the route's allow_origins replaces the top-level list");

    Response preflight = preflight(gateway, "/reports", REPORTS, "GET", "authorization");
    assertEquals(204, preflight.status());
    assertEquals("true", preflight.header("Access-Control-Allow-Credentials"));
    assertEquals("60", preflight.header("Access-Control-Max-Age"));
    assertEquals("DELETE, GET, POST", preflight.header("Access-Control-Allow-Methods"), "inherited from the top level");
    assertEquals(403, preflight(gateway, "/reports", APP, "GET", null).status());
  }

  @Test
  void aRouteWithCorsOffRefusesPreflightsAndAddsNothing() throws Exception {
    Response preflight = preflight(gateway, "/internal", APP, "GET", null);
    assertEquals(403, preflight.status());
    assertEquals("cors_refused", preflight.code());

    Response actual = gateway.send(GET, "/internal", token("acme", "viewer"), "Origin", APP);
    assertEquals(200, actual.status());
    assertNull(actual.header("Access-Control-Allow-Origin"));
    assertEquals(1, upstream.received().size(), "only the actual request was forwarded");
  }

  // ---------------------------------------------------------------------------------------------------------------
  // Origins bound to the tenant

  @Test
  void aTenantOriginActsOnlyInItsOwnTenant() throws Exception {
    String acmeOrigin = "https://acme.tenants.example.com";
    Response own = gateway.send(GET, "/projects", token("acme", "viewer"), "Origin", acmeOrigin);
    assertEquals(200, own.status());
    assertEquals(acmeOrigin, own.header("Access-Control-Allow-Origin"));
    assertEquals("acme", upstream.last().header("X-Tenant-Id"));

    upstream.clear();
    Response other = gateway.send(GET, "/projects", token("globex", "admin"), "Origin", acmeOrigin);
    assertEquals(403, other.status());
    assertEquals("cors_tenant_mismatch", other.code());
    assertNull(other.header("Access-Control-Allow-Origin"), "acme's page may not read globex's answers");
    assertTrue(vary(other).contains("Origin"));
    assertTrue(upstream.received().isEmpty(), "refused before anything is forwarded");

    // before the tenant is known the pattern alone decides: the preflight and a 401 are readable
    assertEquals(204, preflight(gateway, "/projects", "https://globex.tenants.example.com", "GET", "authorization")
        .status());
    Response unauthenticated = gateway.send(GET, "/projects", null, "Origin", acmeOrigin);
    assertEquals(401, unauthenticated.status());
    assertEquals(acmeOrigin, unauthenticated.header("Access-Control-Allow-Origin"));

    // an exact origin is not bound to any tenant
    assertEquals(200, gateway.send(GET, "/projects", token("globex", "admin"), "Origin", APP).status());
    // a pattern only stands for one DNS label
    Response nested = gateway.send(GET, "/projects", token("acme", "viewer"), "Origin",
        "https://x.acme.tenants.example.com");
    assertNull(nested.header("Access-Control-Allow-Origin"));
  }

  // ---------------------------------------------------------------------------------------------------------------
  // explain decides as enforcement does

  @Test
  void explainShowsTheCorsDecisionsEnforcementMakes() throws Exception {
    MultiMap preflight = MultiMap.caseInsensitiveMultiMap().add("Host", "api.example.com").add("Origin", APP)
        .add("Access-Control-Request-Method", "DELETE");
    Explainer.Explanation allowed = Explainer.explain(gateway.server().snapshot(), OPTIONS, "/projects/42",
        preflight, null).await(10, TimeUnit.SECONDS);
    assertTrue(allowed.allowed(), allowed.steps().toString());
    assertEquals(List.of("1 normalize", "2 match", "2b cors", "8 answer"),
        allowed.steps().stream().map(Explainer.Step::stage).toList(), "nothing after the preflight is decided");

    Explainer.Explanation refused = Explainer.explain(gateway.server().snapshot(), OPTIONS, "/projects/42",
        MultiMap.caseInsensitiveMultiMap().addAll(preflight).set("Origin", EVIL), null).await(10, TimeUnit.SECONDS);
    Response enforced = preflight(gateway, "/projects/42", EVIL, "DELETE", null);
    assertEquals(enforced.code(), refused.denial().code());
    assertNull(enforced.header("WWW-Authenticate"), "a CORS refusal is not about the token");

    String acmeOrigin = "https://acme.tenants.example.com";
    Explainer.Explanation mismatch = Explainer.explain(gateway.server().snapshot(), GET, "/projects",
        MultiMap.caseInsensitiveMultiMap().add("Host", "api.example.com").add("Origin", acmeOrigin),
        token("globex", "admin"))
        .await(10, TimeUnit.SECONDS);
    assertEquals("cors_tenant_mismatch", mismatch.denial().code());
    assertEquals("4b origin", mismatch.steps().get(mismatch.steps().size() - 1).stage());
    assertEquals("cors_tenant_mismatch", gateway.send(GET, "/projects", token("globex", "admin"), "Origin", acmeOrigin)
        .code());
  }

  // ---------------------------------------------------------------------------------------------------------------
  // Reload

  @Test
  void aReloadAppliesCorsChanges(Vertx vertx, @TempDir Path dir) throws Exception {
    String yaml = ROUTES.replace("${JWKS_URI}", idp.jwksUri()).replace("${UPSTREAM_URL}", upstream.url());
    Path file = dir.resolve("routes.yaml");
    Files.writeString(file, yaml);
    try (GatewayFixture reloading = GatewayFixture.start(vertx, yaml, Map.of(), file)) {
      String newApp = "https://new-app.example.com";
      assertEquals(403, preflight(reloading, "/projects", newApp, "GET", null).status());
      assertEquals(APP, reloading.send(GET, "/projects", null, "Origin", APP).header("Access-Control-Allow-Origin"));

      Files.writeString(file, yaml.replace("\"https://app.example.com\"", "\"" + newApp + "\"")
          .replace("max_age: 10m", "max_age: 5m"));
      reloading.server().reload().await(10, TimeUnit.SECONDS);

      Response allowed = preflight(reloading, "/projects", newApp, "GET", null);
      assertEquals(204, allowed.status());
      assertEquals("300", allowed.header("Access-Control-Max-Age"));
      assertEquals(403, preflight(reloading, "/projects", APP, "GET", null).status(), "the old origin is gone");
      assertNull(reloading.send(GET, "/projects", null, "Origin", APP).header("Access-Control-Allow-Origin"));

      Files.writeString(file, yaml.replace("\"https://app.example.com\", \"https://{tenant}.tenants.example.com\"", "\"*\"")
          .replace("tenant_origin: true", "allow_credentials: true"));
      try (LogCapture log = LogCapture.of(GatewayServer.class)) {
        Exception refused = assertThrows(Exception.class,
            () -> reloading.server().reload().await(10, TimeUnit.SECONDS));
        assertTrue(refused.getMessage().contains("routes.yaml:15:3: cors.allow_origins: allow_origins '*' with "
            + "allow_credentials: true"), refused.getMessage());
        assertTrue(log.messages(java.util.logging.Level.SEVERE).stream()
            .anyMatch(m -> m.contains("reload refused") && m.contains("allow_origins '*'")), "the refusal is logged");
      }
      // the last good configuration stays
      assertEquals(204, preflight(reloading, "/projects", newApp, "GET", null).status());
      assertEquals(403, preflight(reloading, "/projects", EVIL, "GET", null).status());
    }
  }
}
