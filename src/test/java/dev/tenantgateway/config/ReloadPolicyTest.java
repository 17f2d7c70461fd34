package dev.tenantgateway.config;

import dev.tenantgateway.compile.ConfigLoader;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;

class ReloadPolicyTest {

  private static final String BASE = """
      issuers:
        - id: idp
          issuer: https://idp.test/
          jwks_uri: https://idp.test/jwks
      upstreams:
        app: { url: "http://127.0.0.1:9000" }
      routes:
        - { id: list, methods: [GET], path: /projects, upstream: app, require: projects:read }
      """;

  private static GatewayConfig parse(String extra) throws ConfigException {
    return ConfigLoader.parse(BASE + extra, "routes.yaml", Path.of("."), Map.<String, String>of()::get);
  }

  /** Each change names exactly the setting that needs a restart, or nothing when the reload applies it. */
  @ParameterizedTest
  @CsvSource(delimiter = '|', value = {
      "state:\\n  redis: { url: 'redis://127.0.0.1:6379' }\\n | state.redis",
      "state:\\n  memberships: { cache_ttl: 5s }\\n | state.memberships.cache_ttl",
      "state:\\n  revocation: { on_failure: open }\\n | ",
      "security:\\n  idle_timeout: 5s\\n | security.idle_timeout",
      "security:\\n  max_connections: 7\\n | security.max_connections",
      "security:\\n  trusted_proxies: [10.0.0.0/8]\\n | ",
      "security:\\n  token_cache_size: 0\\n | ",
      "listener:\\n  port: 1234\\n | listener.port",
      "listener:\\n  realm: other\\n | ",
      "admin:\\n  access_log: false\\n | admin.access_log",
      "tenancy:\\n  header: X-Org\\n | ",
  })
  void aChangedSettingIsAppliedOrNamed(String change, String named) throws Exception {
    List<String> expected = named == null ? List.of() : List.of(named);
    assertEquals(expected, ReloadPolicy.needsRestart(parse(""), parse(change.replace("\\n", "\n"))));
  }
}
