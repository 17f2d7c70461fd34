package dev.tenantgateway.observe;

import dev.tenantgateway.server.GatewayServer;
import dev.tenantgateway.support.GatewayFixture;
import dev.tenantgateway.support.LogCapture;
import dev.tenantgateway.support.GatewayFixture.Response;
import dev.tenantgateway.support.RecordingUpstream;
import dev.tenantgateway.support.TestIssuer;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpClient;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static io.vertx.core.http.HttpMethod.GET;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Day two: metrics after known traffic, access log lines, health, hot reload under load, graceful drain. */
@ExtendWith(VertxExtension.class)
class OperationsIT {

  static final String ROUTES = """
      listener: { host: 127.0.0.1, port: 0 }
      issuers:
        - { id: idp, issuer: "https://idp.test/", jwks_uri: "${JWKS}", audiences: [gateway], claims: { tenant: org_code, roles: roles } }
      roles:
        viewer: [projects:read]
      upstreams:
        app: { url: "${UPSTREAM}" }
      routes:
        - { id: list-projects, methods: [GET], path: /projects, upstream: app, require: projects:read }
        - { id: delete-project, methods: [DELETE], path: "/projects/{id}", upstream: app, require: projects:delete }
        - { id: delayed, methods: [GET], path: "/delay/{ms}", upstream: app, require: projects:read }
      """;

  static Vertx vertx;
  static TestIssuer idp;
  static RecordingUpstream upstream;
  static HttpClient admin;

  @BeforeAll
  static void start(Vertx v) throws Exception {
    vertx = v;
    idp = new TestIssuer("https://idp.test/").start(vertx);
    upstream = new RecordingUpstream().start(vertx);
    admin = vertx.createHttpClient();
  }

  @AfterAll
  static void stop() throws Exception {
    admin.close().await(5, TimeUnit.SECONDS);
  }

  static Map<String, String> env() {
    return Map.of("JWKS", idp.jwksUri(), "UPSTREAM", upstream.url());
  }

  static String viewer() {
    return idp.mint(idp.claims("sarah").put("org_code", "acme").put("roles", new JsonArray().add("viewer")));
  }

  static Future<String[]> adminGet(GatewayFixture gateway, String path) {
    return admin.request(GET, gateway.server().adminPort(), "127.0.0.1", path)
        .compose(req -> req.send().compose(resp -> resp.body().map(b -> new String[] {
            Integer.toString(resp.statusCode()), b.toString()})));
  }

  static double metric(String scrape, String line) {
    for (String l : scrape.split("\n")) {
      if (l.startsWith(line + " ")) {
        return Double.parseDouble(l.substring(line.length() + 1).trim());
      }
    }
    return -1;
  }

  @Test
  void metricsCountKnownTrafficByRouteStatusAndDecision() throws Exception {
    try (GatewayFixture gateway = GatewayFixture.start(vertx, ROUTES, env())) {
      String token = viewer();
      assertEquals(200, gateway.send(GET, "/projects", token).status());
      assertEquals(200, gateway.send(GET, "/projects", token).status());
      assertEquals(403, gateway.send(io.vertx.core.http.HttpMethod.DELETE, "/projects/1", token).status());
      assertEquals(404, gateway.send(GET, "/nowhere/at/all", token).status());
      assertEquals(401, gateway.send(GET, "/projects", null).status());

      String scrape = adminGet(gateway, "/metrics").await(10, TimeUnit.SECONDS)[1];
      assertEquals(2.0, metric(scrape, "gateway_requests_total{decision=\"allowed\",method=\"GET\",route=\"list-projects\",status=\"200\"}"), scrape);
      assertEquals(1.0, metric(scrape, "gateway_requests_total{decision=\"permission_denied\",method=\"DELETE\",route=\"delete-project\",status=\"403\"}"));
      assertEquals(1.0, metric(scrape, "gateway_requests_total{decision=\"route_not_found\",method=\"GET\",route=\"none\",status=\"404\"}"));
      assertEquals(1.0, metric(scrape, "gateway_requests_total{decision=\"token_missing\",method=\"GET\",route=\"list-projects\",status=\"401\"}"));
      assertEquals(3.0, metric(scrape, "gateway_request_duration_seconds_count{route=\"list-projects\"}"));
      assertEquals(2.0, metric(scrape, "gateway_upstream_duration_seconds_count{upstream=\"app\"}"));
      assertEquals(1.0, metric(scrape, "gateway_token_cache_total{result=\"miss\"}"), "the first sight of the token");
      assertEquals(2.0, metric(scrape, "gateway_token_cache_total{result=\"hit\"}"));
      assertEquals(1.0, metric(scrape, "gateway_jwks_fetches_total{issuer=\"idp\",result=\"success\"}"));
      assertTrue(metric(scrape, "gateway_jwks_key_age_seconds{issuer=\"idp\"}") >= 0);
      assertTrue(scrape.contains("jvm_memory_used_bytes"), "JVM metrics are published");
      assertFalse(scrape.contains("/projects"), "raw paths never become labels");
      assertTrue(scrape.contains("# HELP gateway_config_reloads_total Configuration reloads by result"), scrape);
    }
  }

