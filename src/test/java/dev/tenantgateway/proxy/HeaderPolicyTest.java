package dev.tenantgateway.proxy;

import dev.tenantgateway.policy.PermissionSet;
import dev.tenantgateway.tenant.Caller;
import io.vertx.core.MultiMap;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The trust boundary on request headers, without a socket: what a client sends in, what the upstream would get out.
 * Table-driven cases for each rule, and properties over every spelling of a reserved name.
 */
class HeaderPolicyTest {

  static final HeaderPolicy POLICY = new HeaderPolicy("X-Tenant-Id", "X-User-Id", "X-User-Roles", "X-User-Permissions",
      "X-App-Roles", List.of("X-Internal-Secret"));
  static final Caller CALLER = new Caller("u1", "acme", List.of("viewer"), PermissionSet.literal(List.of("docs:read")));

  /** One case: headers in (name, value pairs), what the caller is, and the expected headers out (null: absent). */
  record Case(String name, List<String> in, boolean publicRoute, boolean forwardAuthorization, boolean trustedPeer,
              Map<String, List<String>> expected) {
    @Override
    public String toString() {
      return name;
    }
  }

  static Case of(String name, List<String> in, Map<String, List<String>> expected) {
    return new Case(name, in, false, false, false, expected);
  }

  static Stream<Case> cases() {
    return Stream.of(
        of("a spoofed tenant is replaced", List.of("X-Tenant-Id", "evil"), Map.of("X-Tenant-Id", List.of("acme"))),
        of("lower case", List.of("x-tenant-id", "evil"), Map.of("X-Tenant-Id", List.of("acme"))),
        of("underscores (CGI)", List.of("X_Tenant_Id", "evil"), Map.of("X-Tenant-Id", List.of("acme"), "X_Tenant_Id", List.of())),
        of("mixed separators and case", List.of("x_TENANT-id", "evil"), Map.of("X-Tenant-Id", List.of("acme"), "x_TENANT-id", List.of())),
        of("duplicates", List.of("X-Tenant-Id", "a", "X-Tenant-Id", "b", "x-tenant-id", "c"), Map.of("X-Tenant-Id", List.of("acme"))),
        of("every trusted header", List.of("X-User-Id", "root", "X-User-Roles", "admin", "X-User-Permissions", "*",
            "X-App-Roles", "support"), Map.of("X-User-Id", List.of("u1"), "X-User-Roles", List.of("viewer"),
            "X-User-Permissions", List.of("docs:read"), "X-App-Roles", List.of())),
        of("configured reserved name", List.of("x_internal_secret", "s"), Map.of("x_internal_secret", List.of(), "X-Internal-Secret", List.of())),
        of("request id is the gateway's", List.of("X-Request-Id", "client"), Map.of("X-Request-Id", List.of("rid"))),
        of("untrusted forwarding headers", List.of("X-Forwarded-For", "6.6.6.6", "Forwarded", "for=6.6.6.6",
            "X-Real-IP", "6.6.6.6", "X-Forwarded-Proto", "https", "X_Forwarded_Host", "evil"),
            Map.of("X-Forwarded-For", List.of("10.0.0.9"), "Forwarded", List.of(), "X-Real-IP", List.of(),
                "X-Forwarded-Proto", List.of("http"), "X_Forwarded_Host", List.of(), "X-Forwarded-Host", List.of("gw"))),
        new Case("trusted proxy headers kept and appended", List.of("X-Forwarded-For", "203.0.113.7", "X-Forwarded-Proto",
            "https", "X_Forwarded_For", "6.6.6.6", "X-Tenant-Id", "evil"), false, false, true,
            Map.of("X-Forwarded-For", List.of("203.0.113.7, 10.0.0.9"), "X-Forwarded-Proto", List.of("https"),
                "X_Forwarded_For", List.of(), "X-Tenant-Id", List.of("acme"))),
        of("a name listed in Connection goes", List.of("Connection", "keep-alive, X-Other", "X-Other", "1", "X-Kept", "2"),
            Map.of("X-Other", List.of(), "X-Kept", List.of("2"))),
        of("framing headers cannot be removed through Connection", List.of("Connection", "Content-Length, Host",
            "Content-Length", "3", "Host", "gw"), Map.of("Content-Length", List.of("3"), "Host", List.of("gw"))),
        of("Authorization is not forwarded by default", List.of("Authorization", "Bearer t"), Map.of("Authorization", List.of())),
        new Case("Authorization is forwarded when the route says so", List.of("Authorization", "Bearer t"), false, true, false,
            Map.of("Authorization", List.of("Bearer t"))),
        new Case("a public route strips but sets nothing", List.of("X-Tenant-Id", "evil", "X-User-Id", "root"), true, false,
            false, Map.of("X-Tenant-Id", List.of(), "X-User-Id", List.of(), "X-User-Roles", List.of())),
        of("ordinary headers pass untouched", List.of("Accept", "text/plain", "X-Trace", "a", "X-Trace", "b"),
            Map.of("Accept", List.of("text/plain"), "X-Trace", List.of("a", "b"))));
  }

