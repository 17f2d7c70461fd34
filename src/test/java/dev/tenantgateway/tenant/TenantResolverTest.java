package dev.tenantgateway.tenant;

import dev.tenantgateway.auth.Issuer;
import dev.tenantgateway.auth.VerifiedToken;
import dev.tenantgateway.policy.Denial;
import dev.tenantgateway.policy.PermissionSet;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Stages 4 and 5 without a socket: verified claims and the requested tenant in, the caller (tenant, roles,
 * permissions) or the denial out.
 */
class TenantResolverTest {

  static final TenantResolver RESOLVER = new TenantResolver(new RoleTemplate(Map.of(
      "admin", List.of("*"), "viewer", List.of("docs:read"), "editor", List.of("docs:read", "docs:write"))),
      new AppRoles(Map.of("support", new AppRoles.Grant(PermissionSet.literal(List.of("tickets:read")), true))));

  /** Org-scoped tokens (tenant in org_code) with roles and permissions, plus app roles. */
  static final Issuer SCOPED = issuer(new Shape(null, List.of(ClaimPath.parse("sub")),
      new TenantClaim(ClaimPath.parse("org_code"), null), null, ClaimValues.of(List.of(ClaimPath.parse("roles"))),
      ClaimValues.of(List.of(ClaimPath.parse("permissions"))), ClaimValues.of(List.of(ClaimPath.parse("app_roles")))));
  /** Tokens listing memberships in a map keyed by tenant (no active tenant). */
  static final Issuer MEMBERSHIPS = issuer(new Shape(null, List.of(ClaimPath.parse("sub")), null,
      new Memberships.Entries(ClaimPath.parse("orgs"), null, ClaimValues.of(List.of(ClaimPath.parse("roles"))),
          ClaimValues.NONE, true), ClaimValues.NONE, ClaimValues.NONE,
      ClaimValues.of(List.of(ClaimPath.parse("app_roles")))));

  static Issuer issuer(Shape shape) {
    return new Issuer("idp", "https://idp.test/", Set.of(), Set.of("RS256"), 30, null,
        new ClaimMapping(List.of(shape), null, Set.of(), Set.of()), null);
  }

  static VerifiedToken token(Issuer issuer, JsonObject claims) {
    return new VerifiedToken("t", issuer, claims.put("sub", claims.getValue("sub", "u1")), Long.MAX_VALUE, null);
  }

  static JsonObject scoped(String org, String... roles) {
    return new JsonObject().put("org_code", org).put("roles", new JsonArray(List.of(roles)));
  }

  static JsonObject member(Map<String, List<String>> orgs) {
    JsonObject map = new JsonObject();
    orgs.forEach((org, roles) -> map.put(org, new JsonObject().put("roles", new JsonArray(roles))));
    return new JsonObject().put("orgs", map);
  }

  /**
   * @param expected "tenant roles permissions" of the caller, or the denial code
   */
  record Case(String name, Issuer issuer, JsonObject claims, String requested, boolean tenantRequired, String expected) {
    @Override
    public String toString() {
      return name;
    }
  }

