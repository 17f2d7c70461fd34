package dev.tenantgateway.config;

import dev.tenantgateway.compile.ConfigLoader;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@code cors:} at the top level and on a route: inheritance, defaults, and each mistake with its position and hint. */
class CorsConfigTest {

  static final String YAML = """
      upstreams:
        app: { url: "http://app:8080" }
      cors:
        GLOBAL
      routes:
        - id: status
          methods: [GET, POST]
          path: /status
          upstream: app
          public: true
          ROUTE
      """;

  static GatewayConfig parse(String global, String route) throws ConfigException {
    String yaml = YAML.replace("GLOBAL", global).replace("ROUTE", route);
    return ConfigLoader.parse(yaml, "routes.yaml", Path.of("."), Map.<String, String>of()::get);
  }

  @Test
  void withoutCorsNothingIsConfigured() throws Exception {
    GatewayConfig config = ConfigLoader.parse(YAML.replace("cors:\n  GLOBAL\n", "").replace("ROUTE", ""),
        "routes.yaml", Path.of("."), Map.<String, String>of()::get);
    assertNull(config.cors());
    assertNull(config.routes().get(0).cors());
  }

  @Test
  void defaultsAndInheritance() throws Exception {
    GatewayConfig config = parse("allow_origins: [https://app.example.com]", "");
    GatewayConfig.Cors cors = config.cors();
    assertEquals(List.of("https://app.example.com"), cors.allowOrigins());
    assertEquals(List.of("Authorization", "Content-Type"), cors.allowHeaders());
    assertEquals(List.of(), cors.allowMethods(), "empty: the route's own methods");
    assertEquals(List.of(), cors.exposeHeaders());
    assertFalse(cors.allowCredentials());
    assertFalse(cors.tenantOrigin());
    assertNull(cors.maxAge());
    assertSame(cors, config.routes().get(0).cors(), "a route without cors: takes the top-level policy");
  }

  @Test
  void aRouteReplacesOnlyTheKeysItGives() throws Exception {
    GatewayConfig config = parse("""
        allow_origins: ["https://{tenant}.app.example.com"]
          tenant_origin: true
          allow_headers: [Authorization, X-Active-Tenant]
          max_age: 10m""", "cors: { allow_methods: [get], allow_credentials: true }");
    GatewayConfig.Cors route = config.routes().get(0).cors();
    assertEquals(List.of("https://{tenant}.app.example.com"), route.allowOrigins());
    assertTrue(route.tenantOrigin());
    assertEquals(List.of("GET"), route.allowMethods());
    assertEquals(List.of("Authorization", "X-Active-Tenant"), route.allowHeaders());
    assertTrue(route.allowCredentials());
    assertEquals(Duration.ofMinutes(10), route.maxAge());
    assertEquals(14, route.position().line(), "the route's own cors: mapping");
  }

  @Test
  void corsFalseTurnsItOffForTheRoute() throws Exception {
    GatewayConfig config = parse("allow_origins: [https://app.example.com]", "cors: false");
    assertNull(config.routes().get(0).cors());
  }

  @Test
  void aRouteMayHaveCorsWithoutATopLevelSection() throws Exception {
    String yaml = YAML.replace("cors:\n  GLOBAL\n", "")
        .replace("ROUTE", "cors: { allow_origins: [\"http://localhost:5173\"] }");
    GatewayConfig config = ConfigLoader.parse(yaml, "routes.yaml", Path.of("."), Map.<String, String>of()::get);
    assertNull(config.cors());
    assertEquals(List.of("http://localhost:5173"), config.routes().get(0).cors().allowOrigins());
  }

