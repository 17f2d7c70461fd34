package dev.tenantgateway.auth;

import dev.tenantgateway.support.TestIssuer;
import dev.tenantgateway.tenant.ClaimMapping;
import dev.tenantgateway.tenant.ClaimPath;
import dev.tenantgateway.tenant.TenantClaim;
import io.vertx.core.json.JsonArray;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The verified-token cache and the per-thread table in front of it: a hit is checked like a fresh verification
 * (lifetime), a look-alike token never hits, and invalidation reaches the table too. Every look-up uses a new string
 * with the token's characters, as every request's header value is.
 */
class TokenVerifierTest {

  static final TestIssuer IDP = new TestIssuer("https://idp.example.test");
  final AtomicLong now = new AtomicLong(System.currentTimeMillis() / 1000);
  TokenVerifier verifier;

  @BeforeEach
  void setUp() {
    ClaimMapping claims = new ClaimMapping(ClaimPath.parse("sub"), new TenantClaim(ClaimPath.parse("org_code"), null),
        List.of(ClaimPath.parse("permissions")), List.of(ClaimPath.parse("roles")));
    Issuer issuer = new Issuer("idp", "https://idp.example.test", Set.of("gateway"), Set.of("RS256"), 30, null, claims,
        KeySources.pem(TestIssuer.pem(IDP.key("rsa-1")), Set.of("RS256")));
    verifier = new TokenVerifier(Map.of(issuer.issuer(), issuer), 100, now::get);
  }

  static String token(String sub) {
    return IDP.mint(IDP.claims(sub).put("org_code", "acme").put("permissions", new JsonArray().add("projects:read")));
  }

  static String copy(String token) {
    return new String(token.toCharArray());
  }

  @Test
  void aReusedTokenHitsUntilItExpires() {
    String token = token("sarah");
    assertNull(verifier.cached(copy(token)), "nothing is cached before the first verification");
    assertTrue(verifier.verify(copy(token)).succeeded());
    VerifiedToken first = verifier.cached(copy(token));
    assertNotNull(first);
    assertEquals("sarah", first.claims().getString("sub"));
    assertEquals(first, verifier.cached(copy(token)), "the second look-up finds the same verification");
    now.addAndGet(3600 + 31); // past exp and the 30 s leeway
    assertNull(verifier.cached(copy(token)), "an expired token never hits, wherever it is cached");
    assertTrue(verifier.verify(copy(token)).failed());
  }

  @Test
  void aTokenDifferingOnlyBeforeItsLastCharactersNeverHits() {
    String token = token("sarah");
    assertTrue(verifier.verify(token).succeeded());
    assertNotNull(verifier.cached(copy(token)));
    int payload = token.indexOf('.') + 5;
    char changed = token.charAt(payload) == 'A' ? 'B' : 'A';
    String lookAlike = token.substring(0, payload) + changed + token.substring(payload + 1);
    assertNull(verifier.cached(lookAlike), "same signature characters, different payload: not the cached token");
    assertTrue(verifier.verify(lookAlike).failed());
  }

  @Test
  void invalidationReachesEveryCachedVerification() {
    String sarah = token("sarah");
    String bob = token("bob");
    assertTrue(verifier.verify(sarah).succeeded());
    assertTrue(verifier.verify(bob).succeeded());
    assertNotNull(verifier.cached(copy(sarah)));
    assertNotNull(verifier.cached(copy(bob)));
    verifier.invalidateAll();
    assertNull(verifier.cached(copy(sarah)));
    assertNull(verifier.cached(copy(bob)));
    assertTrue(verifier.verify(copy(bob)).succeeded(), "and a token verifies again afterwards");
    assertNotNull(verifier.cached(copy(bob)));
  }
}
