package dev.tenantgateway.tenant;

import dev.tenantgateway.support.GatewayFixture;
import dev.tenantgateway.support.GatewayFixture.Response;
import dev.tenantgateway.support.RecordingUpstream;
import dev.tenantgateway.support.RecordingUpstream.Received;
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

import java.util.List;
import java.util.Map;

import static io.vertx.core.http.HttpMethod.DELETE;
import static io.vertx.core.http.HttpMethod.GET;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The tenancy options through a running gateway: role templates per issuer, roles declared global, shapes chosen by
 * a condition, the authorized-party allowlist, values with spaces and commas in the trusted headers, and acting in
 * the only membership a token lists.
 */
@ExtendWith(VertxExtension.class)
class TenancyOptionsIT {

  static final String ROUTES = """
      listener: { host: 127.0.0.1, port: 0 }
      issuers:
        - { id: own, issuer: "https://own.test/", jwks_uri: "${JWKS}", profile: workos,
            roles_template: { admin: ["billing:*"] } }
        - { id: bare, issuer: "https://bare.test/", jwks_uri: "${JWKS}", profile: workos, roles_template: none }
        - id: global
          issuer: https://global.test/
          jwks_uri: ${JWKS}
          claims:
            memberships: { tenants: orgs }
            roles: { claim: platform_roles, global: true }
            permissions: []
        - id: azp
          issuer: https://azp.test/
          jwks_uri: ${JWKS}
          authorized_parties: [web-app]
          claims: { tenant: org, roles: roles }
        - id: shapes
          issuer: https://shapes.test/
          jwks_uri: ${JWKS}
          claims: { permissions: { first: [permissions, scope] } }
          shapes:
            - when: { claim: gty, equals: client-credentials }
              claims: { user: azp, tenant: org_id }
            - when: { claim: org_id, present: true }
              claims: { tenant: org_id, roles: roles }
            - claims: { memberships: { tenant_map: orgs } }
        - id: spaces
          issuer: https://spaces.test/
          jwks_uri: ${JWKS}
          claims:
            tenant: org
            roles: roles
            permissions: { claim: scope, keep_prefix: "https://api.example.com/", strip_prefix: "https://api.example.com/", add_prefix: "api:" }
        - id: kcid
          issuer: https://kcid.test/
          jwks_uri: ${JWKS}
          profile: keycloak
          claims:
            memberships:
              tenants: organization
              id: id
              tenant_roles: { pairs: groups, pattern: "^/(?<tenant>[^/]+)/(?<role>[^/]+)$" }
        - id: single
          issuer: https://single.test/
          jwks_uri: ${JWKS}
          claims: { tenant: { claim: organization }, roles: roles }
      roles:
        admin: ["projects:*"]
        viewer: [projects:read]
        "Tenant Admin": ["projects:*"]
      tenancy:
        default_to_single_membership: true
      upstreams:
        app: { url: "${UPSTREAM}" }
      routes:
        - { id: list, methods: [GET], path: /projects, upstream: app, require: projects:read }
        - { id: delete, methods: [DELETE], path: "/projects/{id}", upstream: app, require: projects:delete }
        - { id: invoices, methods: [GET], path: /invoices, upstream: app, require: "api:invoices.read" }
        - { id: billing, methods: [GET], path: /billing, upstream: app, require: billing:read }
      """;

  static TestIssuer keys;
  static RecordingUpstream upstream;
  static GatewayFixture gateway;

  @BeforeAll
  static void start(Vertx vertx) throws Exception {
    keys = new TestIssuer("unused").start(vertx);
    upstream = new RecordingUpstream().start(vertx);
    gateway = GatewayFixture.start(vertx, ROUTES, Map.of("JWKS", keys.jwksUri(), "UPSTREAM", upstream.url()));
  }

  @AfterAll
  static void stop() throws Exception {
    gateway.close();
  }

  @BeforeEach
  void clear() {
    upstream.clear();
  }

  static String token(String issuer, JsonObject claims) {
    long now = System.currentTimeMillis() / 1000;
    return keys.mint(new JsonObject().put("iss", "https://" + issuer + ".test/").put("sub", "sarah")
        .put("iat", now).put("exp", now + 600).mergeIn(claims));
  }

