package dev.tenantgateway.config.load;

import dev.tenantgateway.compile.ConfigLoader;
import dev.tenantgateway.config.ConfigException;
import dev.tenantgateway.config.GatewayConfig;
import dev.tenantgateway.config.GatewayConfig.Balance;
import dev.tenantgateway.config.GatewayConfig.HealthCheck;
import dev.tenantgateway.config.GatewayConfig.UpstreamConfig;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.api.Test;

import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@code upstreams.NAME.targets}, balance, passive and active health: what loads, and each mistake with its place. */
class UpstreamPoolConfigTest {

  static GatewayConfig parse(String pool) throws ConfigException {
    String yaml = "upstreams:\n  app:\n" + pool + "\nroutes:\n"
        + "  - { id: r, methods: [GET], path: /r, upstream: app, public: true }\n";
    return ConfigLoader.parse(yaml, "routes.yaml", Path.of("."), name -> null);
  }

  @Test
  void aPoolLoadsWithItsSettings() throws Exception {
    UpstreamConfig app = parse("""
            targets: [http://orders-1:8080, http://orders-2:8080/base]
            balance: least_pending
            passive_health: { consecutive_failures: 3, ejection_time: 10s, max_ejection_time: 1m }
            health_check: { path: /healthz, interval: 5s, timeout: 1s, healthy_threshold: 1, unhealthy_threshold: 4 }
        """).upstreams().get("app");
    assertEquals(List.of(URI.create("http://orders-1:8080"), URI.create("http://orders-2:8080/base")), app.pool().targets());
    assertEquals(URI.create("http://orders-1:8080"), app.url(), "url() is the first target");
    assertEquals(Balance.LEAST_PENDING, app.pool().balance());
    assertEquals(3, app.pool().passiveHealth().consecutiveFailures());
    assertEquals(Duration.ofSeconds(10), app.pool().passiveHealth().ejectionTime());
    assertEquals(Duration.ofMinutes(1), app.pool().passiveHealth().maxEjectionTime());
    assertEquals(new HealthCheck("/healthz", Duration.ofSeconds(5), Duration.ofSeconds(1), 1, 4), app.pool().healthCheck());
  }

  @Test
  void urlIsThePoolOfOneWithDefaults() throws Exception {
    UpstreamConfig app = parse("    url: http://app:8080").upstreams().get("app");
    assertEquals(List.of(URI.create("http://app:8080")), app.pool().targets());
    assertEquals(Balance.ROUND_ROBIN, app.pool().balance());
    assertEquals(5, app.pool().passiveHealth().consecutiveFailures());
    assertNull(app.pool().healthCheck());
    assertTrue(ConfigLoader.parse("admin: { readiness_requires_upstreams: true }\nupstreams:\n  app:\n    url: http://a\n"
        + "routes: []\n", "routes.yaml", Path.of("."), n -> null).admin().readinessRequiresUpstreams());
  }

  static Stream<Arguments> mistakes() {
    return Stream.of(
        Arguments.of("    targets: []",
            "routes.yaml:3:14: upstreams.app.targets: the pool is empty", "at least one target"),
        Arguments.of("    targets: [http://a:1, http://A:1/]",
            "routes.yaml:3:27: upstreams.app.targets[1]: target http://A:1/ is listed twice", "remove the duplicate"),
        Arguments.of("    targets: [http://a:80, http://a]",
            "routes.yaml:3:28: upstreams.app.targets[1]: target http://a is listed twice", "remove the duplicate"),
        Arguments.of("    targets: [http://a:1, \"ftp://b\"]",
            "routes.yaml:3:27: upstreams.app.targets[1]: 'ftp://b' is not a valid target URL", "http or https"),
        Arguments.of("    targets: [http://a:1, \"http://b:1?x=1\"]",
            "routes.yaml:3:27: upstreams.app.targets[1]: an upstream URL may not carry a query", "scheme://host:port"),
        Arguments.of("    url: http://a:1\n    targets: [http://b:1]",
            "routes.yaml:4:14: upstreams.app.targets: url and targets are both given", "remove url:"),
        Arguments.of("    targets: [http://a:1, https://b:1]",
            "routes.yaml:3:27: upstreams.app.targets[1]: targets mix http and https", "one scheme"),
        Arguments.of("    balance: round_robin",
            "routes.yaml:3:5: upstreams.app: url is missing", "targets: [url, ...]"),
        Arguments.of("    targets: [http://a:1]\n    balance: least_pendin",
            "routes.yaml:4:14: upstreams.app.balance: unknown balance 'least_pendin'", "did you mean 'least_pending'?"),
        Arguments.of("    targets: [http://a:1]\n    passive_health: { consecutive_failures: 1001 }",
            "routes.yaml:4:45: upstreams.app.passive_health.consecutive_failures: '1001' is not a whole number from 0 to 1000",
            "such as 5"),
        Arguments.of("    targets: [http://a:1]\n    passive_health: { ejection_time: 2m, max_ejection_time: 1m }",
            "routes.yaml:4:61: upstreams.app.passive_health.max_ejection_time: max_ejection_time is shorter than ejection_time",
            "at least 120s"),
        Arguments.of("    targets: [http://a:1]\n    health_check: { path: /h, healthy_threshold: 0 }",
            "routes.yaml:4:50: upstreams.app.health_check.healthy_threshold: '0' is not a whole number from 1 to 100",
            "such as 2"),
        Arguments.of("    targets: [http://a:1]\n    health_check: { path: /h, unhealthy_threshold: 101 }",
            "routes.yaml:4:52: upstreams.app.health_check.unhealthy_threshold: '101' is not a whole number from 1 to 100",
            "such as 3"),
        Arguments.of("    targets: [http://a:1]\n    health_check: { path: /h, interval: 1s, timeout: 1s }",
            "routes.yaml:4:54: upstreams.app.health_check.timeout: timeout (1000ms) is not shorter than interval (1000ms)",
            "shorten timeout"),
        Arguments.of("    targets: [http://a:1]\n    health_check: { path: healthz }",
            "routes.yaml:4:27: upstreams.app.health_check.path: 'healthz' is not an absolute request path", "starting with /"),
        Arguments.of("    targets: [http://a:1]\n    health_check: { interval: 1s }",
            "routes.yaml:4:19: upstreams.app.health_check: path is missing", "add path: /healthz"),
        Arguments.of("    targets: [http://a:1]\n    health_check: { path: /h, interval: 0s }",
            "routes.yaml:4:41: upstreams.app.health_check.interval: interval must be more than 0", "500ms"));
  }

  @ParameterizedTest
  @MethodSource("mistakes")
  void mistakesAreReportedWithFileLineColumnAndAHint(String pool, String expectedStart, String hint) {
    ConfigException e = assertThrows(ConfigException.class, () -> parse(pool));
    String first = e.errors().get(0).toString();
    assertTrue(first.startsWith(expectedStart), () -> "got: " + e.getMessage());
    assertTrue(first.contains(hint), () -> "got: " + first);
  }
}
