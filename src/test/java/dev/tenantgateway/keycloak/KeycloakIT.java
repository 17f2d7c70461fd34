package dev.tenantgateway.keycloak;

import dev.tenantgateway.observe.Metrics;
import dev.tenantgateway.support.GatewayFixture;
import dev.tenantgateway.support.GatewayFixture.Response;
import dev.tenantgateway.support.KeycloakServer;
import dev.tenantgateway.support.RecordingUpstream;
import dev.tenantgateway.support.RecordingUpstream.Received;
import dev.tenantgateway.support.TestIssuer;
import io.micrometer.core.instrument.Counter;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.WebClient;
import io.vertx.junit5.VertxExtension;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.extension.ExtendWith;

import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;

import static io.vertx.core.http.HttpMethod.DELETE;
import static io.vertx.core.http.HttpMethod.GET;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The gateway against a real Keycloak 26, configured as docs/tenancy.md tells a platform team to: a realm with
 * Organizations ({@code acme}, {@code startup}); Sarah, admin at Acme through the {@code /acme/admin} group and
 * viewer at Startup through {@code /startup/viewer}; Bob, member of Startup only; an audience mapper for the gateway;
 * the {@code organization} client scope; RFC 9068 access tokens; tokens from Keycloak's own token endpoint. The
 * groups also grant realm roles of the same names, so Sarah's token carries {@code admin} in
 * {@code realm_access.roles}, which Keycloak holds globally: the gateway must never grant it at Startup.
 * Run with {@code mvn verify -Pkeycloak}. The tests run in order: the last ones rotate keys and stop Keycloak.
 */