  static MultiMap apply(Case c) {
    MultiMap headers = MultiMap.caseInsensitiveMultiMap();
    for (int i = 0; i < c.in().size(); i += 2) {
      headers.add(c.in().get(i), c.in().get(i + 1));
    }
    POLICY.apply(headers, c.publicRoute() ? null : CALLER, c.forwardAuthorization(), "rid", "10.0.0.9", "http", "gw",
        c.trustedPeer());
    return headers;
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("cases")
  void table(Case c) {
    MultiMap out = apply(c);
    c.expected().forEach((name, values) -> {
      List<String> actual = new ArrayList<>();
      // exact-name view: a header spelled with underscores must not survive under that spelling
      out.forEach((n, v) -> {
        if (n.equalsIgnoreCase(name)) {
          actual.add(v);
        }
      });
      assertEquals(values, actual, c + ": " + name + " in " + out);
    });
  }

  @org.junit.jupiter.api.Test
  void reservedNamesAreRecognisedInAnySpelling() {
    assertTrue(POLICY.isReserved("X-Tenant-Id"));
    assertTrue(POLICY.isReserved("x_tenant_ID"));
    assertTrue(POLICY.isReserved("X-Forwarded-Anything"));
    assertTrue(POLICY.isReserved("x_forwarded_port"));
    assertTrue(POLICY.isReserved("X-INTERNAL-SECRET"));
    assertFalse(POLICY.isReserved("X-Tenant"));
    assertFalse(POLICY.isReserved("X-Tenant-Idx"));
    assertEquals("x-tenant-id", HeaderPolicy.fold("X_Tenant_ID"));
  }

  // -------------------------------------------------------------------------------------------------------------
  // Properties over header spellings

  static final List<String> RESERVED = List.of("X-Tenant-Id", "X-User-Id", "X-User-Roles", "X-User-Permissions",
      "X-App-Roles", "X-Request-Id", "X-Internal-Secret", "Forwarded", "X-Real-IP", "X-Forwarded-For",
      "X-Forwarded-Host", "X-Forwarded-Proto", "X-Forwarded-Prefix");

  /** A reserved name in a random spelling: each letter in either case, each '-' as '-' or '_'. */
  @Provide
  Arbitrary<String> reservedSpellings() {
    return Combinators.combine(Arbitraries.of(RESERVED), Arbitraries.longs()).as((name, bits) -> {
      StringBuilder out = new StringBuilder();
      for (int i = 0; i < name.length(); i++) {
        char c = name.charAt(i);
        boolean flip = ((bits >>> (i % 64)) & 1) == 1;
        if (c == '-') {
          out.append(flip ? '_' : '-');
        } else {
          out.append(flip ? Character.toUpperCase(c) : Character.toLowerCase(c));
        }
      }
      return out.toString();
    });
  }

  @Property(tries = 1000)
  void noSpellingOfAReservedNameCarriesAClientValueUpstream(@ForAll("reservedSpellings") String spelled,
                                                            @ForAll("reservedSpellings") String listedInConnection,
                                                            @ForAll boolean viaConnection) {
    MultiMap headers = MultiMap.caseInsensitiveMultiMap();
    headers.add(spelled, "evil");
    headers.add(spelled, "evil-again");
    if (viaConnection) {
      headers.add("Connection", listedInConnection);
    }
    POLICY.apply(headers, CALLER, false, "rid", "10.0.0.9", "http", "gw", false);
    headers.forEach((name, value) -> {
      if (POLICY.isReserved(name)) {
        assertFalse(value.startsWith("evil"), spelled + " survived as " + name + ": " + value);
      }
    });
    assertEquals(List.of("acme"), headers.getAll("X-Tenant-Id"));
    assertEquals(List.of("rid"), headers.getAll("X-Request-Id"));
  }

  @Property(tries = 500)
  void ordinaryHeadersSurviveInAnySpelling(@ForAll("ordinaryNames") String name, @ForAll("values") String value) {
    MultiMap headers = MultiMap.caseInsensitiveMultiMap();
    headers.add(name, value);
    POLICY.apply(headers, CALLER, false, "rid", "10.0.0.9", "http", "gw", false);
    assertEquals(List.of(value), headers.getAll(name), name);
  }

  @Provide
  Arbitrary<String> ordinaryNames() {
    return Arbitraries.strings().withChars("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_")
        .ofMinLength(1).ofMaxLength(20)
        .filter(n -> !POLICY.isReserved(n) && !HeaderPolicy.fold(n).equals("authorization")
            && !HeaderPolicy.fold(n).equals("connection") && !n.toLowerCase(Locale.ROOT).startsWith("x-forwarded"));
  }

  @Provide
  Arbitrary<String> values() {
    return Arbitraries.strings().withCharRange(' ', '~').ofMaxLength(40);
  }

  @org.junit.jupiter.api.Test
  void aCallerWithoutTenantSetsNoTenantHeader() {
    MultiMap headers = MultiMap.caseInsensitiveMultiMap().add("X-Tenant-Id", "evil");
    POLICY.apply(headers, new Caller("u1", null, List.of(), PermissionSet.literal(List.of())), false, "rid", null,
        "http", null, false);
    assertNull(headers.get("X-Tenant-Id"));
    assertNull(headers.get("X-Forwarded-For"));
    assertEquals("u1", headers.get("X-User-Id"));
  }
}