  static JsonArray array(String... values) {
    return new JsonArray(List.of((Object[]) values));
  }

  @Test
  void anIssuersOwnTemplateReplacesTheGlobalOne() throws Exception {
    String own = token("own", new JsonObject().put("org_id", "acme").put("role", "admin"));
    assertEquals(200, gateway.send(GET, "/billing", own).status());
    assertEquals("billing:*", upstream.last().header("X-User-Permissions"));
    Response projects = gateway.send(GET, "/projects", own);
    assertEquals(403, projects.status(), "the global template's admin does not apply to this issuer");
    assertEquals("permission_denied", projects.code());
  }

  @Test
  void noTemplateMeansOnlyTheTokensPermissions() throws Exception {
    String bare = token("bare", new JsonObject().put("org_id", "acme").put("role", "admin")
        .put("permissions", array("projects:read")));
    assertEquals(200, gateway.send(GET, "/projects", bare).status());
    assertEquals("admin", upstream.last().header("X-User-Roles"));
    assertEquals("projects:read", upstream.last().header("X-User-Permissions"));
    assertEquals(403, gateway.send(DELETE, "/projects/1", bare).status(), "admin grants nothing without a template");
  }

  @Test
  void rolesDeclaredGlobalCountInEveryMemberTenantAndOnlyThere() throws Exception {
    String token = token("global", new JsonObject().put("orgs", array("acme", "startup"))
        .put("platform_roles", array("viewer")));
    for (String tenant : List.of("acme", "startup")) {
      assertEquals(200, gateway.send(GET, "/projects", token, "X-Active-Tenant", tenant).status());
      assertEquals(tenant, upstream.last().header("X-Tenant-Id"));
      assertEquals("viewer", upstream.last().header("X-User-Roles"));
    }
    assertEquals("tenant_forbidden", gateway.send(GET, "/projects", token, "X-Active-Tenant", "globex").code());
  }

  @Test
  void theOnlyMembershipIsTheTenantWhenNoneIsChosen() throws Exception {
    String one = token("global", new JsonObject().put("orgs", array("acme")).put("platform_roles", array("viewer")));
    assertEquals(200, gateway.send(GET, "/projects", one).status());
    assertEquals("acme", upstream.last().header("X-Tenant-Id"));
    String two = token("global", new JsonObject().put("orgs", array("acme", "startup")).put("platform_roles", array("viewer")));
    Response response = gateway.send(GET, "/projects", two);
    assertEquals(403, response.status());
    assertEquals("tenant_required", response.code());
    assertTrue(response.json().getString("detail").contains("X-Active-Tenant"), response.body().toString());
  }

  @Test
  void onlyTheAuthorizedPartiesTokensAreAccepted() throws Exception {
    String web = token("azp", new JsonObject().put("azp", "web-app").put("org", "acme").put("roles", array("viewer")));
    assertEquals(200, gateway.send(GET, "/projects", web).status());
    String rfc9068 = token("azp", new JsonObject().put("client_id", "web-app").put("org", "acme").put("roles", array("viewer")));
    assertEquals(200, gateway.send(GET, "/projects", rfc9068).status(), "client_id stands in for a missing azp");
    upstream.clear();
    for (JsonObject claims : List.of(new JsonObject().put("azp", "other-app"), new JsonObject())) {
      String other = token("azp", claims.put("org", "acme").put("roles", array("viewer")));
      Response refused = gateway.send(GET, "/projects", other);
      assertEquals(401, refused.status());
      assertEquals("token_invalid", refused.code());
    }
    assertTrue(upstream.received().isEmpty());
  }

