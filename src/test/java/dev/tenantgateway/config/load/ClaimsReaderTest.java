package dev.tenantgateway.config.load;

import dev.tenantgateway.compile.ClaimsCompiler;
import dev.tenantgateway.compile.ConfigAdvisor;
import dev.tenantgateway.compile.ConfigLoader;
import dev.tenantgateway.config.ConfigException;
import dev.tenantgateway.config.GatewayConfig;

import dev.tenantgateway.tenant.ClaimMapping;
import dev.tenantgateway.tenant.Memberships;
import dev.tenantgateway.tenant.RoleTemplate;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.MethodSource;

import java.nio.file.Path;
import java.util.List;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The tenancy keys of an issuer: what they compile to (read into the model, then compiled), and what {@code validate} refuses, with where and why. */
class ClaimsReaderTest {

  static String issuer(String body) {
    return """
        issuers:
          - id: idp
            issuer: https://idp.test/
            jwks_uri: https://idp.test/jwks.json
        %s
        upstreams:
          app: { url: "http://app:8080" }
        routes:
          - { id: list, methods: [GET], path: /projects, upstream: app, require: projects:read }
        """.formatted(body.indent(4).stripTrailing());
  }

  /** The issuer's claims block as the model holds it, compiled as the gateway compiles it. */
  static ClaimMapping mapping(String body) throws ConfigException {
    return ClaimsCompiler.compile(ConfigLoader.parse(issuer(body), "routes.yaml", Path.of("."), name -> null).issuers().get(0).claims());
  }

  static ConfigException refused(String body) {
    return assertThrows(ConfigException.class, () -> mapping(body));
  }

  static java.util.stream.Stream<String> profiles() {
    return Presets.names().stream();
  }

  @ParameterizedTest
  @MethodSource("profiles")
  void everyPresetCompiles(String profile) throws Exception {
    ClaimMapping mapping = mapping("profile: " + profile);
    assertTrue(!mapping.shapes().isEmpty());
  }

  @Test
  void shapesInheritThePresetAndTheIssuersClaims() throws Exception {
    ClaimMapping mapping = mapping("""
        profile: kinde
        claims: { permissions: { first: [permissions, scope] } }
        shapes:
          - when: { claim: gty, equals: [client-credentials, client_credentials] }
            claims: { roles: [] }
          - when: { claim: org_code, present: false }
            claims: { tenant: [] }
          - claims: {}
        """);
    assertEquals(3, mapping.shapes().size());
    assertTrue(mapping.shapes().get(0).roles().isEmpty(), "[] clears a key");
    assertEquals("org_code", mapping.shapes().get(0).tenant().paths().get(0).toString(), "the preset's tenant stays");
    assertNull(mapping.shapes().get(1).tenant());
    assertEquals("roles[].key", mapping.shapes().get(2).roles().paths().get(0).toString());
  }

  @Test
  void rolesTemplatePerIssuer() throws Exception {
    assertNull(mapping("roles_template: inherit").template());
    assertSame(RoleTemplate.NONE, mapping("roles_template: none").template());
    RoleTemplate own = mapping("roles_template: { owner: [\"projects:*\"] }").template();
    assertTrue(own.permissionsOf(List.of("owner")).grants("projects:delete"));
  }

  @Test
  void authorizedPartiesAndPayloadType() throws Exception {
    ClaimMapping mapping = mapping("authorized_parties: [web, cli]\nprofile: keycloak");
    assertEquals(Set.of("web", "cli"), mapping.authorizedParties());
    assertEquals(Set.of("Bearer"), mapping.payloadTypes(), "the keycloak preset refuses ID tokens");
    assertEquals(Set.of(), mapping("profile: keycloak\npayload_type: []").payloadTypes());
  }

  @Test
  void keycloakMembershipsJoinGroupRolesToOrganizations() throws Exception {
    var memberships = mapping("profile: keycloak").shapes().get(0).memberships();
    assertInstanceOf(Memberships.Joined.class, memberships);
  }

