package dev.tenantgateway.cors;

import dev.tenantgateway.support.GatewayFixture;
import dev.tenantgateway.support.RecordingUpstream;
import dev.tenantgateway.support.TestIssuer;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * CORS as a browser enforces it: a real headless Chromium loads a page from one loopback origin whose script calls
 * the gateway (another origin, another port) with {@code fetch(..., {headers: {Authorization: 'Bearer ...'}})} and
 * posts what it could read back to the page's server. Skipped only where no Chromium is installed; {@code .ci/run}
 * installs it.
 */
@ExtendWith(VertxExtension.class)
class BrowserCorsIT {

  private static final long TIMEOUT_SECONDS = 30;

  /** The script: each call's status, body and X-Request-Id as the page can read them, or the error it got. */
  private static final String PAGE = """
      <!doctype html>
      <html><body><script>
      const gateway = "GATEWAY";
      const admin = "Bearer ADMIN_TOKEN";
      const viewer = "Bearer VIEWER_TOKEN";
      async function call(method, path, authorization) {
        const headers = authorization ? { Authorization: authorization } : {};
        try {
          const response = await fetch(gateway + path, { method, headers });
          return { status: response.status, body: await response.text(),
                   requestId: response.headers.get("X-Request-Id") };
        } catch (e) {
          return { error: String(e) };
        }
      }
      (async () => {
        const results = [
          await call("GET", "/projects", admin),
          await call("GET", "/projects", null),
          await call("DELETE", "/projects/7", viewer),
        ];
        await fetch("/result", { method: "POST", body: JSON.stringify(results) });
      })();
      </script></body></html>
      """;

  static TestIssuer idp;
  static RecordingUpstream upstream;
  static GatewayFixture gateway;
  static Page allowedPage;
  static Page otherPage;

  /** A page server on its own loopback port (its own origin), and the results its page posted. */
  record Page(HttpServer server, Promise<JsonArray> result) {
    String origin() {
      return "http://127.0.0.1:" + server.actualPort();
    }
  }

  @BeforeAll
  static void start(Vertx vertx) throws Exception {
    idp = new TestIssuer("https://idp.test/").start(vertx);
    upstream = new RecordingUpstream().start(vertx);
    allowedPage = page(vertx);
    otherPage = page(vertx);
    gateway = GatewayFixture.start(vertx, """
        listener: { host: 127.0.0.1, port: 0 }
        issuers:
          - id: idp
            issuer: https://idp.test/
            jwks_uri: ${JWKS_URI}
            audiences: [gateway]
            claims: { tenant: org_code, roles: roles }
        roles:
          admin: ["projects:*"]
          viewer: [projects:read]
        upstreams:
          app: { url: "${UPSTREAM_URL}" }
        cors:
          allow_origins: ["${PAGE_ORIGIN}"]
          allow_methods: [GET, DELETE]
          expose_headers: [X-Request-Id]
        routes:
          - id: list-projects
            methods: [GET]
            path: /projects
            upstream: app
            require: projects:read
          - id: delete-project
            methods: [DELETE]
            path: /projects/{id}
            upstream: app
            require: projects:delete
        """, Map.of("JWKS_URI", idp.jwksUri(), "UPSTREAM_URL", upstream.url(), "PAGE_ORIGIN", allowedPage.origin()));
  }

  private static Page page(Vertx vertx) throws Exception {
    Promise<JsonArray> result = Promise.promise();
    HttpServer server = vertx.createHttpServer().requestHandler(request -> {
      if (request.path().equals("/result")) {
        request.body().onSuccess(body -> {
          result.tryComplete(body.toJsonArray());
          request.response().end();
        });
        return;
      }
      if (!request.path().equals("/")) {
        request.response().setStatusCode(404).end(); // favicon and the like
        return;
      }
      String html = PAGE.replace("GATEWAY", "http://127.0.0.1:" + gateway.port())
          .replace("ADMIN_TOKEN", token("admin"))
          .replace("VIEWER_TOKEN", token("viewer"));
      request.response().putHeader("Content-Type", "text/html; charset=utf-8")
          .putHeader("Cache-Control", "no-store").end(html);
    }).listen(0, "127.0.0.1").await(10, TimeUnit.SECONDS);
    return new Page(server, result);
  }

  static String token(String role) {
    return idp.mint(idp.claims("sarah").put("org_code", "acme").put("roles", new JsonArray().add(role)));
  }

  @AfterAll
  static void stop() throws Exception {
    if (gateway != null) {
      gateway.close();
    }
    for (Page page : new Page[] {allowedPage, otherPage}) {
      if (page != null) {
        page.server().close().await(10, TimeUnit.SECONDS);
      }
    }
    idp.stop().await(10, TimeUnit.SECONDS);
    upstream.stop().await(10, TimeUnit.SECONDS);
  }

