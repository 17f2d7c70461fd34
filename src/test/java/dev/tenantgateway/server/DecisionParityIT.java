package dev.tenantgateway.server;

import dev.tenantgateway.support.GatewayFixture;
import dev.tenantgateway.support.GatewayFixture.Response;
import dev.tenantgateway.support.RecordingUpstream;
import dev.tenantgateway.support.TestIssuer;
import io.vertx.core.MultiMap;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The promise of {@code /_gateway/me} and {@code explain}: they decide as enforcement does. The same requests go
 * through the proxy, through {@code explain} (the pipeline with a recorder) and, for the caller's side, through
 * {@code /_gateway/me}; their decisions must be the same, revocation and tenant selection included.
 */
@ExtendWith(VertxExtension.class)
class DecisionParityIT {

  private static final String ROUTES = """
      listener: { host: 127.0.0.1, port: 0 }
      issuers:
        - id: idp
          issuer: https://idp.test/
          jwks_uri: ${JWKS}
          claims:
            memberships: { tenant_map: orgs, roles: roles }
      roles:
        admin: ["projects:*"]
        viewer: [projects:read]
      tenancy: { header: X-Active-Tenant }
      headers: { tenant: X-Org }
      upstreams:
        app: { url: "${UPSTREAM}" }
      routes:
        - { id: list, methods: [GET], path: /projects, upstream: app, require: projects:read }
        - { id: delete, methods: [DELETE], path: "/projects/{id}", upstream: app, require: projects:delete }
        - { id: org-list, methods: [GET], path: "/orgs/{tenant}/projects", upstream: app, require: projects:read }
        - { id: limited, methods: [GET], path: /reports, upstream: app, require: projects:read,
            rate_limit: { requests: 1000, per: 1m } }
        - { id: health, methods: [GET], path: /health, upstream: app, public: true }
      """;

  static TestIssuer issuer;
  static GatewayFixture gateway;
  static final Map<String, String> TOKENS = new java.util.HashMap<>();

  @BeforeAll
  static void start(Vertx vertx) throws Exception {
    issuer = new TestIssuer("https://idp.test/").start(vertx);
    RecordingUpstream upstream = new RecordingUpstream().start(vertx);
    gateway = GatewayFixture.start(vertx, ROUTES, Map.of("JWKS", issuer.jwksUri(), "UPSTREAM", upstream.url()));
    TOKENS.put("admin-of-acme", token("ann", new JsonObject().put("acme", new JsonObject().put("roles", new JsonArray().add("admin")))));
    TOKENS.put("viewer-of-two", token("vic", new JsonObject()
        .put("acme", new JsonObject().put("roles", new JsonArray().add("viewer")))
        .put("globex", new JsonObject().put("roles", new JsonArray().add("admin")))));
    TOKENS.put("revoked", token("rex", new JsonObject().put("acme", new JsonObject().put("roles", new JsonArray().add("admin")))));
    TOKENS.put("garbage", "not.a.token");
    TOKENS.put("none", null);
    gateway.server().state().revocations().revokeUser("rex", System.currentTimeMillis() / 1000 + 1).await();
  }

  @AfterAll
  static void stop() throws Exception {
    gateway.close();
  }

  private static String token(String sub, JsonObject orgs) {
    return issuer.mint(issuer.claims(sub).put("orgs", orgs));
  }

  /** method, path, token name, the X-Active-Tenant header (or null). */
  static Stream<Arguments> requests() {
    List<Arguments> all = new ArrayList<>();
    for (String token : List.of("admin-of-acme", "viewer-of-two", "revoked", "garbage", "none")) {
      for (String tenant : new String[] {"acme", "globex", "initech", null}) {
        all.add(Arguments.of("GET", "/projects", token, tenant));
        all.add(Arguments.of("DELETE", "/projects/7", token, tenant));
        all.add(Arguments.of("GET", "/reports", token, tenant));
      }
      all.add(Arguments.of("GET", "/orgs/acme/projects", token, null));
      all.add(Arguments.of("GET", "/orgs/globex/projects", token, "acme"));
      all.add(Arguments.of("GET", "/health", token, null));
      all.add(Arguments.of("GET", "/nowhere", token, null));
    }
    return all.stream();
  }

  @ParameterizedTest(name = "{0} {1} as {2} in {3}")
  @MethodSource("requests")
  void proxyExplainAndIntrospectionDecideAlike(String method, String path, String tokenName, String tenant)
      throws Exception {
    String token = TOKENS.get(tokenName);
    String[] headers = tenant == null ? new String[0] : new String[] {"X-Active-Tenant", tenant};
    Response proxied = gateway.send(HttpMethod.valueOf(method), path, token, headers);
    String enforced = proxied.status() == 200 ? "allowed" : proxied.status() + " " + proxied.code();

    MultiMap explainHeaders = MultiMap.caseInsensitiveMultiMap().add("Host", "gateway");
    if (tenant != null) {
      explainHeaders.add("X-Active-Tenant", tenant);
    }
    Explainer.Explanation explanation = Explainer.explain(gateway.server().snapshot(), HttpMethod.valueOf(method),
        path, explainHeaders, token).await();
    String explained = explanation.allowed() ? "allowed"
        : explanation.denial().status() + " " + explanation.denial().code();
    assertEquals(enforced, explained, "explain " + explanation.steps());

    // The caller's own view: for a route that needs a token, /_gateway/me in the same tenant must grant exactly when
    // enforcement does (or refuse the caller with the same code before permissions).
    if (path.equals("/health") || path.equals("/nowhere")) {
      return;
    }
    String requested = path.startsWith("/orgs/") ? path.split("/")[2] : null;
    Response me = gateway.send(HttpMethod.GET, "/_gateway/me" + (requested == null ? "" : "?tenant=" + requested),
        token, headers);
    String required = method.equals("DELETE") ? "projects:delete" : "projects:read";
    String introspected;
    if (me.status() != 200) {
      introspected = me.status() + " " + me.code();
    } else if (me.json().getString("tenant") == null) {
      introspected = "403 tenant_required";
    } else if (grants(me.json().getJsonArray("permissions"), required)) {
      introspected = enforced.equals("401 token_revoked") ? enforced : "allowed"; // me stops before state
    } else {
      introspected = "403 permission_denied";
    }
    assertEquals(enforced, introspected, "/_gateway/me " + me.status() + " " + me.body());
  }

  /** On a public route every stage that concerns the caller is skipped, and explain says so for each of them. */
  @Test
  void explainSaysWhichStagesAPublicRouteSkips() {
    MultiMap headers = MultiMap.caseInsensitiveMultiMap().add("Host", "gateway");
    Explainer.Explanation explanation = Explainer.explain(gateway.server().snapshot(), HttpMethod.GET, "/health",
        headers, TOKENS.values().iterator().next()).await();
    assertTrue(explanation.allowed(), explanation.steps().toString());
    List<String> skipped = explanation.steps().stream()
        .filter(step -> step.outcome().equals("skipped: the route is public"))
        .map(step -> step.stage().replaceAll("^\\d+ ", "")).toList();
    assertEquals(List.of("authenticate", "tenant", "permissions", "state", "authorize"), skipped,
        explanation.steps().toString());
  }

  private static boolean grants(JsonArray permissions, String required) {
    for (Object granted : permissions) {
      String g = (String) granted;
      if (g.equals(required) || g.endsWith("*") && required.startsWith(g.substring(0, g.length() - 1))) {
        return true;
      }
    }
    return false;
  }
}
