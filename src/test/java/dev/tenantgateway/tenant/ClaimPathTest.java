package dev.tenantgateway.tenant;

import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

class ClaimPathTest {

  static final JsonObject CLAIMS = new JsonObject("""
      {
        "org_code": "org_acme",
        "scope": "openid  projects:read\\tprojects:write",
        "permissions": ["a", "b c"],
        "realm_access": {"roles": ["admin", "viewer"]},
        "roles": [{"key": "admin", "name": "Admin"}, {"key": "viewer"}],
        "https://app.example.com/active_org": "org_ns",
        "https://app.example.com/claims": {"org": "nested"},
        "aud": ["gateway", "urn:logto:organization:org_l"],
        "count": 3
      }
      """);

  @ParameterizedTest(name = "{0}")
  @CsvSource(delimiter = '|', value = {
      "org_code|org_acme",
      "scope|openid,projects:read,projects:write",
      "permissions|a,b c",
      "realm_access.roles|admin,viewer",
      "roles[].key|admin,viewer",
      "https://app.example.com/active_org|org_ns",
      "\"https://app.example.com/claims\".org|nested",
      "aud|gateway,urn:logto:organization:org_l",
      "missing|''",
      "count|''",
      "realm_access.roles.x|''",
  })
  void stringsAtAPath(String path, String expected) {
    List<String> values = ClaimPath.parse(path).strings(CLAIMS);
    assertEquals(expected, String.join(",", values));
  }

  @ParameterizedTest
  @ValueSource(strings = {"", " ", "a..b", "a.", ".a", "\"open", "a[]x", "a[0]"})
  void malformedPathsAreRefused(String path) {
    assertThrows(IllegalArgumentException.class, () -> ClaimPath.parse(path));
  }

  @Test
  void tenantPrefixPicksTheOrganizationAudience() {
    TenantClaim claim = new TenantClaim(ClaimPath.parse("aud"), "urn:logto:organization:");
    assertEquals(List.of("org_l"), claim.tenants(CLAIMS));
    assertEquals(List.of("org_acme"), new TenantClaim(ClaimPath.parse("org_code"), null).tenants(CLAIMS));
  }
}
