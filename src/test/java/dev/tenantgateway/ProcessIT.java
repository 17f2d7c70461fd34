package dev.tenantgateway;

import dev.tenantgateway.support.RecordingUpstream;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpMethod;
import io.vertx.junit5.VertxExtension;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * The packaged jar as an operator runs it: SIGHUP reloads routes.yaml, SIGTERM drains the in-flight request and the
 * process exits 0 (what a Kubernetes rolling update needs).
 */
@ExtendWith(VertxExtension.class)
class ProcessIT {

  static int freePort() throws Exception {
    try (ServerSocket s = new ServerSocket(0)) {
      return s.getLocalPort();
    }
  }

  /**
   * The status of one request, its body read. body() is called in the callback that delivers the response, on the
   * event loop: chained after send() from this thread instead, it could run after the event loop had delivered the
   * whole response and dropped its body, and wait forever (the one-in-seven hang of this test on a busy machine).
   */
  static Future<Integer> status(HttpClient client, int port, HttpMethod method, String path, String token) {
    return client.request(method, port, "127.0.0.1", path)
        .compose(req -> (token == null ? req : req.putHeader("Authorization", "Bearer " + token)).send()
            .compose(resp -> resp.body().map(b -> resp.statusCode())));
  }

  @Test
  void sighupReloadsAndSigtermDrainsThenExitsZero(Vertx vertx, @TempDir Path dir) throws Exception {
    // a gateway started from a process tree that ignores SIGHUP (a build run under nohup) inherits that, and the JVM
    // keeps it ignored: the gateway says so at start (see aSighupIgnoredAtStartIsNamed), but cannot reload on it
    org.junit.jupiter.api.Assumptions.assumeFalse(hupIgnoredHere(),
        "SIGHUP is ignored in this process tree (started under nohup?): the gateway cannot receive it");
    RecordingUpstream upstream = new RecordingUpstream().start(vertx);
    int port = freePort();
    int adminPort = freePort();
    Path keys = Path.of("examples/dev-keys/issuer.pub.pem").toAbsolutePath();
    String yaml = """
        listener: { host: 127.0.0.1, port: %d }
        admin: { host: 127.0.0.1, port: %d, shutdown_grace: 10s, reload_interval: 0s, access_log: false }
        issuers:
          - { id: dev, issuer: "https://dev-issuer.tenant-gateway.local/", public_key_file: "%s", audiences: [tenant-gateway], claims: { tenant: org_code, roles: roles } }
        roles: { viewer: [projects:read] }
        upstreams: { app: { url: "%s" } }
        routes:
          - { id: delayed, methods: [GET], path: "/delay/{ms}", upstream: app, require: projects:read }
        """.formatted(port, adminPort, keys, upstream.url());
    Path config = dir.resolve("routes.yaml");
    Files.writeString(config, yaml);
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    Process token = new ProcessBuilder(java, "-jar", "target/tenant-gateway.jar", "dev-token", "--org", "acme",
        "--roles", "viewer").start();
    String viewer = new String(token.getInputStream().readAllBytes()).trim();
    assertEquals(0, token.waitFor());

    Process gateway = new ProcessBuilder(java, "-jar", "target/tenant-gateway.jar", "--config", config.toString(),
        "--listeners", "1").redirectErrorStream(true).redirectOutput(dir.resolve("gateway.log").toFile()).start();
    HttpClient client = vertx.createHttpClient();
    try {
      awaitReady(vertx, client, adminPort, gateway, dir);
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30); // for what follows the start
      assertEquals(404, status(client, port, HttpMethod.GET, "/status", viewer).await(5, TimeUnit.SECONDS));

      Files.writeString(config, yaml + "  - { id: status, methods: [GET], path: /status, upstream: app, public: true }\n");
      assertEquals(0, new ProcessBuilder("kill", "-HUP", Long.toString(gateway.pid())).start().waitFor());
      int reloaded = 404;
      while (reloaded != 200 && System.nanoTime() < deadline) {
        try {
          reloaded = status(client, port, HttpMethod.GET, "/status", null).await(5, TimeUnit.SECONDS);
        } catch (java.util.concurrent.TimeoutException hung) {
          fail("a request after SIGHUP got no answer within 5 s; the gateway's threads then:\n"
              + threadDump(gateway) + "\nits log:\n" + readLog(dir));
        }
      }
      assertEquals(200, reloaded, () -> "SIGHUP reloaded routes.yaml:\n" + readLog(dir));

      Future<Integer> inFlight = status(client, port, HttpMethod.GET, "/delay/1500", viewer);
      while (upstream.received().stream().noneMatch(r -> r.uri().equals("/delay/1500")) && System.nanoTime() < deadline) {
        vertx.timer(10).await(1, TimeUnit.SECONDS);
      }
      gateway.destroy(); // SIGTERM
      assertEquals(200, inFlight.await(15, TimeUnit.SECONDS), "the in-flight request finished during the drain");
      assertTrue(gateway.waitFor(20, TimeUnit.SECONDS));
      assertEquals(0, gateway.exitValue(), () -> readLog(dir));
      assertTrue(readLog(dir).contains("stopped"));
    } finally {
      gateway.destroyForcibly();
      client.close().await(5, TimeUnit.SECONDS);
    }
  }

  static Future<String> body(HttpClient client, int port, String path, String token) {
    return client.request(HttpMethod.GET, port, "127.0.0.1", path)
        .compose(req -> (token == null ? req : req.putHeader("Authorization", "Bearer " + token)).send()
            .compose(resp -> resp.body().map(b -> resp.statusCode() + " " + b)));
  }

  /**
   * Polls /readyz until 200. A JVM starting on a busy machine (a CI runner running other builds) may take long: the
   * start has its own deadline, so a slow start does not eat the time of the steps the test measures after it.
   */
  static void awaitReady(Vertx vertx, HttpClient client, int adminPort, Process gateway, Path dir) throws Exception {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(90);
    int ready = -1;
    while (ready != 200 && System.nanoTime() < deadline && gateway.isAlive()) {
      ready = readiness(client, adminPort);
      if (ready != 200) {
        vertx.timer(100).await(1, TimeUnit.SECONDS);
      }
    }
    assertEquals(200, ready, () -> readLog(dir));
  }

  /** The process's threads (jcmd Thread.print), to show where a request waits when one does not answer. */
  static String threadDump(Process process) {
    try {
      Process jcmd = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "jcmd").toString(),
          Long.toString(process.pid()), "Thread.print").redirectErrorStream(true).start();
      String dump = new String(jcmd.getInputStream().readAllBytes());
      jcmd.waitFor(20, TimeUnit.SECONDS);
      return dump;
    } catch (Exception e) {
      return "(no thread dump: " + e + ")";
    }
  }

  /** Whether this JVM was started with SIGHUP ignored (Linux: bit 0 of SigIgn in /proc/self/status). */
  static boolean hupIgnoredHere() {
    try {
      for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
        if (line.startsWith("SigIgn:")) {
          return (Long.parseLong(line.substring(7).trim(), 16) & 1L) != 0;
        }
      }
    } catch (Exception notLinux) {
      // no /proc: assume signals reach the child
    }
    return false;
  }

  static String java() {
    return Path.of(System.getProperty("java.home"), "bin", "java").toString();
  }

  /** The README's first command on the shipped routes.yaml, with --echo-upstream: every route answers. */
  @Test
  void echoUpstreamAnswersForEveryRouteOfTheExample(Vertx vertx, @TempDir Path dir) throws Exception {
    int port = freePort();
    int adminPort = freePort();
    Process token = new ProcessBuilder(java(), "-jar", "target/tenant-gateway.jar", "dev-token", "--org", "acme",
        "--roles", "viewer").start();
    String viewer = new String(token.getInputStream().readAllBytes()).trim();
    assertEquals(0, token.waitFor());
    ProcessBuilder builder = new ProcessBuilder(java(), "-jar", "target/tenant-gateway.jar", "--config", "routes.yaml",
        "--echo-upstream", "--listeners", "1").redirectErrorStream(true).redirectOutput(dir.resolve("gateway.log").toFile());
    builder.environment().putAll(Map.of("GATEWAY_HOST", "127.0.0.1", "GATEWAY_PORT", Integer.toString(port),
        "ADMIN_HOST", "127.0.0.1", "ADMIN_PORT", Integer.toString(adminPort)));
    Process gateway = builder.start();
    HttpClient client = vertx.createHttpClient();
    try {
      awaitReady(vertx, client, adminPort, gateway, dir);
      String open = body(client, port, "/status", null).await(5, TimeUnit.SECONDS);
      assertTrue(open.startsWith("200 ") && open.contains("the upstream received"), open);
      String projects = body(client, port, "/projects", viewer).await(5, TimeUnit.SECONDS);
      assertTrue(projects.startsWith("200 "), projects);
      assertTrue(projects.toLowerCase(java.util.Locale.ROOT).contains("\"x-tenant-id\" : \"acme\""), projects);
      assertTrue(readLog(dir).contains("--echo-upstream: every upstream is an echo"), () -> readLog(dir));
      gateway.destroy();
      assertTrue(gateway.waitFor(20, TimeUnit.SECONDS));
      assertEquals(0, gateway.exitValue(), () -> readLog(dir));
    } finally {
      gateway.destroyForcibly();
      client.close().await(5, TimeUnit.SECONDS);
    }
  }

  @Test
  void aBusyPortIsNamedWithTheSettingThatMovesIt(@TempDir Path dir) throws Exception {
    try (ServerSocket busy = new ServerSocket(0, 50, java.net.InetAddress.getLoopbackAddress())) {
      ProcessBuilder builder = new ProcessBuilder(java(), "-jar", "target/tenant-gateway.jar", "--config", "routes.yaml",
          "--listeners", "1").redirectErrorStream(true).redirectOutput(dir.resolve("gateway.log").toFile());
      builder.environment().putAll(Map.of("GATEWAY_HOST", "127.0.0.1", "GATEWAY_PORT",
          Integer.toString(busy.getLocalPort()), "ADMIN_HOST", "127.0.0.1", "ADMIN_PORT", Integer.toString(freePort())));
      Process gateway = builder.start();
      try {
        assertTrue(gateway.waitFor(30, TimeUnit.SECONDS), "a start that cannot listen ends");
        assertEquals(1, gateway.exitValue());
        String log = readLog(dir);
        assertTrue(log.contains("port " + busy.getLocalPort() + " is already in use"), log);
        assertTrue(log.contains("GATEWAY_PORT="), log);
        assertFalse(log.contains("\tat "), "a message, not a stack trace: " + log);
      } finally {
        gateway.destroyForcibly();
      }
    }
  }

  /** Under nohup SIGHUP stays ignored (the JVM keeps it so): the gateway names that at start instead of ignoring it. */
  @Test
  void aSighupIgnoredAtStartIsNamed(@TempDir Path dir) throws Exception {
    try (ServerSocket busy = new ServerSocket(0, 50, java.net.InetAddress.getLoopbackAddress())) {
      // the busy port ends the start right after the signals are set up, so the test needs no readiness wait
      ProcessBuilder builder = new ProcessBuilder("nohup", java(), "-jar", "target/tenant-gateway.jar", "--config",
          "routes.yaml", "--listeners", "1").redirectErrorStream(true).redirectOutput(dir.resolve("gateway.log").toFile());
      builder.environment().putAll(Map.of("GATEWAY_HOST", "127.0.0.1", "GATEWAY_PORT",
          Integer.toString(busy.getLocalPort()), "ADMIN_HOST", "127.0.0.1", "ADMIN_PORT", Integer.toString(freePort())));
      Process gateway = builder.start();
      try {
        assertTrue(gateway.waitFor(30, TimeUnit.SECONDS), "a start that cannot listen ends");
        String log = readLog(dir);
        assertTrue(log.contains("SIGHUP is ignored by this process"), log);
        assertFalse(log.contains("SIGTERM is ignored"), "nohup leaves SIGTERM alone: " + log);
      } finally {
        gateway.destroyForcibly();
      }
    }
  }

  @Test
  void devTokenOutsideTheRepositoryRootSaysWhatToDo(@TempDir Path dir) throws Exception {
    Process token = new ProcessBuilder(java(), "-jar", Path.of("target/tenant-gateway.jar").toAbsolutePath().toString(),
        "dev-token", "--org", "acme").directory(dir.toFile()).redirectErrorStream(true).start();
    String output = new String(token.getInputStream().readAllBytes());
    assertTrue(token.waitFor(30, TimeUnit.SECONDS));
    assertEquals(1, token.exitValue(), output);
    assertTrue(output.contains("run it from the repository root"), output);
    assertFalse(output.contains("NoSuchFileException") || output.contains("\tat "), output);
  }

  /**
   * SIGTERM with keep-alive connections open and traffic flowing: readiness turns 503 at once, requests during the
   * drain delay are all answered, each with {@code Connection: close}, the in-flight request finishes, the process
   * exits 0 within delay + grace, and nothing in the log says a connection was dropped.
   */
  @Test
  void sigtermDrainsKeepAliveConnectionsWithoutLosingRequests(Vertx vertx, @TempDir Path dir) throws Exception {
    RecordingUpstream upstream = new RecordingUpstream().start(vertx);
    int port = freePort();
    int adminPort = freePort();
    String yaml = """
        listener: { host: 127.0.0.1, port: %d }
        admin: { host: 127.0.0.1, port: %d, drain_delay: 30s, shutdown_grace: 30s, reload_interval: 0s, access_log: false }
        upstreams: { app: { url: "%s" } }
        routes:
          - { id: delayed, methods: [GET], path: "/delay/{ms}", upstream: app, public: true }
          - { id: ok, methods: [GET], path: "/ok", upstream: app, public: true }
        """.formatted(port, adminPort, upstream.url());
    Path config = dir.resolve("routes.yaml");
    Files.writeString(config, yaml);
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    // the command line overrides routes.yaml's 30s: what the Helm chart passes
    Process gateway = new ProcessBuilder(java, "-jar", "target/tenant-gateway.jar", "--config", config.toString(),
        "--listeners", "2", "--drain-delay", "6s", "--shutdown-grace", "10s")
        .redirectErrorStream(true).redirectOutput(dir.resolve("gateway.log").toFile()).start();
    HttpClient client = vertx.createHttpClient(new io.vertx.core.http.HttpClientOptions().setKeepAlive(true),
        new io.vertx.core.http.PoolOptions().setHttp1MaxSize(4));
    try {
      awaitReady(vertx, client, adminPort, gateway, dir);
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30); // for what follows the start
      // four keep-alive connections, open and idle
      java.util.List<Future<Integer>> warm = new java.util.ArrayList<>();
      for (int i = 0; i < 4; i++) {
        warm.add(status(client, port, HttpMethod.GET, "/ok", null));
      }
      Future.all(warm).await(10, TimeUnit.SECONDS);
      Future<Integer> inFlight = status(client, port, HttpMethod.GET, "/delay/4000", null);
      while (upstream.received().stream().noneMatch(r -> r.uri().equals("/delay/4000")) && System.nanoTime() < deadline) {
        vertx.timer(10).await(1, TimeUnit.SECONDS);
      }
      gateway.destroy(); // SIGTERM
      int readiness = 200;
      while (readiness != 503 && System.nanoTime() < deadline) {
        readiness = readiness(client, adminPort);
      }
      assertEquals(503, readiness, "not ready as soon as the signal arrived");
      // still serving through the delay, on the open keep-alive connections and on new ones (after the delay the
      // listener is closed: a 200 here was served during the delay)
      int served = 0;
      for (int i = 0; i < 10; i++) {
        var answer = client.request(HttpMethod.GET, port, "127.0.0.1", "/ok")
            .compose(req -> req.send())
            .compose(resp -> resp.body().map(b -> resp.statusCode() + " " + resp.getHeader("Connection")))
            .await(5, TimeUnit.SECONDS);
        assertEquals("200 close", answer, "served during the drain delay, telling the client to reconnect elsewhere");
        served++;
      }
      assertEquals(10, served);
      // connections keep arriving while the listener closes: each is served or refused, and none breaks the gateway
      HttpClient late = vertx.createHttpClient(new io.vertx.core.http.HttpClientOptions().setKeepAlive(false),
          new io.vertx.core.http.PoolOptions().setHttp1MaxSize(8));
      java.util.List<Future<Integer>> arriving = new java.util.ArrayList<>();
      while (gateway.isAlive() && arriving.size() < 2000 && System.nanoTime() < deadline) {
        arriving.add(status(late, port, HttpMethod.GET, "/ok", null).otherwise(-1));
        if (arriving.size() % 8 == 0) {
          Future.all(arriving.subList(arriving.size() - 8, arriving.size())).await(10, TimeUnit.SECONDS);
        }
      }
      Future.join(arriving).await(20, TimeUnit.SECONDS);
      assertTrue(arriving.stream().allMatch(f -> f.result() == 200 || f.result() == -1), "served, or refused");
      assertEquals(200, inFlight.await(15, TimeUnit.SECONDS), "the in-flight request finished");
      assertTrue(gateway.waitFor(20, TimeUnit.SECONDS));
      assertEquals(0, gateway.exitValue(), () -> readLog(dir));
      String log = readLog(dir);
      assertTrue(log.contains("stopped"), log);
      assertTrue(!log.contains("\tat ") && !log.contains("Failed to register"), "no stack trace during the drain:\n" + log);
    } finally {
      gateway.destroyForcibly();
      client.close().await(5, TimeUnit.SECONDS);
    }
  }

  /** /readyz's status, or -1 when it did not answer (not listening yet, or a starved machine). */
  static int readiness(HttpClient client, int adminPort) {
    try {
      return status(client, adminPort, HttpMethod.GET, "/readyz", null).otherwise(-1).await(5, TimeUnit.SECONDS);
    } catch (java.util.concurrent.TimeoutException slow) {
      return -1;
    }
  }

  static String readLog(Path dir) {

    try {
      return Files.readString(dir.resolve("gateway.log"));
    } catch (Exception e) {
      return "(no log)";
    }
  }
}