  @Test
  void theFirstShapeWhoseConditionHoldsMapsTheToken() throws Exception {
    String machine = token("shapes", new JsonObject().put("gty", "client-credentials").put("azp", "billing-job")
        .put("org_id", "acme").put("scope", "projects:read").put("roles", array("admin")));
    assertEquals(200, gateway.send(GET, "/projects", machine).status());
    Received received = upstream.last();
    assertEquals("billing-job", received.header("X-User-Id"));
    assertEquals("acme", received.header("X-Tenant-Id"));
    assertEquals("", received.header("X-User-Roles"), "the client-credentials shape reads no roles");
    assertEquals("projects:read", received.header("X-User-Permissions"));

    String orgToken = token("shapes", new JsonObject().put("org_id", "acme").put("roles", array("admin"))
        .put("permissions", array("reports:read")).put("scope", "projects:read"));
    assertEquals(200, gateway.send(DELETE, "/projects/1", orgToken).status());
    assertEquals("admin", upstream.last().header("X-User-Roles"));
    assertEquals("projects:*,reports:read", upstream.last().header("X-User-Permissions"),
        "permissions came from the first present path, not scope");

    String userToken = token("shapes", new JsonObject().put("orgs", new JsonObject()
        .put("acme", new JsonObject().put("roles", array("viewer")))
        .put("startup", new JsonObject().put("roles", array("admin")))));
    assertEquals(200, gateway.send(GET, "/projects", userToken, "X-Active-Tenant", "acme").status());
    assertEquals("viewer", upstream.last().header("X-User-Roles"));
    assertEquals(403, gateway.send(DELETE, "/projects/1", userToken, "X-Active-Tenant", "acme").status());
  }

  @Test
  void theTenantIdMayComeFromAFieldOfTheEntryWhileGroupsNameTheAlias() throws Exception {
    String token = token("kcid", new JsonObject().put("typ", "Bearer")
        .put("organization", new JsonObject().put("acme", new JsonObject().put("id", "7a1c"))
            .put("startup", new JsonObject().put("id", "91fe")))
        .put("groups", array("/acme/admin", "/startup/viewer")));
    assertEquals(200, gateway.send(DELETE, "/projects/1", token, "X-Active-Tenant", "7a1c").status());
    assertEquals("7a1c", upstream.last().header("X-Tenant-Id"));
    assertEquals("admin", upstream.last().header("X-User-Roles"));
    assertEquals(403, gateway.send(DELETE, "/projects/1", token, "X-Active-Tenant", "91fe").status());
    assertEquals("tenant_forbidden", gateway.send(GET, "/projects", token, "X-Active-Tenant", "acme").code(),
        "the tenant is known by its id now");
  }

  @Test
  void aMapWithOneKeyNamesTheTenant() throws Exception {
    String one = token("single", new JsonObject().put("organization", new JsonObject().put("acme", new JsonObject()))
        .put("roles", array("viewer")));
    assertEquals(200, gateway.send(GET, "/projects", one).status());
    assertEquals("acme", upstream.last().header("X-Tenant-Id"));
    assertEquals("tenant_mismatch", gateway.send(GET, "/projects", one, "X-Active-Tenant", "startup").code());
    String two = token("single", new JsonObject().put("organization", new JsonObject().put("acme", new JsonObject())
        .put("startup", new JsonObject())).put("roles", array("viewer")));
    Response response = gateway.send(GET, "/projects", two);
    assertEquals(403, response.status());
    assertEquals("tenant_required", response.code());
  }

  @Test
  void rolesWithSpacesAndCommasTravelAsRfc8941Strings() throws Exception {
    String token = token("spaces", new JsonObject().put("org", "acme")
        .put("roles", array("Tenant Admin", "a,b", "say \"hi\"", "2fa", "caf\u00e9", "viewer"))
        .put("scope", "openid https://api.example.com/invoices.read https://other.example.com/x"));
    assertEquals(200, gateway.send(DELETE, "/projects/1", token).status(), "a role with a space is a role");
    Received received = upstream.last();
    assertEquals("\"2fa\",\"Tenant Admin\",\"a,b\",\"say \\\"hi\\\"\",viewer", received.header("X-User-Roles"),
        "non-ASCII is dropped; everything else is one list member each");
    assertEquals(200, gateway.send(GET, "/invoices", token).status());
    assertEquals("api:invoices.read,projects:*,projects:read", upstream.last().header("X-User-Permissions"),
        "scope kept by prefix, the prefix stripped and another added; openid dropped");
    JsonObject me = gateway.send(GET, "/_gateway/me", token).json();
    assertEquals(List.of("2fa", "Tenant Admin", "a,b", "say \"hi\"", "viewer"), me.getJsonArray("roles").getList());
  }
}
