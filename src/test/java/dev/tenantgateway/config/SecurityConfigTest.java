package dev.tenantgateway.config;

import dev.tenantgateway.compile.ConfigLoader;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The security keys of routes.yaml: defaults, values, and mistakes reported with a position and a hint. */
class SecurityConfigTest {

  static final String YAML = """
      issuers:
        - id: idp
          issuer: https://idp.test/
          jwks_uri: https://idp.test/jwks.json
          ISSUER_EXTRA
      upstreams:
        app: { url: "http://app:8080" }
      security:
        merge_slashes: true
        SECURITY_EXTRA
      routes:
        - id: live
          methods: [METHODS]
          path: /live
          upstream: app
          require: []
          ROUTE_EXTRA
      """;

  static GatewayConfig parse(String issuer, String security, String methods, String route) throws ConfigException {
    String yaml = YAML.replace("ISSUER_EXTRA", issuer).replace("SECURITY_EXTRA", security).replace("METHODS", methods)
        .replace("ROUTE_EXTRA", route);
    return ConfigLoader.parse(yaml, "routes.yaml", Path.of("."), Map.<String, String>of()::get);
  }

  @Test
  void defaultsAreTheSafeOnes() throws Exception {
    GatewayConfig config = parse("", "", "GET", "");
    GatewayConfig.IssuerConfig issuer = config.issuers().get(0);
    assertEquals(Duration.ofSeconds(5), issuer.jwksTimeout());
    assertEquals(512 * 1024, issuer.jwksMaxBytes());
    assertFalse(issuer.jwksSameOriginRedirects());
    assertNull(issuer.maxTokenLifetime());
    assertFalse(config.security().allowPathLookalikes());
    assertFalse(config.routes().get(0).websocket());
  }

  @Test
  void everyKeyIsRead() throws Exception {
    GatewayConfig config = parse("jwks_timeout: 2s\n    jwks_max_size: 64kb\n    jwks_redirects: same_origin\n"
        + "    max_token_lifetime: 1h", "path_lookalikes: allow", "GET, HEAD", "websocket: true");
    GatewayConfig.IssuerConfig issuer = config.issuers().get(0);
    assertEquals(Duration.ofSeconds(2), issuer.jwksTimeout());
    assertEquals(64 * 1024, issuer.jwksMaxBytes());
    assertTrue(issuer.jwksSameOriginRedirects());
    assertEquals(Duration.ofHours(1), issuer.maxTokenLifetime());
    assertTrue(config.security().allowPathLookalikes());
    assertTrue(config.routes().get(0).websocket());
  }

  /** The README lists the security defaults as `key: value`: as written they load, and they are the defaults. */
  @Test
  void theReadmesSecurityDefaultsLoadAsWrittenAndAreTheDefaults() throws Exception {
    String readme = java.nio.file.Files.readString(Path.of("README.md"));
    String section = readme.substring(readme.indexOf("### `security`"), readme.indexOf("### `state`"));
    java.util.regex.Matcher pair = java.util.regex.Pattern.compile("`([a-z_]+): ([^`]+)`").matcher(section);
    StringBuilder keys = new StringBuilder();
    int count = 0;
    while (pair.find()) {
      count++;
      if (!pair.group(1).equals("merge_slashes")) { // already in the template
        keys.append(pair.group(1)).append(": ").append(pair.group(2)).append("\n  ");
      }
    }
    assertEquals(11, count, "every security key has its default in the README: " + keys);
    assertEquals(GatewayConfig.Security.defaults(), parse("", keys.toString(), "GET", "").security(), keys::toString);
  }

  @ParameterizedTest
  @CsvSource(delimiter = '|', value = {
      "jwks_redirects: always||GET||routes.yaml:5:21: issuers[0].jwks_redirects: 'always' is not refuse or same_origin|never followed",
      "jwks_timeout: 5m||GET||routes.yaml:5:19: issuers[0].jwks_timeout: the JWKS fetch timeout must be between 100ms and 60s|5s",
      "jwks_max_size: 100mb||GET||routes.yaml:5:20: issuers[0].jwks_max_size: the JWKS size limit must be between 1kb and 16mb|512kb",
      "max_token_lifetime: 0s||GET||routes.yaml:5:25: issuers[0].max_token_lifetime: the lifetime must be at least 1s|1h",
      "|path_lookalikes: maybe|GET||routes.yaml:10:20: security.path_lookalikes: 'maybe' is not refuse or allow|NFKC",
      "||POST|websocket: true|routes.yaml:17:16: routes[0].websocket: a WebSocket handshake is a GET|add GET"})
  void mistakesNameTheirPlaceAndTheFix(String issuer, String security, String methods, String route, String expected,
                                       String hint) {
    ConfigException e = assertThrows(ConfigException.class, () -> parse(nz(issuer), nz(security), methods, nz(route)));
    String first = e.errors().get(0).toString();
    assertTrue(first.startsWith(expected), () -> "got: " + first);
    assertTrue(first.contains(hint), () -> "got: " + first);
  }

  static String nz(String s) {
    return s == null ? "" : s;
  }
}