  static Stream<Case> cases() {
    return Stream.of(
        new Case("the token's tenant", SCOPED, scoped("acme", "viewer"), null, true, "acme [viewer] [docs:read]"),
        new Case("requested equals the token's", SCOPED, scoped("acme", "viewer"), "acme", true, "acme [viewer] [docs:read]"),
        new Case("requested differs from the token's", SCOPED, scoped("acme", "admin"), "globex", true, "tenant_mismatch"),
        new Case("no tenant where one is required", SCOPED, new JsonObject(), null, true, "tenant_required"),
        new Case("no tenant where none is required", SCOPED, new JsonObject().put("permissions", new JsonArray().add("p")),
            null, false, "null [] [p]"),
        new Case("two tenants in the token", SCOPED, new JsonObject().put("org_code", new JsonArray().add("a").add("b")),
            null, true, "tenant_required"),
        new Case("a tenant claim with a comma", SCOPED, scoped("ac,me", "viewer"), null, true, "refused"),
        new Case("a tenant claim with a newline", SCOPED, scoped("acme\nX-Tenant-Id: evil", "viewer"), null, true, "refused"),
        new Case("a tenant claim with a control character", SCOPED, scoped("ac\u0001me", "viewer"), null, true, "token_invalid"),
        new Case("a tenant claim with non-ASCII", SCOPED, scoped("acm\u00e9", "viewer"), null, true, "token_invalid"),
        new Case("a requested tenant with a space", SCOPED, new JsonObject(), "a b", true, "bad_request"),
        new Case("a user claim with a control character", SCOPED, scoped("acme").put("sub", "u\u0001"), null, true, "token_invalid"),
        new Case("unsafe role names are dropped", SCOPED, scoped("acme", "viewer", "adm\u0001in", "\u00e4dmin"), null, true,
            "acme [viewer] [docs:read]"),
        new Case("token wildcards are literal", SCOPED, scoped("acme").put("permissions", new JsonArray().add("*")), null,
            true, "acme [] [*]"),
        new Case("membership chosen by request", MEMBERSHIPS, member(Map.of("acme", List.of("editor"), "globex", List.of("viewer"))),
            "globex", true, "globex [viewer] [docs:read]"),
        new Case("not a member of the requested tenant", MEMBERSHIPS, member(Map.of("acme", List.of("admin"))), "globex",
            true, "tenant_forbidden"),
        new Case("an app role that may act in any tenant", MEMBERSHIPS, member(Map.of("acme", List.of("admin")))
            .put("app_roles", new JsonArray().add("support")), "globex", true, "globex [] [tickets:read]"),
        new Case("memberships without a choice", MEMBERSHIPS, member(Map.of("acme", List.of("admin"))), null, true,
            "tenant_required"));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("cases")
  void table(Case c) {
    VerifiedToken token = token(c.issuer(), c.claims());
    if (!c.expected().contains(" ")) {
      Denial.DeniedException denied = assertThrows(Denial.DeniedException.class,
          () -> RESOLVER.resolve(token, c.requested(), c.tenantRequired(), null));
      if (c.expected().equals("refused")) { // how it is refused may change; that it is may not
        assertTrue(denied.denial().status() >= 400 && denied.denial().status() < 500, c.name());
      } else {
        assertEquals(c.expected(), denied.denial().code(), c.name());
      }
      return;
    }
    Caller caller = RESOLVER.resolve(token, c.requested(), c.tenantRequired(), null);
    assertEquals(c.expected(), caller.tenant() + " " + caller.roles() + " " + caller.permissions().sortedGrants(), c.name());
  }

  @Provide
  Arbitrary<String> anyTenant() {
    return Arbitraries.oneOf(Arbitraries.strings().ofMaxLength(20),
        Arbitraries.strings().withCharRange('!', '~').ofMinLength(1).ofMaxLength(10));
  }

  /** Whatever a token or a request names, a resolved tenant can travel in a header; otherwise it is a denial. */
  @Property(tries = 1000)
  void aResolvedTenantIsAlwaysHeaderSafe(@ForAll("anyTenant") String tokenTenant, @ForAll("anyTenant") String requested,
                                         @ForAll boolean request) {
    VerifiedToken token = token(SCOPED, scoped(tokenTenant, "viewer"));
    try {
      Caller caller = RESOLVER.resolve(token, request ? requested : null, true, null);
      assertTrue(TenantResolver.isHeaderSafe(caller.tenant()), caller.tenant());
      assertTrue(tokenTenant.contains(caller.tenant()), "the caller acts in the token's tenant, never another");
      assertTrue(!request || requested.equals(caller.tenant()), "and in the requested one when the request names one");
    } catch (Denial.DeniedException denied) {
      assertTrue(List.of("tenant_mismatch", "tenant_required", "tenant_forbidden", "token_invalid", "bad_request")
          .contains(denied.denial().code()), denied.denial().code());
    }
  }

  /** A request can only choose a tenant the token lists: anything else is a denial. */
  @Property(tries = 500)
  void aRequestNeverChoosesATenantTheTokenDoesNotList(@ForAll("anyTenant") String requested) {
    VerifiedToken token = token(MEMBERSHIPS, member(Map.of("acme", List.of("admin"), "globex", List.of("viewer"))));
    try {
      Caller caller = RESOLVER.resolve(token, requested, true, null);
      assertTrue(List.of("acme", "globex").contains(caller.tenant()), caller.tenant());
      assertEquals(requested, caller.tenant());
    } catch (Denial.DeniedException denied) {
      assertTrue(List.of("tenant_forbidden", "bad_request", "tenant_required").contains(denied.denial().code()),
          denied.denial().code());
    }
  }
}