  @ParameterizedTest(name = "{0}")
  @CsvSource(delimiter = '|', quoteCharacter = '`', value = {
      // a shape after one without when
      "shapes: [ { claims: {} }, { when: { claim: gty, present: true }, claims: {} } ]"
          + "|issuers[0].shapes[1]: this shape can never be chosen: shape 0 before it has no when",
      // present before equals on the same claim
      "shapes: [ { when: { claim: gty, present: true }, claims: {} }, { when: { claim: gty, equals: x }, claims: {} } ]"
          + "|issuers[0].shapes[1]: this shape can never be chosen: every token it admits (gty in [x]) is taken by shape 0 (gty present)",
      // the same value twice
      "shapes: [ { when: { claim: gty, equals: [a, b] }, claims: {} }, { when: { claim: gty, equals: [b, c] }, claims: {} } ]"
          + "|issuers[0].shapes[1]: this shape overlaps shape 0: tokens with gty in [b] would silently take shape 0",
      "shapes: [ { when: { claim: gty }, claims: {} } ]|issuers[0].shapes[0].when: write exactly one of equals and present",
      "shapes: []|issuers[0].shapes: shapes needs a non-empty list",
      // patterns
      "claims: { memberships: { pairs: groups, pattern: '^(?<org>[^:]+):(?<role>.+)$' } }"
          + "|issuers[0].claims.memberships.pattern: the pattern needs the named groups tenant and role",
      "claims: { memberships: { pairs: groups, pattern: '^(?<tenant>[^:]+:(?<role>.+)$' } }"
          + "|issuers[0].claims.memberships.pattern: not a valid regular expression",
      "claims: { memberships: { tenants: organization, tenant_roles: { pairs: groups, pattern: '^/(?<tenant>[^/]+)$' } } }"
          + "|issuers[0].claims.memberships.tenant_roles.pattern: the pattern needs the named groups tenant and role",
      "claims: { memberships: { pairs: groups, separator: ':', pattern: '(?<tenant>a)(?<role>b)' } }"
          + "|write separator or pattern, not both",
      "claims: { roles: { claim: roles, keep_pattern: '[a-' } }|issuers[0].claims.roles.keep_pattern: not a valid regular expression",
      // fields that do not exist, in the claims block and in a field
      "profile: keycloak\\nclaims: { rols: groups }|issuers[0].claims.rols: unknown key 'rols' — valid keys here: user, tenant,"
          + " memberships, permissions, roles, app_roles (did you mean 'roles'?)",
      "claims: { permissions: { claim: scope, drop_scopes: false } }|issuers[0].claims.permissions.drop_scopes: unknown key 'drop_scopes'",
      "claims: { permissions: { claim: scope, first: [scope] } }|write exactly one of claim, first and decode",
      "claims: { permissions: { decode: auth0 } }|unknown decoder 'auth0'",
      "claims: { roles: { claim: roles, split: tab } }|'tab' is not space, comma or none",
      "claims: { memberships: { pairs: groups, id: id } }|issuers[0].claims.memberships.id: id applies to tenants and tenant_map only",
      "claims: { memberships: { tenants: orgs, separator: ':' } }|separator applies to pairs only",
      "claims: { memberships: { tenants: orgs, pairs: groups } }|write exactly one of tenants, tenant_map, role_map, pairs and store",
      "profile: keycloack|issuers[0].profile: unknown profile 'keycloack'",
      "roles_template: some|'some' is not inherit, none or a template",
      "roles_template: { owner: [\"projects:**\"] }|'projects:**' is not a permission or pattern",
      "authorized_parties: []|issuers[0].authorized_parties: the list is empty",
  })
  void badTenancyConfigurationIsRefusedWithWhereAndWhy(String body, String expected) {
    ConfigException e = refused(body.replace("\\n", "\n"));
    assertTrue(e.getMessage().contains(expected), e.getMessage());
    assertTrue(e.errors().stream().allMatch(error -> error.line() > 0), "every error has a position: " + e.getMessage());
  }

  @Test
  void shapesOnDifferentClaimsThatMayBothHoldAreAWarning() throws Exception {
    GatewayConfig config = ConfigLoader.parse(issuer("""
        audiences: [gateway]
        shapes:
          - when: { claim: gty, equals: client-credentials }
            claims: {}
          - when: { claim: org_id, present: true }
            claims: {}
          - when: { claim: azp, present: false }
            claims: {}
        """), "routes.yaml", Path.of("."), name -> null);
    List<String> warnings = ConfigAdvisor.warnings(config).stream().filter(w -> w.contains("shapes[")).toList();
    assertEquals(1, warnings.size(), warnings::toString);
    assertTrue(warnings.get(0).contains("a token with gty in [client-credentials] and org_id present takes shapes[0], never shapes[1]"),
        warnings.get(0));
  }

  @Test
  void theOldSingleBlockFormStillReads() throws Exception {
    ClaimMapping mapping = mapping("claims: { tenant: org_code, roles: roles, permissions: [permissions, scope] }");
    assertEquals(1, mapping.shapes().size());
    assertNull(mapping.shapes().get(0).when());
    assertEquals(2, mapping.shapes().get(0).permissions().paths().size());
  }
}