  @ParameterizedTest(name = "{0}")
  @CsvSource(delimiter = '|', textBlock = """
      allow_origins: ["*"]\\n  allow_credentials: true | routes.yaml:4:3: cors.allow_origins: allow_origins '*' with allow_credentials: true | list the allowed origins instead of *
      allow_origins: [https://app.example.com/] | routes.yaml:4:18: cors.allow_origins: 'https://app.example.com/' has a path | drop the trailing slash
      allow_origins: [app.example.com] | routes.yaml:4:18: cors.allow_origins: 'app.example.com' is not an origin: it needs http:// or https:// and a host | write origins as browsers send them
      allow_origins: [https://App.example.com] | 'https://App.example.com' has upper-case letters | browsers send origins in lower case
      allow_origins: ["https://app.example.com:443"] | names the default port 443 | drop :443
      allow_origins: ["null"] | the 'null' origin is sent by sandboxed documents | write origins as browsers send them
      allow_origins: ["https://{org}.app.example.com"] | may hold one {tenant} placeholder and no other braces | https://{tenant}.app.example.com
      allow_origins: ["https://x{tenant}.app.example.com"] | {tenant} must be a whole label of the host | such as https://{tenant}.app.example.com
      allow_origins: ["https://{tenant}"] | {tenant} must be a whole label of the host | followed by the rest of the domain
      allow_origins: [https://app.example.com]\\n  tenant_origin: true | routes.yaml:4:3: cors.tenant_origin: tenant_origin: true needs an origin pattern with {tenant} | add a pattern
      allow_origins: ["*"]\\n  tenant_origin: true | tenant_origin: true with allow_origins '*' binds nothing | list {tenant} patterns
      allow_origins: [https://app.example.com]\\n  allow_methods: [GET, FETCH] | routes.yaml:5:18: cors.allow_methods: 'FETCH' is not a method the gateway routes | use GET, HEAD, POST, PUT, PATCH, DELETE, OPTIONS
      allow_origins: [https://app.example.com]\\n  allow_methods: [DELET] | 'DELET' is not a method the gateway routes | did you mean 'DELETE'?
      allow_origins: [https://app.example.com]\\n  allow_headers: ["X Token"] | routes.yaml:5:18: cors.allow_headers: 'X Token' is not a header name | write header names such as
      allow_origins: [https://app.example.com]\\n  expose_headers: ["*"]\\n  allow_credentials: true | cors.expose_headers: expose_headers '*' is no wildcard on credentialed requests | name the headers
      allow_origins: [https://app.example.com]\\n  max_age: 2d | routes.yaml:5:12: cors.max_age: '2d' is not a duration | 30s, 5m or 1h
      allow_origins: [https://app.example.com]\\n  max_age: 48h | cors.max_age: max_age 48h is longer than 24h | Chromium at 2h
      allow_origins: [https://app.example.com]\\n  allow_origin: [https://b.example.com] | routes.yaml:5:3: cors.allow_origin: unknown key 'allow_origin' | did you mean 'allow_origins'?
      allow_methods: [GET] | routes.yaml:4:3: cors: allow_origins is missing | such as allow_origins: [https://app.example.com]
      """)
  void mistakesAtTheTopLevel(String global, String message, String hint) {
    ConfigException e = assertThrows(ConfigException.class, () -> parse(global.replace("\\n", "\n"), ""));
    assertTrue(e.getMessage().contains(message), e.getMessage());
    assertTrue(e.getMessage().contains(hint), e.getMessage());
  }

  @ParameterizedTest(name = "{0}")
  @CsvSource(delimiter = '|', textBlock = """
      cors: { allow_credentials: true } | routes.yaml:11:11: routes[0].cors.allow_origins: allow_origins '*' with allow_credentials: true | list the allowed origins
      cors: { allow_methods: [DELETE] } | routes.yaml:11:11: routes[0].cors.allow_methods: allow_methods lists DELETE, which this route does not accept | list only the route's methods
      cors: true | routes.yaml:11:11: routes[0].cors: 'true' is not a cors policy | write cors: false to turn CORS off
      cors: { allow_origins: [] } | routes[0].cors: allow_origins is empty | list the origins
      """)
  void mistakesOnARoute(String route, String message, String hint) {
    ConfigException e = assertThrows(ConfigException.class, () -> parse("allow_origins: [\"*\"]", route));
    assertTrue(e.getMessage().contains(message), e.getMessage());
    assertTrue(e.getMessage().contains(hint), e.getMessage());
  }
}
