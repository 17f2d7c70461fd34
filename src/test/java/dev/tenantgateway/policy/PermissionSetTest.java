package dev.tenantgateway.policy;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class PermissionSetTest {

  @ParameterizedTest(name = "{0} grants {1}: {2}")
  @CsvSource(delimiter = '|', value = {
      "projects:*|projects:read|true",
      "projects:*|projects:|true",
      "projects:*|project:read|false",
      "projects:read|projects:read|true",
      "projects:read|projects:write|false",
      "*|anything:at-all|true",
  })
  void templatePatterns(String pattern, String permission, boolean granted) {
    assertEquals(granted, PermissionSet.patterns(List.of(pattern)).grants(permission));
  }

  @Test
  void tokenPermissionsAreLiteral() {
    PermissionSet fromToken = PermissionSet.literal(List.of("projects:*"));
    assertFalse(fromToken.grants("projects:read"), "a wildcard in a token is just a name");
    assertTrue(fromToken.grants("projects:*"));
  }

  @Test
  void unionAndHeaderEncoding() {
    PermissionSet merged = PermissionSet.literal(List.of("b:read", "a:read")).union(PermissionSet.patterns(List.of("c:*")));
    assertEquals(List.of("a:read", "b:read", "c:*"), merged.sortedGrants());
    assertTrue(merged.grants("c:delete"));
    assertTrue(PermissionSet.EMPTY.isEmpty());
  }

  @Test
  void requirementsNest() {
    Requirement r = Requirement.allOf(List.of(Requirement.permission("a"),
        Requirement.anyOf(List.of(Requirement.permission("b"), Requirement.permission("c")))));
    assertTrue(r.isSatisfiedBy(PermissionSet.literal(List.of("a", "c"))));
    assertFalse(r.isSatisfiedBy(PermissionSet.literal(List.of("a"))));
    assertFalse(r.isSatisfiedBy(PermissionSet.literal(List.of("b", "c"))));
    assertEquals(List.of("a", "b", "c"), r.permissionNames());
  }
}
