package dev.tenantgateway.config;

import dev.tenantgateway.config.ClaimsConfig.Condition;
import org.junit.jupiter.api.Test;

import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The model's claims section: what it can tell without compiling (shapes that are never chosen, path syntax). */
class ClaimsConfigTest {

  @Test
  void conditionsKnowWhenAnotherTakesTheirTokens() {
    Condition present = new Condition("gty", Condition.Kind.PRESENT, Set.of());
    Condition absent = new Condition("gty", Condition.Kind.ABSENT, Set.of());
    Condition cc = new Condition("gty", Condition.Kind.EQUALS, Set.of("client-credentials"));
    Condition both = new Condition("gty", Condition.Kind.EQUALS, Set.of("client-credentials", "client_credentials"));
    assertTrue(cc.shadowedBy(present));
    assertTrue(cc.shadowedBy(both));
    assertFalse(both.shadowedBy(cc));
    assertFalse(absent.shadowedBy(present));
    assertFalse(cc.shadowedBy(new Condition("azp", Condition.Kind.PRESENT, Set.of())));
    assertEquals(Set.of("client-credentials"), both.sharedValues(cc));
    assertEquals("gty in [client-credentials, client_credentials]", both.toString());
  }

  @Test
  void claimPathSyntaxNamesWhatIsWrong() {
    assertEquals(2, ClaimPathSyntax.steps("roles[].key").size());
    assertTrue(ClaimPathSyntax.steps("roles[].key").get(0).each());
    assertEquals(1, ClaimPathSyntax.steps("https://app.example.com/org").size());
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> ClaimPathSyntax.steps("a..b"));
    assertTrue(e.getMessage().contains("empty key in claim path 'a..b'"), e.getMessage());
  }
}
