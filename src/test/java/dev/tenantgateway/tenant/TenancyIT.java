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
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import static io.vertx.core.http.HttpMethod.DELETE;
import static io.vertx.core.http.HttpMethod.GET;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Tenancy through the real gateway for every provider preset, with fixture tokens shaped as each provider documents
 * them, and tenant selection by path, switcher header and subdomain checked against memberships.
 */
@ExtendWith(VertxExtension.class)
class TenancyIT {

  static final List<String> PROFILES = List.of("kinde", "auth0", "logto", "clerk", "workos", "keycloak", "zitadel",
      "entra", "cognito", "userfront", "descope", "propelauth", "frontegg", "supertokens", "firebase");

  static String routes() {
    StringBuilder issuers = new StringBuilder();
    for (String profile : PROFILES) {
      issuers.append("  - { id: ").append(profile).append(", issuer: \"https://").append(profile)
          .append(".test/\", jwks_uri: \"${JWKS}\", profile: ").append(profile).append(" }\n");
    }
    return """
        listener: { host: 127.0.0.1, port: 0 }
        issuers:
        %s  - id: platform
            issuer: https://platform.test/
            jwks_uri: ${JWKS}
            claims:
              memberships: { tenant_map: orgs, roles: roles }
              app_roles: "https://app.example.com/platform_roles"
          - id: auth0-teams
            issuer: https://teams.test/
            jwks_uri: ${JWKS}
            profile: auth0
            claims:
              tenant: []
              memberships: { tenant_map: "https://app.example.com/permissions", roles: role }
        roles:
          admin: ["projects:*", "channels:*"]
          Admin: ["projects:*"]
          viewer: [projects:read, channels:read]
          employee: [channels:read]
          "org:admin": ["projects:*"]
        app_roles:
          support: { permissions: [projects:read], any_tenant: true }
        tenancy:
          header: X-Active-Tenant
          subdomain: "{tenant}.app.example.com"
        upstreams:
          app: { url: "${UPSTREAM}" }
        routes:
          - { id: list, methods: [GET], path: /projects, upstream: app, require: projects:read }
          - { id: delete, methods: [DELETE], path: "/projects/{id}", upstream: app, require: projects:delete }
          - { id: org-list, methods: [GET], path: "/orgs/{tenant}/projects", upstream: app, require: projects:read }
          - id: channel
            methods: [GET]
            path: "/teams/{tenant}/channels/{channel}"
            upstream: app
            require: channels:read
            resource: { param: channel, claim: channels }
          - { id: tickets, methods: [GET], path: /support/tickets, upstream: app, require: tickets:read, app_roles: [support] }
        """.formatted(issuers.toString().replace("  - {", "  - {"));
  }

  static TestIssuer keys;
  static RecordingUpstream upstream;
  static GatewayFixture gateway;

  @BeforeAll
  static void start(Vertx vertx) throws Exception {
    keys = new TestIssuer("unused").start(vertx);
    upstream = new RecordingUpstream().start(vertx);
    gateway = GatewayFixture.start(vertx, routes(), Map.of("JWKS", keys.jwksUri(), "UPSTREAM", upstream.url()));
  }

  @AfterAll
  static void stop() throws Exception {
    gateway.close();
  }

  @BeforeEach
  void clear() {
    upstream.clear();
  }

  static String token(String provider, JsonObject claims) {
    long now = System.currentTimeMillis() / 1000;
    JsonObject full = new JsonObject().put("iss", "https://" + provider + ".test/").put("sub", provider + "-user")
        .put("iat", now).put("exp", now + 600);
    full.mergeIn(claims);
    return keys.mint(full);
  }

