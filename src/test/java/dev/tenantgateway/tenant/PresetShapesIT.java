package dev.tenantgateway.tenant;

import dev.tenantgateway.config.load.Presets;
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
import org.junit.jupiter.params.provider.MethodSource;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import static io.vertx.core.http.HttpMethod.GET;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Every preset, every token shape its provider documents, through a running gateway: the tenant, roles and
 * permissions the upstream receives in a member tenant, the 403 in a tenant the user does not belong to, and no role
 * of one tenant in another.
 */
@ExtendWith(VertxExtension.class)
class PresetShapesIT {

  static final List<String> PROFILES = List.of("keycloak", "auth0", "kinde", "logto", "clerk", "workos", "zitadel",
      "entra", "cognito", "okta", "fusionauth", "stytch", "userfront", "descope", "propelauth", "frontegg",
      "supertokens", "firebase");

  static String routes() {
    StringBuilder issuers = new StringBuilder();
    for (String profile : PROFILES) {
      issuers.append("  - { id: ").append(profile).append(", issuer: \"https://").append(profile)
          .append(".test/\", jwks_uri: \"${JWKS}\", profile: ").append(profile).append(" }\n");
    }
    return """
        listener: { host: 127.0.0.1, port: 0 }
        issuers:
        %s
        roles:
          admin: ["projects:*"]
          Admin: ["projects:*"]
          viewer: [projects:read]
          Member: [projects:read]
          "org:admin": ["projects:*"]
          "org:member": [projects:read]
          stytch_admin: ["projects:*"]
          stytch_member: [projects:read]
        upstreams:
          app: { url: "${UPSTREAM}" }
        routes:
          - { id: list, methods: [GET], path: /projects, upstream: app, require: projects:read }
        """.formatted(issuers);
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

  /**
   * One documented token shape.
   *
   * @param select the tenant the request chooses (switcher header), or null for tokens issued per tenant
   * @param roles the exact roles in that tenant
   * @param permission a permission the caller must hold there
   * @param absent a permission the caller must not hold there (a role or scope that must not count), or null
   * @param other another tenant the token lists, and the exact roles there (no role of {@code tenant} appears)
   * @param foreign a tenant the user does not belong to, and the 403 code that choosing it gets
   */
  record Shape(String provider, String shape, JsonObject claims, String select, String tenant, List<String> roles,
               String permission, String absent, String other, List<String> otherRoles, String foreign,
               String foreignCode) {
    @Override
    public String toString() {
      return provider + ": " + shape;
    }
  }

  static JsonArray array(String... values) {
    JsonArray array = new JsonArray();
    for (String value : values) {
      array.add(value);
    }
    return array;
  }

  static Shape perTenant(String provider, String shape, JsonObject claims, String tenant, List<String> roles,
                         String permission, String absent) {
    return new Shape(provider, shape, claims, null, tenant, roles, permission, absent, null, null, "globex",
        "tenant_mismatch");
  }

  static Shape member(String provider, String shape, JsonObject claims, String select, List<String> roles,
                      String permission, String other, List<String> otherRoles) {
    return new Shape(provider, shape, claims, select, select, roles, permission, null, other, otherRoles, "globex",
        "tenant_forbidden");
  }

  static Stream<Shape> shapes() {
    JsonObject sarahGroups = new JsonObject().put("typ", "Bearer").put("scope", "openid profile organization:*")
        .put("groups", array("/acme/admin", "/startup/viewer"))
        .put("realm_access", new JsonObject().put("roles", array("admin", "offline_access")));
    return Stream.of(
        // Keycloak 26: organization as a list of aliases, as a map with ids, as one alias, with organization groups
        member("keycloak", "organization list, group paths", sarahGroups.copy().put("organization", array("acme", "startup")),
            "startup", List.of("viewer"), "projects:read", "acme", List.of("admin")),
        member("keycloak", "organization map with ids", sarahGroups.copy().put("organization", new JsonObject()
                .put("acme", new JsonObject().put("id", "7a1c")).put("startup", new JsonObject().put("id", "91fe"))),
            "acme", List.of("admin"), "projects:*", "startup", List.of("viewer")),
        member("keycloak", "single alias (not multivalued); a group of another organization grants nothing",
            new JsonObject().put("typ", "Bearer").put("organization", "startup").put("groups", array("/startup/viewer", "/acme/admin")),
            "startup", List.of("viewer"), "projects:read", null, null),
        member("keycloak", "organization groups inside the map", new JsonObject().put("typ", "Bearer")
                .put("organization", new JsonObject().put("acme", new JsonObject().put("groups", array("/admin")))
                    .put("startup", new JsonObject().put("groups", array("/viewer")))),
            "acme", List.of("admin"), "projects:*", "startup", List.of("viewer")),
        // Auth0: user token through an organization, machine-to-machine token for an organization
        perTenant("auth0", "user token with org_id and Action roles", new JsonObject().put("org_id", "org_9f8e")
                .put("scope", "openid profile email").put("permissions", array("reports:read"))
                .put("https://tenant-gateway/roles", array("viewer")),
            "org_9f8e", List.of("viewer"), "reports:read", "openid"),
        perTenant("auth0", "client-credentials token", new JsonObject().put("gty", "client-credentials").put("azp", "m2m-app")
                .put("sub", "m2m-app@clients").put("org_id", "org_9f8e").put("scope", "projects:read projects:export")
                .put("https://tenant-gateway/roles", array("admin")),
            "org_9f8e", List.of(), "projects:export", "projects:delete"),
        // Kinde: user token, M2M token
        perTenant("kinde", "user token", new JsonObject().put("org_code", "org_acme")
                .put("roles", new JsonArray().add(new JsonObject().put("id", "r1").put("key", "admin").put("name", "Admin")))
                .put("permissions", array("reports:read")).put("scp", array("openid", "profile")),
            "org_acme", List.of("admin"), "projects:*", null),
        perTenant("kinde", "M2M token", new JsonObject().put("gty", array("client_credentials")).put("org_code", "org_acme")
                .put("scp", array("projects:read")),
            "org_acme", List.of(), "projects:read", "projects:delete"),
        // Logto: organization token, organization API resource token, user token with organization roles
        perTenant("logto", "organization token", new JsonObject().put("aud", "urn:logto:organization:org_l0g")
                .put("scope", "projects:read projects:delete"),
            "org_l0g", List.of(), "projects:delete", null),
        perTenant("logto", "API resource token in an organization", new JsonObject().put("organization_id", "org_l0g")
                .put("aud", "https://api.example.com").put("scope", "projects:read"),
            "org_l0g", List.of(), "projects:read", "projects:delete"),
        member("logto", "user token with organization_roles", new JsonObject()
                .put("organization_roles", array("org_a:admin", "org_b:viewer")).put("organizations", array("org_a", "org_b")),
            "org_b", List.of("viewer"), "projects:read", "org_a", List.of("admin")),
        // Clerk: v2 session token (o, fea, fpm), v1 session token
        perTenant("clerk", "session token v2", new JsonObject().put("v", 2).put("fea", "o:projects,u:profile,o:billing")
                .put("o", new JsonObject().put("id", "org_2abc").put("slg", "acme").put("rol", "admin")
                    .put("per", "read,manage").put("fpm", "1,3")),
            "org_2abc", List.of("org:admin"), "org:billing:manage", "org:projects:manage"),
        perTenant("clerk", "session token v1", new JsonObject().put("org_id", "org_2abc").put("org_role", "org:member")
                .put("org_permissions", array("org:reports:read")),
            "org_2abc", List.of("org:member"), "org:reports:read", "projects:delete"),
        // WorkOS: one role, several roles
        perTenant("workos", "one role", new JsonObject().put("org_id", "org_01HX").put("role", "viewer")
                .put("permissions", array("widgets:read")),
            "org_01HX", List.of("viewer"), "widgets:read", "projects:delete"),
        perTenant("workos", "several roles", new JsonObject().put("org_id", "org_01HX").put("role", "viewer")
                .put("roles", array("admin", "viewer")),
            "org_01HX", List.of("admin", "viewer"), "projects:*", null),
        // Zitadel: project roles by organization; reserved scopes are not permissions
        member("zitadel", "project roles claim", new JsonObject()
                .put("scope", "openid urn:zitadel:iam:org:project:id:zitadel:aud")
                .put("urn:zitadel:iam:org:project:roles", new JsonObject()
                    .put("admin", new JsonObject().put("2311", "acme.zitadel.cloud"))
                    .put("viewer", new JsonObject().put("2312", "startup.zitadel.cloud"))),
            "2312", List.of("viewer"), "projects:read", "2311", List.of("admin")),
        // Entra: delegated user token, app-only token
        perTenant("entra", "user token", new JsonObject().put("tid", "72f988bf-86f1-41af-91ab-2d7cd011db47").put("oid", "0a1b")
                .put("roles", array("viewer")).put("scp", "User.Read Files.Read"),
            "72f988bf-86f1-41af-91ab-2d7cd011db47", List.of("viewer"), "Files.Read", "projects:delete"),
        perTenant("entra", "app-only token", new JsonObject().put("tid", "72f988bf-86f1-41af-91ab-2d7cd011db47")
                .put("idtyp", "app").put("azp", "app-1").put("roles", array("projects:read")),
            "72f988bf-86f1-41af-91ab-2d7cd011db47", List.of(), "projects:read", "projects:delete"),
        // Cognito: tenant attribute with tenant groups, groups only, M2M
        perTenant("cognito", "tenant attribute and tenant groups", new JsonObject().put("token_use", "access")
                .put("username", "sarah").put("custom:tenant_id", "tenant-42")
                .put("cognito:groups", array("tenant-42:viewer", "tenant-7:admin")).put("scope", "aws.cognito.signin.user.admin"),
            "tenant-42", List.of("viewer"), "projects:read", "projects:delete"),
        member("cognito", "tenant groups only", new JsonObject().put("token_use", "access").put("username", "sarah")
                .put("cognito:groups", array("tenant-42:viewer", "tenant-7:admin")),
            "tenant-7", List.of("admin"), "projects:*", "tenant-42", List.of("viewer")),
        perTenant("cognito", "M2M token with resource-server scopes", new JsonObject().put("token_use", "access")
                .put("client_id", "1example23456789").put("custom:tenant_id", "tenant-42")
                .put("scope", "https://api.example.com/invoices.read"),
            "tenant-42", List.of(), "https://api.example.com/invoices.read", "projects:read"),
        // Okta: tenant groups
        // (scopes are the client's, not the tenant's: they count in no tenant the request chooses)
        new Shape("okta", "tenant groups", new JsonObject().put("uid", "00u1").put("scp", array("openid", "reports:read"))
                .put("groups", array("Everyone", "tenant:acme:admin", "tenant:startup:viewer")),
            "startup", "startup", List.of("viewer"), "projects:read", "reports:read", "acme", List.of("admin"), "globex",
            "tenant_forbidden"),
        // FusionAuth: tenant id and registration roles
        perTenant("fusionauth", "access token", new JsonObject().put("tid", "e3a1c2d4").put("applicationId", "85a0")
                .put("roles", array("viewer")).put("scope", "openid offline_access"),
            "e3a1c2d4", List.of("viewer"), "projects:read", "offline_access"),
        // Stytch B2B: organization and session claims
        perTenant("stytch", "session JWT", new JsonObject().put("sub", "member-test-32fc")
                .put("https://stytch.com/organization", new JsonObject().put("organization_id", "organization-test-0797").put("slug", "acme"))
                .put("https://stytch.com/session", new JsonObject().put("id", "session-1").put("roles", array("stytch_member", "editor"))),
            "organization-test-0797", List.of("editor", "stytch_member"), "projects:read", "projects:delete"),
        // Tokens that list per-tenant roles themselves
        member("userfront", "authorization map", new JsonObject().put("userUuid", "d6f0").put("authorization", new JsonObject()
                .put("acme", new JsonObject().put("roles", array("admin")))
                .put("startup", new JsonObject().put("roles", array("viewer")))),
            "startup", List.of("viewer"), "projects:read", "acme", List.of("admin")),
        perTenant("descope", "selected tenant", new JsonObject().put("dct", "T2a").put("tenants", new JsonObject()
                .put("T2a", new JsonObject().put("roles", array("viewer")).put("permissions", array("reports:read")))
                .put("T9z", new JsonObject().put("roles", array("admin")))),
            "T2a", List.of("viewer"), "reports:read", "projects:delete"),
        member("propelauth", "organization member info", new JsonObject().put("user_id", "pa-1").put("org_id_to_org_member_info", new JsonObject()
                .put("1189c444", new JsonObject().put("org_id", "1189c444").put("user_role", "Admin")
                    .put("inherited_user_roles_plus_current_role", array("Admin", "Member")).put("user_permissions", array("billing:read")))
                .put("77aa", new JsonObject().put("org_id", "77aa").put("inherited_user_roles_plus_current_role", array("Member")))),
            "1189c444", List.of("Admin", "Member"), "billing:read", "77aa", List.of("Member")),
        perTenant("frontegg", "active tenant", new JsonObject().put("tenantId", "f-1").put("tenantIds", array("f-1", "f-2"))
                .put("roles", array("viewer")).put("permissions", array("fe.secure.read")),
            "f-1", List.of("viewer"), "fe.secure.read", "projects:delete"),
        perTenant("supertokens", "tenant and role claims", new JsonObject().put("tId", "public")
                .put("st-role", new JsonObject().put("v", array("admin")).put("t", 1700000000))
                .put("st-perm", new JsonObject().put("v", array("reports:read")).put("t", 1700000000)),
            "public", List.of("admin"), "projects:*", null),
        perTenant("firebase", "tenant sign-in", new JsonObject().put("user_id", "fb-1").put("roles", array("viewer"))
                .put("firebase", new JsonObject().put("tenant", "tenant-fb1").put("sign_in_provider", "password")),
            "tenant-fb1", List.of("viewer"), "projects:read", "projects:delete"));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("shapes")
  void eachDocumentedShapeResolvesTenantRolesAndPermissionsWithoutLeaks(Shape shape) throws Exception {
    String token = token(shape.provider(), shape.claims());
    String[] select = shape.select() == null ? new String[0] : new String[] {"X-Active-Tenant", shape.select()};

    Response me = gateway.send(GET, "/_gateway/me", token, select);
    assertEquals(200, me.status(), () -> me.body().toString());
    JsonObject body = me.json();
    assertEquals(shape.tenant(), body.getString("tenant"));
    assertEquals(shape.roles(), body.getJsonArray("roles").getList(), "exactly the roles tied to " + shape.tenant());
    List<?> permissions = body.getJsonArray("permissions").getList();
    assertTrue(permissions.contains(shape.permission()), body::encode);
    if (shape.absent() != null) {
      assertFalse(permissions.contains(shape.absent()), body::encode);
    }

    // the request through the gateway: what the upstream receives agrees with /_gateway/me
    boolean canRead = permissions.contains("projects:read") || permissions.contains("projects:*");
    Response list = gateway.send(GET, "/projects", token, select);
    assertEquals(canRead ? 200 : 403, list.status(), () -> list.body().toString());
    if (canRead) {
      Received received = upstream.last();
      assertEquals(shape.tenant(), received.header("X-Tenant-Id"));
      assertEquals(Caller.headerList(shape.roles()), received.header("X-User-Roles"));
      List<String> granted = new ArrayList<>();
      permissions.forEach(p -> granted.add((String) p));
      assertEquals(Caller.headerList(granted), received.header("X-User-Permissions"));
      assertNull(received.header("X-Active-Tenant"));
    } else {
      assertEquals("permission_denied", list.code());
      assertTrue(upstream.received().isEmpty());
    }

    // another tenant the same token lists: only that tenant's roles
    if (shape.other() != null) {
      JsonObject there = gateway.send(GET, "/_gateway/me", token, "X-Active-Tenant", shape.other()).json();
      assertEquals(shape.other(), there.getString("tenant"));
      assertEquals(shape.otherRoles(), there.getJsonArray("roles").getList(), "no role of " + shape.tenant() + " in " + shape.other());
    }

    // a tenant the user does not belong to
    upstream.clear();
    Response foreign = gateway.send(GET, "/projects", token, "X-Active-Tenant", shape.foreign());
    assertEquals(403, foreign.status(), () -> foreign.body().toString());
    assertEquals(shape.foreignCode(), foreign.code());
    assertTrue(upstream.received().isEmpty());
  }

  @Test
  void everyProfileIsCovered() {
    List<String> covered = shapes().map(Shape::provider).distinct().sorted().toList();
    assertEquals(Presets.names().stream().sorted().toList(), covered);
  }

  @Test
  void keycloakRealmRolesNeverCountInATenant() throws Exception {
    String token = token("keycloak", new JsonObject().put("typ", "Bearer").put("organization", array("acme"))
        .put("realm_access", new JsonObject().put("roles", array("admin"))).put("scope", "openid admin"));
    JsonObject me = gateway.send(GET, "/_gateway/me", token, "X-Active-Tenant", "acme").json();
    assertEquals(List.of(), me.getJsonArray("roles").getList());
    Response denied = gateway.send(GET, "/projects", token, "X-Active-Tenant", "acme");
    assertEquals(403, denied.status());
    assertEquals("permission_denied", denied.code());
  }

  @Test
  void aKeycloakGroupOfAnOrganizationTheUserIsNotAMemberOfGrantsNothing() throws Exception {
    String token = token("keycloak", new JsonObject().put("typ", "Bearer").put("organization", "startup")
        .put("groups", array("/startup/viewer", "/acme/admin")));
    Response response = gateway.send(GET, "/projects", token, "X-Active-Tenant", "acme");
    assertEquals(403, response.status());
    assertEquals("tenant_forbidden", response.code());
    assertEquals(List.of("startup"), gateway.send(GET, "/_gateway/me", token).json().getJsonArray("tenants").getList());
  }

  @Test
  void keycloakIdTokensAndCognitoIdTokensAreRefused() throws Exception {
    String idToken = token("keycloak", new JsonObject().put("typ", "ID").put("organization", array("acme"))
        .put("groups", array("/acme/admin")));
    Response refused = gateway.send(GET, "/projects", idToken, "X-Active-Tenant", "acme");
    assertEquals(401, refused.status());
    assertEquals("token_invalid", refused.code());
    String cognitoId = token("cognito", new JsonObject().put("token_use", "id").put("custom:tenant_id", "tenant-42")
        .put("cognito:groups", array("tenant-42:admin")));
    assertEquals("token_invalid", gateway.send(GET, "/projects", cognitoId).code());
    assertTrue(upstream.received().isEmpty());
  }

  @Test
  void aMembershipTokenWithoutAChoiceIsToldHowToChoose() throws Exception {
    String token = token("okta", new JsonObject().put("groups", array("tenant:acme:admin", "tenant:startup:viewer")));
    Response response = gateway.send(GET, "/projects", token);
    assertEquals(403, response.status());
    assertEquals("tenant_required", response.code());
    String detail = response.json().getString("detail");
    assertTrue(detail.contains("X-Active-Tenant") && detail.contains("{tenant}"), detail);
  }
}