  @Test
  void oneAccessLogLinePerRequestWithoutSecrets() throws Exception {
    try (GatewayFixture gateway = GatewayFixture.start(vertx, ROUTES, env())) {
      String token = viewer();
      Response ok = gateway.send(GET, "/projects", token);
      Response denied = gateway.send(io.vertx.core.http.HttpMethod.DELETE, "/projects/9", token);
      List<JsonObject> lines = awaitLines(gateway, 2);
      JsonObject allowed = lines.stream().filter(l -> ok.header("X-Request-Id").equals(l.getString("request_id"))).findFirst().orElseThrow();
      assertEquals("GET", allowed.getString("method"));
      assertEquals("list-projects", allowed.getString("route"));
      assertEquals("/projects", allowed.getString("path"));
      assertEquals(200, allowed.getInteger("status"));
      assertEquals("allowed", allowed.getString("decision"));
      assertEquals("acme", allowed.getString("tenant"));
      assertEquals("sarah", allowed.getString("user"));
      assertEquals("app", allowed.getString("upstream"));
      assertTrue(allowed.getDouble("latency_ms") >= 0);
      assertTrue(allowed.getString("time").endsWith("Z"));
      JsonObject refused = lines.stream().filter(l -> denied.header("X-Request-Id").equals(l.getString("request_id"))).findFirst().orElseThrow();
      assertEquals("permission_denied", refused.getString("decision"));
      assertEquals(403, refused.getInteger("status"));
      for (JsonObject line : lines) {
        assertFalse(line.encode().contains(token.substring(0, 20)), "tokens are never logged");
      }
    }
  }

  static List<JsonObject> awaitLines(GatewayFixture gateway, int count) throws Exception {
    // the writer thread flushes as lines arrive; poll with a bound rather than sleeping a fixed time
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    while (gateway.accessLog().size() < count && System.nanoTime() < deadline) {
      vertx.timer(20).await(1, TimeUnit.SECONDS);
    }
    return gateway.accessLog();
  }

  @Test
  void theAccessLogAndTheMetricsGiveTheSameDecisionAndMeNamesTheCaller() throws Exception {
    int closed;
    try (java.net.ServerSocket socket = new java.net.ServerSocket(0)) {
      closed = socket.getLocalPort(); // nothing listens there once it is closed
    }
    String routes = ROUTES.replace("  app: { url: \"${UPSTREAM}\" }\n",
            "  app: { url: \"${UPSTREAM}\" }\n  down: { url: \"http://127.0.0.1:" + closed + "\" }\n")
        + "  - { id: broken, methods: [GET], path: /broken, upstream: down, require: projects:read }\n";
    try (GatewayFixture gateway = GatewayFixture.start(vertx, routes, env())) {
      String token = viewer();
      Response failed = gateway.send(GET, "/broken", token);
      assertEquals(502, failed.status());
      Response me = gateway.send(GET, "/_gateway/me", token);
      assertEquals(200, me.status());
      List<JsonObject> lines = awaitLines(gateway, 2);
      JsonObject broken = lines.stream().filter(l -> failed.header("X-Request-Id").equals(l.getString("request_id")))
          .findFirst().orElseThrow();
      assertEquals("upstream_unavailable", broken.getString("decision"), broken.encode());
      String scrape = gateway.server().metrics().scrape();
      assertEquals(1.0, metric(scrape, "gateway_requests_total{decision=\"upstream_unavailable\",method=\"GET\","
          + "route=\"broken\",status=\"502\"}"), scrape);
      JsonObject introspection = lines.stream().filter(l -> me.header("X-Request-Id").equals(l.getString("request_id")))
          .findFirst().orElseThrow();
      assertEquals("sarah", introspection.getString("user"), introspection.encode());
      assertEquals("acme", introspection.getString("tenant"), introspection.encode());
    }
  }

  @Test
  void healthAndReadiness() throws Exception {
    try (GatewayFixture gateway = GatewayFixture.start(vertx, ROUTES, env())) {
      String[] health = adminGet(gateway, "/healthz").await(5, TimeUnit.SECONDS);
      assertEquals("200", health[0]);
      String[] ready = adminGet(gateway, "/readyz").await(5, TimeUnit.SECONDS);
      assertEquals("200", ready[0]);
      assertTrue(new JsonObject(ready[1]).getBoolean("ready"));
    }
  }