  /** Each provider's token as its documentation shows it, the tenant to select (or null) and what must result. */
  static Stream<Arguments> providers() {
    return Stream.of(
        Arguments.of("kinde", new JsonObject().put("org_code", "org_acme")
                .put("roles", new JsonArray().add(new JsonObject().put("id", "r1").put("key", "admin").put("name", "Admin")))
                .put("permissions", new JsonArray().add("reports:read")),
            null, "org_acme", "admin", "projects:*"),
        Arguments.of("auth0", new JsonObject().put("org_id", "org_9f8e").put("scope", "openid profile")
                .put("permissions", new JsonArray().add("projects:read").add("projects:delete")),
            null, "org_9f8e", "", "projects:delete"),
        Arguments.of("logto", new JsonObject().put("aud", "urn:logto:organization:org_l0g")
                .put("scope", "projects:read projects:delete"),
            null, "org_l0g", "", "projects:delete"),
        Arguments.of("clerk", new JsonObject().put("v", 2).put("fea", "o:projects,o:billing").put("o", new JsonObject()
                .put("id", "org_2abc").put("rol", "admin").put("slg", "acme").put("per", "read,manage").put("fpm", "1,2")),
            null, "org_2abc", "org:admin", "projects:*"),
        Arguments.of("workos", new JsonObject().put("org_id", "org_01HX").put("role", "viewer")
                .put("permissions", new JsonArray().add("widgets:read")),
            null, "org_01HX", "viewer", "projects:read"),
        Arguments.of("keycloak", new JsonObject().put("typ", "Bearer")
                .put("realm_access", new JsonObject().put("roles", new JsonArray().add("admin")))
                .put("groups", new JsonArray().add("/acme/viewer").add("/startup/admin"))
                .put("organization", new JsonObject().put("acme", new JsonObject().put("id", "4f3c"))).put("scope", "openid"),
            "acme", "acme", "viewer", "projects:read"),
        Arguments.of("zitadel", new JsonObject().put("urn:zitadel:iam:org:project:roles", new JsonObject()
                .put("admin", new JsonObject().put("2311", "acme.zitadel.cloud"))
                .put("viewer", new JsonObject().put("2312", "startup.zitadel.cloud"))),
            "2311", "2311", "admin", "projects:*"),
        Arguments.of("entra", new JsonObject().put("tid", "72f988bf-86f1-41af-91ab-2d7cd011db47").put("oid", "0a1b")
                .put("roles", new JsonArray().add("viewer")).put("scp", "User.Read"),
            null, "72f988bf-86f1-41af-91ab-2d7cd011db47", "viewer", "User.Read"),
        Arguments.of("cognito", new JsonObject().put("token_use", "access").put("custom:tenant_id", "tenant-42")
                .put("cognito:groups", new JsonArray().add("tenant-42:admin").add("tenant-7:viewer"))
                .put("scope", "aws.cognito.signin.user.admin"),
            null, "tenant-42", "admin", "projects:*"),
        Arguments.of("userfront", new JsonObject().put("userUuid", "d6f0").put("tenantId", "xbp876mb")
                .put("authorization", new JsonObject()
                    .put("acme", new JsonObject().put("roles", new JsonArray().add("admin")))
                    .put("startup", new JsonObject().put("roles", new JsonArray().add("viewer")))),
            "startup", "startup", "viewer", "projects:read"),
        Arguments.of("descope", new JsonObject().put("dct", "T2a").put("tenants", new JsonObject()
                .put("T2a", new JsonObject().put("roles", new JsonArray().add("viewer")).put("permissions", new JsonArray().add("reports:read")))),
            null, "T2a", "viewer", "reports:read"),
        Arguments.of("propelauth", new JsonObject().put("user_id", "pa-1").put("org_id_to_org_member_info", new JsonObject()
                .put("1189c444", new JsonObject().put("org_id", "1189c444").put("org_name", "Acme").put("user_role", "Admin")
                    .put("inherited_user_roles_plus_current_role", new JsonArray().add("Admin").add("Member"))
                    .put("user_permissions", new JsonArray().add("billing:read")))),
            "1189c444", "1189c444", "Admin,Member", "billing:read"),
        Arguments.of("frontegg", new JsonObject().put("tenantId", "f-1").put("tenantIds", new JsonArray().add("f-1").add("f-2"))
                .put("roles", new JsonArray().add("viewer")).put("permissions", new JsonArray().add("fe.secure.read")),
            null, "f-1", "viewer", "projects:read"),
        Arguments.of("supertokens", new JsonObject().put("tId", "public")
                .put("st-role", new JsonObject().put("v", new JsonArray().add("admin")).put("t", 1700000000))
                .put("st-perm", new JsonObject().put("v", new JsonArray().add("reports:read")).put("t", 1700000000)),
            null, "public", "admin", "projects:*"),
        Arguments.of("firebase", new JsonObject().put("user_id", "fb-1").put("roles", new JsonArray().add("viewer"))
                .put("firebase", new JsonObject().put("tenant", "tenant-fb1").put("sign_in_provider", "password")),
            null, "tenant-fb1", "viewer", "projects:read"));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("providers")
  void eachProvidersTokenResolvesTenantRolesAndPermissions(String provider, JsonObject claims, String select,
                                                           String tenant, String roles, String permission) throws Exception {
    String token = token(provider, claims);
    List<String> headers = new ArrayList<>();
    if (select != null) {
      headers.add("X-Active-Tenant");
      headers.add(select);
    }
    Response me = gateway.send(GET, "/_gateway/me", token, headers.toArray(new String[0]));
    assertEquals(200, me.status(), () -> me.body().toString());
    JsonObject body = me.json();
    assertEquals(tenant, body.getString("tenant"));
    assertEquals(roles, String.join(",", body.getJsonArray("roles").getList()));
    assertTrue(body.getJsonArray("permissions").getList().contains(permission), body::encode);
    assertTrue(body.getJsonArray("tenants").getList().contains(tenant), body::encode);

    boolean canRead = body.getJsonArray("permissions").getList().stream()
        .anyMatch(p -> p.equals("projects:read") || p.equals("projects:*"));
    Response list = gateway.send(GET, "/projects", token, headers.toArray(new String[0]));
    assertEquals(canRead ? 200 : 403, list.status(), () -> list.body().toString());
    if (canRead) {
      Received received = upstream.last();
      assertEquals(tenant, received.header("X-Tenant-Id"));
      assertEquals(roles, received.header("X-User-Roles"));
      assertEquals(String.join(",", body.getJsonArray("permissions").getList()), received.header("X-User-Permissions"));
      assertNull(received.header("X-Active-Tenant"), "the switcher header is consumed by the gateway");
    } else {
      assertEquals("permission_denied", list.code());
    }
  }

  // ---------------------------------------------------------------------------------------------------------------
  // Tenant chosen by the request, checked against memberships

  static String sarah() {
    return token("userfront", new JsonObject().put("userUuid", "sarah").put("authorization", new JsonObject()
        .put("acme", new JsonObject().put("roles", new JsonArray().add("admin")))
        .put("startup", new JsonObject().put("roles", new JsonArray().add("viewer")))));
  }

  @Test
  void theSameTokenSwitchesTenantByHeaderAndGetsThatTenantsPermissions() throws Exception {
    String sarah = sarah();
    assertEquals(200, gateway.send(DELETE, "/projects/7", sarah, "X-Active-Tenant", "acme").status());
    assertEquals("acme", upstream.last().header("X-Tenant-Id"));
    assertEquals("admin", upstream.last().header("X-User-Roles"));
    upstream.clear();
    Response asViewer = gateway.send(DELETE, "/projects/7", sarah, "X-Active-Tenant", "startup");
    assertEquals(403, asViewer.status());
    assertEquals("permission_denied", asViewer.code());
    assertTrue(upstream.received().isEmpty());
    assertEquals(200, gateway.send(GET, "/projects", sarah, "X-Active-Tenant", "startup").status());
    assertEquals("startup", upstream.last().header("X-Tenant-Id"));
  }

  @Test
  void aTenantTheCallerDoesNotBelongToIsForbidden() throws Exception {
    Response response = gateway.send(GET, "/projects", sarah(), "X-Active-Tenant", "globex");
    assertEquals(403, response.status());
    assertEquals("tenant_forbidden", response.code());
    Response byPath = gateway.send(GET, "/orgs/globex/projects", sarah());
    assertEquals("tenant_forbidden", byPath.code());
    assertTrue(upstream.received().isEmpty());
  }

  @Test
  void aMembershipTokenWithoutASelectionNeedsOne() throws Exception {
    Response response = gateway.send(GET, "/projects", sarah());
    assertEquals(403, response.status());
    assertEquals("tenant_required", response.code());
  }

  @Test
  void pathAndSubdomainSelectTheTenantToo() throws Exception {
    assertEquals(200, gateway.send(GET, "/orgs/startup/projects", sarah()).status());
    assertEquals("startup", upstream.last().header("X-Tenant-Id"));
    assertEquals(200, gateway.send(GET, "/projects", sarah(), "Host", "acme.app.example.com").status());
    assertEquals("acme", upstream.last().header("X-Tenant-Id"));
    assertEquals("admin", upstream.last().header("X-User-Roles"));
    assertEquals(200, gateway.send(GET, "/projects", sarah(), "Host", "ACME.app.example.com:8443").status());
    assertEquals("acme", upstream.last().header("X-Tenant-Id"));
  }

  @Test
  void twoSourcesNamingDifferentTenantsAreAMismatch() throws Exception {
    upstream.clear();
    Response pathAndHeader = gateway.send(GET, "/orgs/acme/projects", sarah(), "X-Active-Tenant", "startup");
    assertEquals(403, pathAndHeader.status());
    assertEquals("tenant_mismatch", pathAndHeader.code());
    String kinde = token("kinde", new JsonObject().put("org_code", "org_acme")
        .put("roles", new JsonArray().add(new JsonObject().put("key", "admin"))));
    Response tokenAndHeader = gateway.send(GET, "/projects", kinde, "X-Active-Tenant", "org_other");
    assertEquals("tenant_mismatch", tokenAndHeader.code());
    Response tokenAndPath = gateway.send(GET, "/orgs/org_other/projects", kinde);
    assertEquals("tenant_mismatch", tokenAndPath.code());
    assertTrue(upstream.received().isEmpty());
    assertEquals(200, gateway.send(GET, "/orgs/org_acme/projects", kinde).status(), "the same tenant is no mismatch");
  }

  @Test
  void theIntrospectionEndpointListsTenantsAndAgreesWithEnforcement() throws Exception {
    Response me = gateway.send(GET, "/_gateway/me?tenant=startup", sarah());
    JsonObject body = me.json();
    assertEquals("sarah", body.getString("user"));
    assertEquals(List.of("acme", "startup"), body.getJsonArray("tenants").getList());
    assertEquals("startup", body.getString("tenant"));
    assertEquals(List.of("channels:read", "projects:read"), body.getJsonArray("permissions").getList());
    Response noTenant = gateway.send(GET, "/_gateway/me", sarah());
    assertNull(noTenant.json().getString("tenant"));
    assertEquals(List.of(), noTenant.json().getJsonArray("permissions").getList());
    assertEquals("tenant_forbidden", gateway.send(GET, "/_gateway/me?tenant=globex", sarah()).code());
    assertEquals(401, gateway.send(GET, "/_gateway/me", null).status());
  }

  // ---------------------------------------------------------------------------------------------------------------
  // Application-wide roles and resource constraints

  @Test
  void applicationRolesGrantOnlyWhereConfigured() throws Exception {
    String support = token("platform", new JsonObject().put("orgs", new JsonObject())
        .put("https://app.example.com/platform_roles", new JsonArray().add("support")));
    assertEquals(200, gateway.send(GET, "/projects", support, "X-Active-Tenant", "acme").status(),
        "support may read in any tenant");
    Received received = upstream.last();
    assertEquals("acme", received.header("X-Tenant-Id"));
    assertEquals("", received.header("X-User-Roles"), "application roles never appear as tenant roles");
    assertEquals("support", received.header("X-App-Roles"));
    assertEquals(403, gateway.send(DELETE, "/projects/1", support, "X-Active-Tenant", "acme").status());
    assertEquals(200, gateway.send(GET, "/support/tickets", support, "X-Active-Tenant", "acme").status(),
        "the tickets route admits support explicitly");

    String member = token("platform", new JsonObject().put("orgs", new JsonObject()
        .put("acme", new JsonObject().put("roles", new JsonArray().add("admin")))));
    Response denied = gateway.send(GET, "/support/tickets", member, "X-Active-Tenant", "acme");
    assertEquals(403, denied.status(), "a tenant admin is not platform support");
    String spoofedRole = token("platform", new JsonObject().put("orgs", new JsonObject()
        .put("acme", new JsonObject().put("roles", new JsonArray().add("support")))));
    assertEquals(403, gateway.send(GET, "/support/tickets", spoofedRole, "X-Active-Tenant", "acme").status(),
        "a tenant role named like an application role grants nothing of it");
  }

  @Test
  void resourceConstraintsInsideATenant() throws Exception {
    String token = token("teams", new JsonObject().put("https://app.example.com/permissions", new JsonObject()
        .put("team-1", new JsonObject().put("role", "admin").put("channels", new JsonArray().add("*")))
        .put("team-2", new JsonObject().put("role", "employee").put("channels", new JsonArray().add("channel-1").add("channel-2")))));
    assertEquals(200, gateway.send(GET, "/teams/team-2/channels/channel-1", token).status());
    assertEquals("team-2", upstream.last().header("X-Tenant-Id"));
    assertEquals("employee", upstream.last().header("X-User-Roles"));
    upstream.clear();
    Response forbidden = gateway.send(GET, "/teams/team-2/channels/channel-3", token);
    assertEquals(403, forbidden.status());
    assertEquals("resource_forbidden", forbidden.code());
    assertTrue(upstream.received().isEmpty());
    assertEquals(200, gateway.send(GET, "/teams/team-1/channels/anything", token).status(), "* means every channel");
    assertEquals("tenant_forbidden", gateway.send(GET, "/teams/team-3/channels/channel-1", token).code());
  }
}
