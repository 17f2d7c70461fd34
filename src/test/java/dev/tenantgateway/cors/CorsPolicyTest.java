package dev.tenantgateway.cors;

import dev.tenantgateway.compile.CorsCompiler;
import dev.tenantgateway.config.GatewayConfig;
import dev.tenantgateway.config.Position;
import dev.tenantgateway.policy.Denial;
import io.vertx.core.MultiMap;
import io.vertx.core.http.HttpMethod;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.time.Duration;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The compiled policy: which origins it allows, and the headers it writes. */
class CorsPolicyTest {

  static CorsPolicy policy(List<String> origins, boolean tenantOrigin, boolean credentials) {
    return CorsCompiler.policy(new GatewayConfig.Cors(origins, tenantOrigin, List.of(), List.of("Authorization"),
        List.of("X-Request-Id"), credentials, Duration.ofMinutes(2), new Position(1, 1, "cors")),
        List.of(HttpMethod.GET, HttpMethod.POST));
  }

  @ParameterizedTest(name = "{0} allowed: {1}")
  @CsvSource(delimiter = '|', textBlock = """
      https://app.example.com | true
      https://acme.tenants.example.com | true
      https://acme-2.tenants.example.com | true
      http://app.example.com | false
      https://app.example.com:8443 | false
      https://app.example.com.evil.net | false
      https://evil.net/https://app.example.com | false
      https://a.b.tenants.example.com | false
      https://.tenants.example.com | false
      https://-x.tenants.example.com | false
      https://acmeXtenants.example.com | false
      https://tenants.example.com | false
      null | false
      """)
  void originsAreMatchedExactlyOrByOneLabel(String origin, boolean allowed) {
    CorsPolicy policy = policy(List.of("https://app.example.com", "https://{tenant}.tenants.example.com"), false, false);
    assertEquals(allowed, policy.allowsOrigin(origin));
  }

  @Test
  void aTenantBoundPatternAllowsOnlyTheCallersTenant() {
    CorsPolicy policy = policy(List.of("https://app.example.com", "https://{tenant}.tenants.example.com"), true, false);
    assertTrue(policy.allows("https://acme.tenants.example.com", "acme"));
    assertTrue(policy.allows("https://acme.tenants.example.com", "ACME"), "host names ignore case");
    assertFalse(policy.allows("https://acme.tenants.example.com", "globex"));
    assertTrue(policy.allows("https://acme.tenants.example.com", null), "no tenant known yet: the pattern decides");
    assertTrue(policy.allows("https://app.example.com", "globex"), "an exact origin is bound to no tenant");
    Denial mismatch = policy.checkTenant("https://acme.tenants.example.com", "globex");
    assertNotNull(mismatch);
    assertEquals("cors_tenant_mismatch", mismatch.code());
    assertNull(policy.checkTenant("https://acme.tenants.example.com", "acme"));
    assertNull(policy.checkTenant("https://app.example.com", "globex"));
  }

  @Test
  void theWildcardIsSentAsSuchAndNeverReflected() {
    CorsPolicy any = policy(List.of("*"), false, false);
    MultiMap headers = MultiMap.caseInsensitiveMultiMap();
    any.writeActual(headers, "https://whoever.example", null);
    assertEquals("*", headers.get("Access-Control-Allow-Origin"));
    assertNull(headers.get("Access-Control-Allow-Credentials"));
  }

  @Test
  void actualHeadersReplaceTheUpstreamsAndMergeVary() {
    CorsPolicy policy = policy(List.of("https://app.example.com"), false, true);
    MultiMap headers = MultiMap.caseInsensitiveMultiMap()
        .add("Access-Control-Allow-Origin", "*")
        .add("Access-Control-Allow-Methods", "PUT")
        .add("Vary", "Accept-Encoding");
    policy.writeActual(headers, "https://app.example.com", null);
    assertEquals(List.of("https://app.example.com"), headers.getAll("Access-Control-Allow-Origin"));
    assertEquals("true", headers.get("Access-Control-Allow-Credentials"));
    assertEquals("X-Request-Id", headers.get("Access-Control-Expose-Headers"));
    assertNull(headers.get("Access-Control-Allow-Methods"), "preflight-only headers do not belong on a response");
    assertEquals(List.of("Accept-Encoding", "Origin"), headers.getAll("Vary"));

    MultiMap refused = MultiMap.caseInsensitiveMultiMap().add("Access-Control-Allow-Origin", "https://evil.example")
        .add("Vary", "origin");
    policy.writeActual(refused, "https://evil.example", null);
    assertNull(refused.get("Access-Control-Allow-Origin"));
    assertEquals(List.of("origin"), refused.getAll("Vary"), "Origin already varies");
  }

  @Test
  void preflightChecksAndAnswer() {
    CorsPolicy policy = policy(List.of("https://app.example.com"), false, false);
    assertNull(policy.checkPreflight("https://app.example.com", "POST", "Authorization"));
    assertNull(policy.checkPreflight("https://app.example.com", "GET", null));
    assertEquals("cors_refused", policy.checkPreflight("https://app.example.com", "DELETE", null).code());
    assertEquals("cors_refused", policy.checkPreflight("https://app.example.com", "GET", "authorization, x-other").code());
    assertEquals("cors_refused", policy.checkPreflight("https://other.example.com", "GET", null).code());
    MultiMap headers = MultiMap.caseInsensitiveMultiMap();
    policy.writePreflight(headers, "https://app.example.com", "authorization");
    assertEquals("https://app.example.com", headers.get("Access-Control-Allow-Origin"));
    assertEquals("GET, POST", headers.get("Access-Control-Allow-Methods"));
    assertEquals("Authorization", headers.get("Access-Control-Allow-Headers"));
    assertEquals("120", headers.get("Access-Control-Max-Age"));
  }

  @Test
  void anyHeaderEchoesWhatThePreflightAsks() {
    CorsPolicy policy = CorsCompiler.policy(new GatewayConfig.Cors(List.of("https://app.example.com"), false,
        List.of("GET"), List.of("*"), List.of(), false, null, new Position(1, 1, "cors")), List.of(HttpMethod.GET));
    assertNull(policy.checkPreflight("https://app.example.com", "GET", "authorization, x-trace"));
    MultiMap headers = MultiMap.caseInsensitiveMultiMap();
    policy.writePreflight(headers, "https://app.example.com", "authorization, x-trace");
    assertEquals("authorization, x-trace", headers.get("Access-Control-Allow-Headers"));
    assertNull(headers.get("Access-Control-Max-Age"), "no max_age: the browser's default");
  }
}