  @Test
  void reloadUnderLoadSwapsValidConfigAndKeepsTheOldOneOnErrors(@TempDir Path dir) throws Exception {
    Path file = dir.resolve("routes.yaml");
    String yaml = "admin: { host: 127.0.0.1, port: 0, reload_interval: 0s }\n"
        + ROUTES.replace("${JWKS}", idp.jwksUri()).replace("${UPSTREAM}", upstream.url());
    Files.writeString(file, yaml);
    try (GatewayFixture gateway = GatewayFixture.start(vertx, yaml, Map.of(), file)) {
      String token = viewer();
      assertEquals(404, gateway.send(GET, "/reports", token).status());
      List<Future<Response>> load = new ArrayList<>();
      for (int i = 0; i < 300; i++) {
        load.add(gateway.sendAsync(GET, "/projects", token, null));
        if (i == 100) {
          replace(file, yaml.replace("routes:\n", "routes:\n  - { id: reports, methods: [GET], path: /reports, upstream: app, require: projects:read }\n"));
          gateway.server().reload().await(10, TimeUnit.SECONDS); // requests sent so far are still in flight
        }
        if (i == 200) {
          replace(file, yaml.replace("routes:\n", "routes:\n  - { id: broken, methods: [GET], path: /x, upstream: nowhere, require: a }\n"));
          try (LogCapture log = LogCapture.of(GatewayServer.class)) {
            Future<Void> refused = gateway.server().reload();
            assertTrue(refused.transform(ar -> Future.succeededFuture(ar.failed())).await(10, TimeUnit.SECONDS));
            List<String> errors = log.messages(java.util.logging.Level.SEVERE);
            assertEquals(1, errors.size(), errors::toString);
            assertTrue(errors.get(0).contains("reload refused, the running configuration stays")
                && errors.get(0).contains(file + ":") && errors.get(0).contains("unknown upstream 'nowhere'"), errors.get(0));
          }
        }
      }
      int failed = 0;
      for (Future<Response> f : load) {
        Response r = f.await(30, TimeUnit.SECONDS);
        if (r != null && r.status() != 200) {
          failed++;
        }
      }
      assertEquals(0, failed, "no request failed while the configuration changed twice");
      assertEquals(200, gateway.send(GET, "/reports", token).status(), "the valid reload is in force");
      assertEquals("reports", gateway.server().snapshot().config().routes().get(0).id(), "the invalid one was refused");
      String scrape = gateway.server().metrics().scrape();
      assertEquals(1.0, metric(scrape, "gateway_config_reloads_total{result=\"success\"}"));
      assertEquals(1.0, metric(scrape, "gateway_config_reloads_total{result=\"failure\"}"));
    }
  }

  @Test
  void aChangedFileIsPickedUpByTheWatcher(@TempDir Path dir) throws Exception {
    Path file = dir.resolve("routes.yaml");
    String yaml = "admin: { host: 127.0.0.1, port: 0, reload_interval: 100ms }\n"
        + ROUTES.replace("${JWKS}", idp.jwksUri()).replace("${UPSTREAM}", upstream.url());
    Files.writeString(file, yaml);
    try (GatewayFixture gateway = GatewayFixture.start(vertx, yaml, Map.of(), file)) {
      String token = viewer();
      assertEquals(404, gateway.send(GET, "/reports", token).status());
      replace(file, yaml.replace("routes:\n", "routes:\n  - { id: reports, methods: [GET], path: /reports, upstream: app, require: projects:read }\n"));
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
      int status = 404;
      while (status != 200 && System.nanoTime() < deadline) {
        status = gateway.send(GET, "/reports", token).status();
        if (status != 200) {
          vertx.timer(50).await(1, TimeUnit.SECONDS);
        }
      }
      assertEquals(200, status, "the watcher reloaded the changed file");
    }
  }

  /** Replaces a file the way deployment tools do: write aside, then rename over it. */
  static void replace(Path file, String content) throws Exception {
    Path temp = file.resolveSibling(file.getFileName() + ".tmp");
    Files.writeString(temp, content);
    Files.move(temp, file, java.nio.file.StandardCopyOption.REPLACE_EXISTING, java.nio.file.StandardCopyOption.ATOMIC_MOVE);
  }

  @Test
  void stoppingDrainsInFlightRequestsAndFailsReadiness() throws Exception {
    GatewayFixture gateway = GatewayFixture.start(vertx, ROUTES, env());
    String token = viewer();
    assertEquals(200, gateway.send(GET, "/projects", token).status());
    Future<Response> inFlight = gateway.sendAsync(GET, "/delay/700", token, null);
    // wait until the upstream holds the request, then stop
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
    while (upstream.received().stream().noneMatch(r -> r.uri().equals("/delay/700")) && System.nanoTime() < deadline) {
      vertx.timer(10).await(1, TimeUnit.SECONDS);
    }
    Future<Void> stopping = gateway.server().stop();
    String[] ready = adminGet(gateway, "/readyz").await(5, TimeUnit.SECONDS);
    assertEquals("503", ready[0], "readiness fails as soon as draining starts");
    Response drained = inFlight.await(10, TimeUnit.SECONDS);
    assertEquals(200, drained.status(), "the in-flight request completed");
    assertEquals("delayed", drained.body().toString());
    stopping.await(10, TimeUnit.SECONDS);
    gateway.client().close().await(5, TimeUnit.SECONDS);
  }
}
