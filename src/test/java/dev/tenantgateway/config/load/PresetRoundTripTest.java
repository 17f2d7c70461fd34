package dev.tenantgateway.config.load;

import dev.tenantgateway.compile.ClaimsCompiler;
import dev.tenantgateway.compile.ConfigLoader;
import dev.tenantgateway.config.ClaimsConfig;
import dev.tenantgateway.tenant.ClaimMapping;
import dev.tenantgateway.tenant.Shape;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;

/**
 * A preset is configuration in the claims language: {@code profile: X} reads into the same model as writing the
 * preset's keys out by hand, and the compiled mapping decides the same.
 */
class PresetRoundTripTest {

  static ClaimsConfig model(String body) throws Exception {
    return ConfigLoader.parse(ClaimsReaderTest.issuer(body), "routes.yaml", Path.of("."), name -> null)
        .issuers().get(0).claims();
  }

  @ParameterizedTest
  @MethodSource("dev.tenantgateway.config.load.ClaimsReaderTest#profiles")
  void aProfileIsItsTextWrittenOut(String profile) throws Exception {
    assertEquals(model(Presets.claims(profile)), model("profile: " + profile));
  }

  @Test
  void theCompiledKeycloakPresetDecidesAsItsTextWrittenOut() throws Exception {
    ClaimMapping preset = ClaimsCompiler.compile(model("profile: keycloak"));
    ClaimMapping written = ClaimsCompiler.compile(model(Presets.claims("keycloak")));
    JsonObject access = new JsonObject().put("sub", "sarah").put("typ", "Bearer").put("scope", "openid projects:read")
        .put("organization", new JsonArray().add("acme").add("globex"))
        .put("groups", new JsonArray().add("/acme/admin").add("/initech/owner"));
    JsonObject idToken = access.copy().put("typ", "ID");
    for (ClaimMapping mapping : List.of(preset, written)) {
      assertNull(mapping.refusal(access));
      assertNotNull(mapping.refusal(idToken), "ID tokens are refused");
      assertEquals("sarah", mapping.userOf(access));
    }
    assertEquals(decisions(preset, access), decisions(written, access));
    assertEquals(Map.of("acme", List.of("admin"), "globex", List.of()), rolesByTenant(preset, access),
        "a group role counts only in an organization the user is a member of");
  }

  private static List<Object> decisions(ClaimMapping mapping, JsonObject claims) {
    Shape shape = mapping.shapeFor(claims);
    List<String> permissions = new ArrayList<>();
    shape.permissions().read(claims, permissions);
    return List.of(permissions, rolesByTenant(mapping, claims), mapping.authorizedParties(), mapping.payloadTypes());
  }

  private static Map<String, List<String>> rolesByTenant(ClaimMapping mapping, JsonObject claims) {
    Map<String, List<String>> roles = new java.util.LinkedHashMap<>();
    mapping.shapeFor(claims).memberships().read(claims).forEach((tenant, m) -> roles.put(tenant, m.roles()));
    return roles;
  }
}
