package dev.tenantgateway.config.load;

import dev.tenantgateway.compile.ConfigCompiler;
import dev.tenantgateway.compile.ConfigLoader;
import dev.tenantgateway.config.ConfigException;
import dev.tenantgateway.config.GatewayConfig;

import dev.tenantgateway.policy.PermissionSet;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ConfigLoaderTest {

  static final String VALID = """
      listener:
        port: ${PORT:-9090}
      issuers:
        - id: idp
          issuer: https://idp.test/
          jwks_uri: https://idp.test/jwks.json
          audiences: [gateway]
          claims:
            tenant: org_code
            roles: roles
            permissions: [permissions, scope]
      roles:
        admin: ["projects:*"]
        viewer: [projects:read]
      upstreams:
        app:
          url: http://app:8080/base
          response_timeout: 250ms
      routes:
        - id: list
          methods: [GET, HEAD]
          path: /projects
          upstream: app
          require: projects:read
        - id: nested
          methods: [POST]
          path: /projects/{id}/members
          upstream: app
          require:
            all_of:
              - members:write
              - any_of: [projects:admin, projects:owner]
        - id: anyone
          methods: [GET]
          path: /me
          upstream: app
          require: []
          tenant_required: false
        - id: status
          methods: [GET]
          path: /status
          upstream: app
          public: true
      """;

  static GatewayConfig parse(String yaml, Map<String, String> env) throws ConfigException {
    return ConfigLoader.parse(yaml, "routes.yaml", Path.of("."), env::get);
  }

  @Test
  void aValidFileLoadsIntoTypedValues() throws Exception {
    GatewayConfig config = parse(VALID, Map.of());
    assertEquals(9090, config.listener().port());
    assertEquals(Duration.ofMillis(250), config.upstreams().get("app").responseTimeout());
    assertEquals("/base", config.upstreams().get("app").url().getPath());
    assertEquals(Set.of("GET", "HEAD"), config.routes().get(0).methods());
    var nested = ConfigCompiler.requirement(config.routes().get(1).require());
    assertTrue(nested.isSatisfiedBy(PermissionSet.literal(List.of("members:write", "projects:owner"))));
    assertFalse(nested.isSatisfiedBy(PermissionSet.literal(List.of("members:write"))));
    assertFalse(nested.isSatisfiedBy(PermissionSet.patterns(List.of("projects:*"))));
    assertTrue(ConfigCompiler.requirement(config.routes().get(2).require()).isSatisfiedBy(PermissionSet.EMPTY));
    assertFalse(config.routes().get(2).tenantRequired());
    assertTrue(config.routes().get(3).isPublic());
    assertNull(config.routes().get(3).require());
    assertEquals(Set.of("gateway"), config.issuers().get(0).audiences());
    assertEquals(Set.of("RS256"), config.issuers().get(0).algorithms());
  }

  @Test
  void environmentValuesAreSubstituted() throws Exception {
    assertEquals(7000, parse(VALID, Map.of("PORT", "7000")).listener().port());
    ConfigException e = assertThrows(ConfigException.class, () -> parse(VALID.replace("${PORT:-9090}", "${PORT}"), Map.of()));
    assertEquals("routes.yaml:2:9: environment variable PORT is not set — set it, or give a default: ${PORT:-value}",
        e.errors().get(0).toString());
  }

  static Stream<Arguments> badFiles() {
    return Stream.of(
        Arguments.of(VALID.replace("    upstream: app\n    require: projects:read", "    upstream: app\n    requires: projects:read"),
            "routes.yaml:24:5: routes[0].requires: unknown key 'requires'", "did you mean 'require'?"),
        Arguments.of(VALID.replace("path: /projects\n    upstream: app", "path: /projects\n    upstream: apq"),
            "routes.yaml:23:15: routes[0].upstream: unknown upstream 'apq'", "use one of: app"),
        Arguments.of(VALID.replace("- id: nested", "- id: list"),
            "routes.yaml:25:9: routes[1].id: duplicate route id 'list'", "its own id"),
        Arguments.of(VALID.replace("path: /projects/{id}/members", "path: /projects/{id/members"),
            "routes.yaml:27:11: routes[1].path: malformed parameter segment '{id'", "{name}"),
        Arguments.of(VALID.replace("url: http://app:8080/base", "url: app:8080"),
            "routes.yaml:17:10: upstreams.app.url: 'app:8080' is not a valid URL", "absolute URL"),
        Arguments.of(VALID.replace("audiences: [gateway]", "audiences: [gateway]\n    algorithms: [HS256]"),
            "routes.yaml:8:17: issuers[0].algorithms: algorithm 'HS256' is not allowed", "never accepted"),
        Arguments.of(VALID.replace("    require: projects:read\n", ""),
            "routes.yaml:20:5: routes[0]: require is missing", "public: true"),
        Arguments.of(VALID.replace("methods: [GET, HEAD]", "methods: [GET, FETCH]"),
            "routes.yaml:21:14: routes[0].methods: 'FETCH' is not a supported method", "GET"),
        Arguments.of(VALID.replace("path: /me", "path: /projects"),
            "routes.yaml:33:5: routes[2]: route 'anyone' (/projects) matches the same GET requests as route 'list'", "make the paths differ"),
        Arguments.of(VALID.replace("jwks_uri: https://idp.test/jwks.json", "jwks_uri: https://idp.test/jwks.json\n    public_key_file: k.pem"),
            "routes.yaml:4:5: issuers[0]: exactly one of jwks_uri and public_key_file is needed", "jwks_uri"),
        Arguments.of(VALID.replace("response_timeout: 250ms", "response_timeout: soon"),
            "routes.yaml:18:23: upstreams.app.response_timeout: 'soon' is not a duration", "30s"),
        Arguments.of(VALID.replace("response_timeout: 250ms", "response_timeout: 250ms\n    read_timeout: 0s"),
            "routes.yaml:19:19: upstreams.app.read_timeout: read_timeout must be more than 0", "30s"),
        Arguments.of(VALID.replace("response_timeout: 250ms", "response_timeout: 250ms\n    request_body_min_rate: fast"),
            "routes.yaml:19:28: upstreams.app.request_body_min_rate: 'fast' is not a size", "512kb"),
        Arguments.of(VALID.replace("response_timeout: 250ms", "response_timeout: 250ms\n    read_timout: 1s"),
            "routes.yaml:19:5: upstreams.app.read_timout: unknown key 'read_timout'", "read_timeout"),
        Arguments.of(VALID.replace("require: projects:read", "require: { all_of: [a], any_of: [b] }"),
            "routes.yaml:24:14: routes[0].require: write exactly one of all_of and any_of", "nest"),
        Arguments.of(VALID.replace("require: projects:read", "require: projects:*"),
            "routes.yaml:24:14: routes[0].require: 'projects:*' is not a permission name", "roles:"),
        Arguments.of(VALID.replace("    public: true", "    public: true\n    require: x"),
            "routes.yaml:44:14: routes[3].require: a public route cannot require permissions", "remove"),
        Arguments.of(VALID.replace("listener:\n  port: ${PORT:-9090}", "listener:\n  port: [1"),
            "routes.yaml:3:8: YAML syntax error", "indentation"),
        Arguments.of(VALID.replace("      tenant: org_code", "      tenant: org..code"),
            "routes.yaml:9:15: issuers[0].claims.tenant: empty key in claim path 'org..code'", "claim path"));
  }

  @ParameterizedTest
  @MethodSource("badFiles")
  void mistakesAreReportedWithFileLineColumnAndAHint(String yaml, String expectedStart, String hintFragment) {
    ConfigException e = assertThrows(ConfigException.class, () -> parse(yaml, Map.of()));
    String first = e.errors().get(0).toString();
    assertTrue(first.startsWith(expectedStart), () -> "got: " + e.getMessage());
    assertTrue(first.contains(" — ") && first.contains(hintFragment), () -> "got: " + first);
  }

  @Test
  void tenancyMistakesAreReportedToo() {
    String badProfile = VALID.replace("    audiences: [gateway]", "    audiences: [gateway]\n    profile: kindle");
    ConfigException e = assertThrows(ConfigException.class, () -> parse(badProfile, Map.of()));
    assertTrue(e.getMessage().contains("issuers[0].profile: unknown profile 'kindle'") && e.getMessage().contains("did you mean 'kinde'?"),
        e.getMessage());
    String twoShapes = VALID.replace("      roles: roles\n", "      roles: roles\n      memberships: { tenant_map: a, pairs: b }\n");
    e = assertThrows(ConfigException.class, () -> parse(twoShapes, Map.of()));
    assertTrue(e.getMessage().contains("write exactly one of tenants, tenant_map, role_map, pairs and store"), e.getMessage());
    String unknownAppRole = VALID.replace("    require: projects:read\n", "    require: projects:read\n    app_roles: [suport]\n");
    e = assertThrows(ConfigException.class, () -> parse(unknownAppRole, Map.of()));
    assertTrue(e.getMessage().contains("unknown application role 'suport'"), e.getMessage());
    String badResource = VALID.replace("    require: projects:read\n", "    require: projects:read\n    resource: { param: channel, claim: channels }\n");
    e = assertThrows(ConfigException.class, () -> parse(badResource, Map.of()));
    assertTrue(e.getMessage().contains("the path /projects has no parameter {channel}"), e.getMessage());
  }

  @Test
  void aProfileIsOverriddenFieldByField() throws Exception {
    String yaml = VALID.replace("    claims:\n      tenant: org_code\n      roles: roles\n      permissions: [permissions, scope]\n",
        "    profile: kinde\n    claims:\n      tenant: org_id\n");
    var mapping = dev.tenantgateway.compile.ClaimsCompiler.compile(parse(yaml, Map.of()).issuers().get(0).claims());
    for (var shape : mapping.shapes()) {
      assertEquals("org_id", shape.tenant().paths().get(0).toString(), "the issuer's own key wins in every shape");
    }
    assertEquals("roles[].key", mapping.shapes().get(1).roles().paths().get(0).toString(), "the rest comes from the preset");
  }

  @Test
  void everyErrorIsReportedNotJustTheFirst() {
    String yaml = VALID.replace("upstream: app\n    require: projects:read", "upstream: nope\n    require: projects:read\n    colour: red")
        .replace("methods: [POST]", "methods: [BREW]");
    ConfigException e = assertThrows(ConfigException.class, () -> parse(yaml, Map.of()));
    assertEquals(3, e.errors().size(), e.getMessage());
  }

  @Test
  void upstreamBoundsAndDrainTimingsHaveDefaultsAndOverrides() throws Exception {
    GatewayConfig defaults = parse(VALID, Map.of());
    var app = defaults.upstreams().get("app");
    assertEquals(java.time.Duration.ofSeconds(30), app.readTimeout());
    assertEquals(java.time.Duration.ofSeconds(5), app.poolTimeout());
    assertEquals(java.time.Duration.ofSeconds(10), app.requestBodyTimeout());
    assertEquals(1024, app.requestBodyMinRate());
    assertEquals(java.time.Duration.ofSeconds(5), defaults.admin().drainDelay());
    assertEquals(java.time.Duration.ofSeconds(30), defaults.admin().shutdownGrace());
    GatewayConfig set = parse(VALID.replace("response_timeout: 250ms", "response_timeout: 250ms\n    read_timeout: 2s\n"
        + "    pool_timeout: 100ms\n    request_body_timeout: 3s\n    request_body_min_rate: 4kb")
        + "admin:\n  drain_delay: 12s\n  shutdown_grace: 40s\n", Map.of());
    app = set.upstreams().get("app");
    assertEquals(java.time.Duration.ofSeconds(2), app.readTimeout());
    assertEquals(java.time.Duration.ofMillis(100), app.poolTimeout());
    assertEquals(java.time.Duration.ofSeconds(3), app.requestBodyTimeout());
    assertEquals(4096, app.requestBodyMinRate());
    assertEquals(java.time.Duration.ofSeconds(12), set.admin().drainDelay());
    assertEquals(java.time.Duration.ofSeconds(40), set.admin().shutdownGrace());
    var overridden = set.admin().withDrain(java.time.Duration.ofSeconds(1), null);
    assertEquals(java.time.Duration.ofSeconds(1), overridden.drainDelay());
    assertEquals(java.time.Duration.ofSeconds(40), overridden.shutdownGrace());
  }

  @Test
  void theTokenCacheIsSizedInSecurity() throws Exception {
    assertEquals(10_000, parse(VALID, Map.of()).security().tokenCacheSize());
    assertEquals(0, parse(VALID + "security:\n  token_cache_size: 0\n", Map.of()).security().tokenCacheSize());
    ConfigException e = assertThrows(ConfigException.class,
        () -> parse(VALID + "security:\n  token_cache_size: -1\n", Map.of()));
    assertTrue(e.errors().get(0).toString().contains("security.token_cache_size"), e::getMessage);
  }

  @Test
  void anEmptyFileIsRefused() {
    ConfigException e = assertThrows(ConfigException.class, () -> parse("", Map.of()));
    assertTrue(e.getMessage().contains("the file is empty"));
  }

  @Test
  void theShippedRoutesYamlIsValid() throws Exception {
    GatewayConfig config = ConfigLoader.load(Path.of("routes.yaml"));
    assertFalse(config.routes().isEmpty());
    assertFalse(config.issuers().isEmpty());
  }
}