@ExtendWith(VertxExtension.class)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class KeycloakIT {

  static final String REALM = "saas";
  static final String CLIENT = "gateway-test";
  static final String SECRET = "gateway-test-secret";
  /** Keycloak's dev-mode start compiles its server first: about a minute on two cores, several when they are busy. */
  static final Duration START_BOUND = Duration.ofMinutes(8);

  static Vertx vertx;
  static KeycloakServer keycloak;
  static RecordingUpstream upstream;
  static GatewayFixture gateway;

  /** The issuer block is the one docs/tenancy.md gives for Keycloak; the role template is the organization's. */
  static String routes() {
    return """
        listener: { host: 127.0.0.1, port: 0 }
        issuers:
          - id: keycloak
            issuer: "${KC_ISSUER}"
            jwks_uri: "${KC_JWKS}"
            profile: keycloak
            audiences: [tenant-gateway]
            authorized_parties: [gateway-test]
            token_type: at+jwt
            jwks_cooldown: 1s
        roles:
          admin: ["projects:*"]
          member: [projects:read, projects:write]
          viewer: [projects:read]
        tenancy:
          header: X-Active-Tenant
        upstreams:
          app: { url: "${UPSTREAM}" }
        routes:
          - { id: projects, methods: [GET], path: /projects, upstream: app, require: projects:read }
          - { id: org-projects, methods: [GET], path: "/orgs/{tenant}/projects", upstream: app, require: projects:read }
          - { id: org-delete, methods: [DELETE], path: "/orgs/{tenant}/projects/{id}", upstream: app, require: projects:delete }
        """;
  }

  @BeforeAll
  static void start(Vertx testVertx) throws Exception {
    vertx = testVertx;
    String home = System.getProperty("keycloak.home");
    assertNotNull(home, "keycloak.home is set by the keycloak Maven profile: mvn verify -Pkeycloak");
    keycloak = KeycloakServer.start(vertx, Path.of(home), KeycloakServer.javaHome(), List.of(realmFile()), START_BOUND);
    upstream = new RecordingUpstream().start(vertx);
    gateway = GatewayFixture.start(vertx, routes(), Map.of("KC_ISSUER", keycloak.issuer(REALM),
        "KC_JWKS", keycloak.jwksUri(REALM), "UPSTREAM", upstream.url()));
  }

  static Path realmFile() throws URISyntaxException {
    return Path.of(KeycloakIT.class.getResource("/keycloak/saas-realm.json").toURI());
  }

  @AfterAll
  static void stop() throws Exception {
    if (gateway != null) {
      gateway.close();
    }
    if (keycloak != null) {
      keycloak.close();
    }
  }

  @BeforeEach
  void clear() {
    upstream.clear();
  }

  /**
   * An access token from Keycloak's token endpoint for the test client, listing every organization of the user
   * ({@code organization:*}; a bare {@code organization} names one, chosen by the user at a browser login).
   */
  static String token(String user) {
    return keycloak.passwordGrant(REALM, CLIENT, SECRET, user, user + "-password", "openid organization:*")
        .getString("access_token");
  }

  static JsonObject header(String jwt) {
    return decode(jwt.substring(0, jwt.indexOf('.')));
  }

  static JsonObject payload(String jwt) {
    return decode(jwt.split("\\.")[1]);
  }

  private static JsonObject decode(String part) {
    return new JsonObject(new String(Base64.getUrlDecoder().decode(part), StandardCharsets.UTF_8));
  }

  /** The tenant, roles and permissions the upstream received for the last forwarded request. */
  static void assertForwarded(String tenant, String roles, String permissions) {
    Received received = upstream.last();
    assertNotNull(received, "the request reached the upstream");
    assertEquals(tenant, received.header("X-Tenant-Id"));
    assertEquals(roles, received.header("X-User-Roles"));
    assertEquals(permissions, received.header("X-User-Permissions"));
    assertNull(received.header("X-Active-Tenant"), "the switcher header is consumed by the gateway");
  }

  static Response me(String token, String tenant) throws Exception {
    return gateway.send(GET, "/_gateway/me", token, "X-Active-Tenant", tenant);
  }

  @Test
  @Order(1)
  void keycloakAccessTokenIsVerifiedAndItsOrganizationsAreTheCallersTenants() throws Exception {
    String token = token("sarah");
    JsonObject claims = payload(token);
    assertEquals(keycloak.issuer(REALM), claims.getString("iss"));
    assertEquals("at+jwt", header(token).getString("typ"));
    assertEquals("tenant-gateway", claims.getValue("aud"), "the audience mapper names the gateway");
    assertEquals(Set.of("acme", "startup"), Set.copyOf(claims.getJsonArray("organization").getList()),
        "organization:* lists every organization by alias");

    Response me = me(token, "acme");
    assertEquals(200, me.status(), me.body().toString());
    assertEquals(claims.getString("sub"), me.json().getString("user"));
    assertEquals(List.of("admin"), me.json().getJsonArray("roles").getList());
    assertEquals("acme", me.json().getString("tenant"));
    assertEquals(Set.of("acme", "startup"), Set.copyOf(me.json().getJsonArray("tenants").getList()));
  }

  @Test
  @Order(2)
  void keycloakIdTokenIsRefusedAsAnAccessToken() throws Exception {
    JsonObject grant = keycloak.passwordGrant(REALM, CLIENT, SECRET, "sarah", "sarah-password", "openid organization:*");
    String idToken = grant.getString("id_token");
    assertEquals("ID", payload(idToken).getString("typ"));
    Response refused = gateway.send(GET, "/orgs/acme/projects", idToken);
    assertEquals(401, refused.status());
    assertEquals("token_invalid", refused.code());
    assertTrue(upstream.received().isEmpty());
  }

  @Test
  @Order(3)
  void tokensOfAnotherClientOfTheRealmAreRefused() throws Exception {
    String other = keycloak.passwordGrant(REALM, "other-app", "other-app-secret", "sarah", "sarah-password",
        "openid organization:*").getString("access_token");
    assertEquals("other-app", payload(other).getString("azp"));
    assertEquals("tenant-gateway", payload(other).getValue("aud"), "same audience, same keys: only azp differs");
    Response refused = gateway.send(GET, "/orgs/acme/projects", other);
    assertEquals(401, refused.status());
    assertEquals("token_invalid", refused.code());
    assertTrue(upstream.received().isEmpty());
  }

  @Test
  @Order(4)
  void sarahIsAdminAtAcmeAndOnlyViewerAtStartupSwitchingByPath() throws Exception {
    String token = token("sarah");
    assertTrue(payload(token).getJsonObject("realm_access").getJsonArray("roles").contains("admin"),
        "Keycloak puts the group's realm role in the token, globally: the bait for a leak");

    Response acme = gateway.send(DELETE, "/orgs/acme/projects/7", token);
    assertEquals(200, acme.status(), acme.body().toString());
    assertForwarded("acme", "admin", "projects:*");

    upstream.clear();
    Response startupDelete = gateway.send(DELETE, "/orgs/startup/projects/7", token);
    assertEquals(403, startupDelete.status());
    assertEquals("permission_denied", startupDelete.code());
    assertTrue(upstream.received().isEmpty(), "a refused request never reaches the upstream");

    Response startupList = gateway.send(GET, "/orgs/startup/projects", token);
    assertEquals(200, startupList.status(), startupList.body().toString());
    assertForwarded("startup", "viewer", "projects:read");
  }

  @Test
  @Order(5)
  void switchingTenantByHeaderChangesRolesAndNeverLeavesTheMemberships() throws Exception {
    String token = token("sarah");

    assertEquals(200, gateway.send(GET, "/projects", token, "X-Active-Tenant", "acme").status());
    assertForwarded("acme", "admin", "projects:*");

    upstream.clear();
    assertEquals(200, gateway.send(GET, "/projects", token, "X-Active-Tenant", "startup").status());
    assertForwarded("startup", "viewer", "projects:read");

    upstream.clear();
    Response other = gateway.send(GET, "/projects", token, "X-Active-Tenant", "globex");
    assertEquals(403, other.status());
    assertEquals("tenant_forbidden", other.code());

    Response disagree = gateway.send(GET, "/orgs/acme/projects", token, "X-Active-Tenant", "startup");
    assertEquals(403, disagree.status());
    assertEquals("tenant_mismatch", disagree.code());
    assertTrue(upstream.received().isEmpty());
  }

  @Test
  @Order(6)
  void bobIsAMemberOfStartupOnly() throws Exception {
    String token = token("bob");
    assertEquals(List.of("startup"), payload(token).getJsonArray("organization").getList());

    assertEquals(200, gateway.send(GET, "/orgs/startup/projects", token).status());
    assertForwarded("startup", "member", "projects:read,projects:write");

    upstream.clear();
    Response acme = gateway.send(GET, "/orgs/acme/projects", token);
    assertEquals(403, acme.status());
    assertEquals("tenant_forbidden", acme.code());
    Response delete = gateway.send(DELETE, "/orgs/startup/projects/7", token);
    assertEquals(403, delete.status());
    assertEquals("permission_denied", delete.code());
    assertTrue(upstream.received().isEmpty());

    Response me = me(token, "startup");
    assertEquals(200, me.status());
    assertEquals(List.of("startup"), me.json().getJsonArray("tenants").getList());
    assertEquals(List.of("member"), me.json().getJsonArray("roles").getList());
    assertEquals(403, me(token, "acme").status());
  }

  @Test
  @Order(7)
  void meAnswersWhatEnforcementDoesInEachTenant() throws Exception {
    String token = token("sarah");

    Response acme = me(token, "acme");
    assertEquals(200, acme.status());
    assertEquals(List.of("admin"), acme.json().getJsonArray("roles").getList());
    assertEquals(List.of("projects:*"), acme.json().getJsonArray("permissions").getList());

    Response startup = gateway.send(GET, "/_gateway/me?tenant=startup", token);
    assertEquals(200, startup.status());
    assertEquals("startup", startup.json().getString("tenant"));
    assertEquals(List.of("viewer"), startup.json().getJsonArray("roles").getList());
    assertEquals(List.of("projects:read"), startup.json().getJsonArray("permissions").getList());

    Response globex = me(token, "globex");
    assertEquals(403, globex.status());
    assertEquals("tenant_forbidden", globex.code());
  }

  @Test
  @Order(8)
  void organizationsAsAMapWithIdsReadAlike() throws Exception {
    String token = withOrganizationIds(() -> token("sarah"));
    JsonObject organizations = payload(token).getJsonObject("organization");
    assertNotNull(organizations, "the mapper wrote the map form");
    assertEquals(Set.of("acme", "startup"), organizations.fieldNames());
    assertNotNull(organizations.getJsonObject("acme").getString("id"));

    assertEquals(200, gateway.send(DELETE, "/orgs/acme/projects/7", token).status());
    assertForwarded("acme", "admin", "projects:*");
    upstream.clear();
    assertEquals(403, gateway.send(DELETE, "/orgs/startup/projects/7", token).status());
    assertEquals(200, gateway.send(GET, "/orgs/startup/projects", token).status());
    assertForwarded("startup", "viewer", "projects:read");
  }

  /** Runs {@code action} with the organization mapper writing {alias: {id}} (JSON), then restores the list form. */
  static <T> T withOrganizationIds(java.util.concurrent.Callable<T> action) throws Exception {
    JsonObject scope = keycloak.adminGetArray(REALM + "/client-scopes").stream().map(JsonObject.class::cast)
        .filter(s -> "organization".equals(s.getString("name"))).findFirst().orElseThrow();
    String mappers = REALM + "/client-scopes/" + scope.getString("id") + "/protocol-mappers/models";
    JsonObject mapper = keycloak.adminGetArray(mappers).stream().map(JsonObject.class::cast)
        .filter(m -> "oidc-organization-membership-mapper".equals(m.getString("protocolMapper")))
        .findFirst().orElseThrow();
    JsonObject original = mapper.copy();
    mapper.getJsonObject("config").put("addOrganizationId", "true").put("jsonType.label", "JSON");
    String path = mappers + "/" + mapper.getString("id");
    assertEquals(204, keycloak.adminPut(path, mapper).statusCode());
    try {
      return action.call();
    } finally {
      assertEquals(204, keycloak.adminPut(path, original).statusCode());
    }
  }

  @Test
  @Order(9)
  void aRotatedRealmKeyIsAcceptedWithoutARestart() throws Exception {
    String before = token("sarah");
    String oldKid = header(before).getString("kid");
    double fetchesBefore = fetches("success");

    String realmId = new JsonObject(keycloak.adminGet(REALM)).getString("id");
    JsonObject provider = new JsonObject().put("name", "rotated-rsa").put("providerId", "rsa-generated")
        .put("providerType", "org.keycloak.keys.KeyProvider").put("parentId", realmId)
        .put("config", new JsonObject().put("priority", new JsonArray().add("1000"))
            .put("enabled", new JsonArray().add("true")).put("active", new JsonArray().add("true"))
            .put("keySize", new JsonArray().add("2048")).put("algorithm", new JsonArray().add("RS256")));
    assertEquals(201, keycloak.adminPost(REALM + "/components", provider).statusCode());

    String after = token("sarah");
    String newKid = header(after).getString("kid");
    assertNotEquals(oldKid, newKid, "Keycloak signs with the new key");

    Response rotated = gateway.send(GET, "/orgs/acme/projects", after);
    assertEquals(200, rotated.status(), rotated.body().toString());
    assertForwarded("acme", "admin", "projects:*");
    assertTrue(fetches("success") > fetchesBefore, "the unknown kid made the gateway fetch the keys again");

    upstream.clear();
    assertEquals(200, gateway.send(GET, "/orgs/acme/projects", before).status(),
        "tokens signed before the rotation stay valid while Keycloak still publishes the old key");
  }

  @Test
  @Order(10)
  void cachedKeysKeepServingWhenKeycloakIsStopped() throws Exception {
    String sarah = token("sarah");
    String bob = token("bob");
    JsonObject claims = payload(sarah);
    TestIssuer.Key stranger = new TestIssuer("stranger").key("rsa-1");
    String unknownKid = TestIssuer.sign(new JsonObject().put("alg", "RS256").put("typ", "at+jwt")
        .put("kid", "not-a-keycloak-key"), claims, stranger);

    keycloak.close();
    assertFalse(keycloak.running());
    WebClient client = WebClient.create(vertx);
    try {
      Future<?> probe = client.getAbs(keycloak.jwksUri(REALM)).send();
      assertThrows(Exception.class, () -> probe.await(10, TimeUnit.SECONDS), "nothing serves Keycloak's keys now");
    } finally {
      client.close();
    }

    double failuresBefore = fetches("failure");
    awaitFailedFetch(unknownKid, failuresBefore);

    Response first = gateway.send(GET, "/orgs/acme/projects", sarah);
    assertEquals(200, first.status(), first.body().toString());
    assertForwarded("acme", "admin", "projects:*");
    upstream.clear();
    assertEquals(200, gateway.send(GET, "/orgs/startup/projects", bob).status());
    assertForwarded("startup", "member", "projects:read,projects:write");
  }

  /**
   * Sends a token with a kid Keycloak never had until the gateway has tried (and failed) to fetch the keys again:
   * the refetch may wait out the cooldown of an earlier one. Each try is refused.
   */
  static void awaitFailedFetch(String unknownKid, double failuresBefore) throws Exception {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
    while (fetches("failure") <= failuresBefore) {
      assertTrue(System.nanoTime() < deadline, "the gateway tried to fetch Keycloak's keys after it stopped");
      Response refused = gateway.send(GET, "/orgs/acme/projects", unknownKid);
      assertEquals(401, refused.status());
      assertEquals("token_invalid", refused.code());
      if (fetches("failure") <= failuresBefore) {
        Promise<Void> cooldown = Promise.promise();
        vertx.setTimer(250, id -> cooldown.complete());
        cooldown.future().await(5, TimeUnit.SECONDS);
      }
    }
  }

  static double fetches(String result) {
    Counter counter = gateway.server().metrics().registry().find(Metrics.JWKS_FETCHES)
        .tag("issuer", "keycloak").tag("result", result).counter();
    return counter == null ? 0 : counter.count();
  }
}
