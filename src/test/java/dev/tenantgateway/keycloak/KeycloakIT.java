package dev.tenantgateway.keycloak;

import dev.tenantgateway.support.GatewayFixture;
import dev.tenantgateway.support.GatewayFixture.Response;
import dev.tenantgateway.support.KeycloakServer;
import dev.tenantgateway.support.RecordingUpstream;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
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

import static io.vertx.core.http.HttpMethod.GET;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;

/**
 * The gateway against a real Keycloak 26: a realm with Organizations ({@code acme}, {@code startup}), Sarah (admin at
 * Acme through the {@code /acme/admin} group, viewer at Startup), Bob (member of Startup only), an audience mapper
 * for the gateway, the {@code organization} client scope, and tokens from Keycloak's own token endpoint.
 * Run with {@code mvn verify -Pkeycloak}.
 */
@ExtendWith(VertxExtension.class)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class KeycloakIT {

  static final String REALM = "saas";
  static final String CLIENT = "gateway-test";
  static final String SECRET = "gateway-test-secret";
  /** Keycloak's dev-mode start compiles its server first: a minute or two on two busy cores. */
  static final Duration START_BOUND = Duration.ofMinutes(5);

  static KeycloakServer keycloak;
  static RecordingUpstream upstream;
  static GatewayFixture gateway;

  static String routes() {
    return """
        listener: { host: 127.0.0.1, port: 0 }
        issuers:
          - id: keycloak
            issuer: "${KC_ISSUER}"
            jwks_uri: "${KC_JWKS}"
            audiences: [tenant-gateway]
            token_type: at+jwt
            jwks_cooldown: 1s
            claims:
              memberships: { tenants: organization }
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
  static void start(Vertx vertx) throws Exception {
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
   * An access token from Keycloak's token endpoint for the test client, with every organization of the user
   * ({@code organization:*}; a bare {@code organization} names one organization, chosen at a browser login).
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

  @Test
  @Order(1)
  void keycloakTokenIsVerifiedAndItsOrganizationsAreTheCallersTenants() throws Exception {
    String token = token("sarah");
    JsonObject claims = payload(token);
    assertEquals(keycloak.issuer(REALM), claims.getString("iss"));
    assertEquals("at+jwt", header(token).getString("typ"));

    Response me = gateway.send(GET, "/_gateway/me", token, "X-Active-Tenant", "acme");
    assertEquals(200, me.status(), me.body().toString());
    assertEquals(claims.getString("sub"), me.json().getString("user"));
    assertEquals("acme", me.json().getString("tenant"));
    assertEquals(Set.of("acme", "startup"), Set.copyOf(me.json().getJsonArray("tenants").getList()));
  }
}