  @Test
  void aPageOnAnAllowedOriginCallsTheGatewayWithABearerToken() throws Exception {
    JsonArray results = load(allowedPage);

    JsonObject authorized = results.getJsonObject(0);
    assertEquals(200, authorized.getInteger("status"), results.encodePrettily());
    assertEquals("ok", new JsonObject(authorized.getString("body")).getString("upstream"));
    assertNotNull(authorized.getString("requestId"), "X-Request-Id is exposed to the page");
    RecordingUpstream.Received received = upstream.received().stream()
        .filter(r -> r.uri().equals("/projects")).findFirst().orElseThrow();
    assertEquals("acme", received.header("X-Tenant-Id"));
    assertEquals(allowedPage.origin(), received.header("Origin"));

    JsonObject unauthenticated = results.getJsonObject(1);
    assertEquals(401, unauthenticated.getInteger("status"), results.encodePrettily());
    assertEquals("token_missing", new JsonObject(unauthenticated.getString("body")).getString("code"),
        "the page reads the problem body");

    JsonObject denied = results.getJsonObject(2);
    assertEquals(403, denied.getInteger("status"), "the DELETE preflight passed, the gateway refused the call");
    assertEquals("permission_denied", new JsonObject(denied.getString("body")).getString("code"));
    assertTrue(upstream.received().stream().noneMatch(r -> r.method().name().equals("OPTIONS")
        || r.method().name().equals("DELETE")), "neither the preflight nor the refused DELETE was forwarded");
  }

  @Test
  void aPageOnAnotherOriginCannotReadAnything() throws Exception {
    int before = upstream.received().size();
    JsonArray results = load(otherPage);
    for (int i = 0; i < results.size(); i++) {
      JsonObject result = results.getJsonObject(i);
      assertFalse(result.containsKey("status"), "no response was readable: " + results.encodePrettily());
      assertTrue(result.getString("error").contains("TypeError"), results.encodePrettily());
    }
    // the token-bearing calls need a preflight, which the gateway refused: they were never sent; the call without a
    // token is a simple request, sent and answered 401 by the gateway, unreadable all the same
    assertEquals(before, upstream.received().size(), "nothing from the other origin reached the upstream");
  }

  /** Opens the page's origin in a headless Chromium and waits for the results its script posts. */
  private static JsonArray load(Page page) throws Exception {
    Path chromium = chromium();
    assumeTrue(chromium != null, "Chromium is not installed (Debian: apt-get install -y chromium; .ci/run installs "
        + "it): the browser CORS test is skipped");
    Path profile = Files.createTempDirectory("cors-chromium-");
    Path log = profile.resolve("chromium.log");
    Process browser = new ProcessBuilder(chromium.toString(), "--headless", "--no-sandbox", "--disable-gpu",
        "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update",
        "--disable-sync", "--disable-dev-shm-usage", "--user-data-dir=" + profile, page.origin() + "/")
        .redirectErrorStream(true)
        .redirectOutput(log.toFile())
        .start();
    try {
      return page.result().future().await(TIMEOUT_SECONDS, TimeUnit.SECONDS);
    } catch (Exception e) {
      throw new AssertionError("the page posted no result within " + TIMEOUT_SECONDS + " s; Chromium said:\n"
          + tail(log), e);
    } finally {
      stop(browser);
      delete(profile);
    }
  }

  /** Ends Chromium and the processes it started (renderer, zygote), waiting a bounded time for each. */
  private static void stop(Process browser) throws InterruptedException {
    List<ProcessHandle> children = browser.descendants().toList();
    browser.destroy();
    children.forEach(ProcessHandle::destroy);
    if (!browser.waitFor(10, TimeUnit.SECONDS)) {
      browser.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
    }
    for (ProcessHandle child : children) {
      try {
        child.onExit().get(5, TimeUnit.SECONDS);
      } catch (java.util.concurrent.ExecutionException | java.util.concurrent.TimeoutException e) {
        child.destroyForcibly();
      }
    }
  }

  /** Chromium on the PATH (or named by CHROMIUM_BIN), or null. */
  static Path chromium() {
    String named = System.getenv("CHROMIUM_BIN");
    if (named != null && !named.isBlank() && Files.isExecutable(Path.of(named))) {
      return Path.of(named);
    }
    String path = System.getenv("PATH");
    if (path == null) {
      return null;
    }
    for (String dir : path.split(File.pathSeparator)) {
      for (String name : List.of("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")) {
        Path candidate = Path.of(dir, name);
        if (Files.isExecutable(candidate)) {
          return candidate;
        }
      }
    }
    return null;
  }

  private static String tail(Path log) {
    try {
      List<String> lines = Files.readAllLines(log);
      return String.join("\n", lines.subList(Math.max(0, lines.size() - 30), lines.size()));
    } catch (IOException e) {
      return "(no log: " + e + ")";
    }
  }

  private static void delete(Path dir) throws IOException {
    try (Stream<Path> files = Files.walk(dir)) {
      for (Path file : files.sorted(Comparator.reverseOrder()).toList()) {
        Files.deleteIfExists(file);
      }
    } catch (IOException e) {
      // Chromium may still be writing to its profile while it exits; a temp directory left behind is harmless
    }
  }
}
