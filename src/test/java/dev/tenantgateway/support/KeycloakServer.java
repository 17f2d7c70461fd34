package dev.tenantgateway.support;

import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.ext.web.client.WebClient;
import io.vertx.ext.web.client.WebClientOptions;
import io.vertx.core.MultiMap;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.stream.Stream;

/**
 * A real Keycloak, started from the server distribution that the {@code keycloak} Maven profile unpacks: dev mode,
 * http only, bound to loopback on free ports, an in-memory database, and a realm imported at start. Its log goes to
 * a file beside the distribution; the start waits for Keycloak's own "started" line, within a bound.
 *
 * <p>Keycloak 26 needs Java 21 or newer while the project builds on 17. The runtime is, in order: the
 * {@code KEYCLOAK_JAVA_HOME} environment variable; the running JVM if it is 21 or newer; otherwise the oldest JDK
 * of 21 or newer found beside the running one (a sibling folder of {@code java.home} whose {@code release} file
 * says so).
 */
public final class KeycloakServer implements AutoCloseable {

  /** The realm's bootstrap administrator: created by Keycloak at its first start, reachable on loopback only. */
  public static final String ADMIN_USER = "bootstrap-admin";
  public static final String ADMIN_PASSWORD = "bootstrap-admin-password";

  private static final int LOG_TAIL = 60;

  private final Process process;
  private final int port;
  private final Path log;
  private final WebClient client;
  private final Thread shutdownHook;
  private boolean closed;

  private KeycloakServer(Process process, int port, Path log, WebClient client) {
    this.process = process;
    this.port = port;
    this.log = log;
    this.client = client;
    this.shutdownHook = new Thread(this::kill, "keycloak-stop");
    Runtime.getRuntime().addShutdownHook(shutdownHook);
  }

  /**
   * Starts Keycloak from {@code home} with the realm files given imported, and waits for it to report it started.
   *
   * @param realms realm JSON files to import at start
   * @param bound how long the start may take before it counts as failed (Keycloak is then stopped)
   */
  public static KeycloakServer start(Vertx vertx, Path home, Path javaHome, List<Path> realms, Duration bound)
      throws IOException, InterruptedException {
    Path script = home.resolve("bin").resolve("kc.sh");
    if (!Files.isRegularFile(script)) {
      throw new IllegalStateException("no Keycloak distribution at " + home
          + ": run the tests with the keycloak Maven profile (mvn verify -Pkeycloak), which unpacks it");
    }
    Path imports = home.resolve("data").resolve("import");
    Files.createDirectories(imports);
    try (Stream<Path> old = Files.list(imports)) {
      for (Path file : old.toList()) {
        Files.delete(file);
      }
    }
    for (Path realm : realms) {
      Files.copy(realm, imports.resolve(realm.getFileName()));
    }
    int port = freePort();
    int managementPort = freePort();
    ProcessBuilder builder = new ProcessBuilder("bash", script.toString(), "start-dev",
        "--http-host=127.0.0.1", "--http-port=" + port, "--http-management-port=" + managementPort,
        "--db=dev-mem", "--import-realm", "--log-console-color=false")
        .directory(home.toFile())
        .redirectErrorStream(true);
    Map<String, String> env = builder.environment();
    env.put("JAVA_HOME", javaHome.toString());
    env.put("KC_BOOTSTRAP_ADMIN_USERNAME", ADMIN_USER);
    env.put("KC_BOOTSTRAP_ADMIN_PASSWORD", ADMIN_PASSWORD);
    // C1 only: Keycloak's start is mostly compiling its server once; the tests need little of its peak speed.
    // Its temporary files stay inside the distribution's folder, under target/.
    Path tmp = Files.createDirectories(home.resolve("tmp"));
    env.put("JAVA_OPTS_APPEND", "-XX:TieredStopAtLevel=1 -Djava.io.tmpdir=" + tmp.toAbsolutePath());
    Path log = home.resolve("keycloak.log");
    Process process = builder.start();
    WebClient client = WebClient.create(vertx, new WebClientOptions().setDefaultHost("127.0.0.1").setDefaultPort(port));
    KeycloakServer server = new KeycloakServer(process, port, log, client);
    CompletableFuture<Void> started = new CompletableFuture<>();
    Deque<String> tail = new ArrayDeque<>();
    Thread reader = new Thread(() -> copyLog(process, log, tail, started), "keycloak-log");
    reader.setDaemon(true);
    reader.start();
    try {
      started.get(bound.toMillis(), TimeUnit.MILLISECONDS);
    } catch (TimeoutException | ExecutionException e) {
      server.close();
      String why = e instanceof TimeoutException ? "did not start within " + bound.toSeconds() + "s"
          : e.getCause().getMessage();
      synchronized (tail) {
        throw new IllegalStateException("Keycloak " + why + " (log: " + log + "); last lines:\n"
            + String.join("\n", tail));
      }
    }
    return server;
  }

  /** Copies Keycloak's output to the log file, keeps the last lines, and reports the start (or the exit). */
  private static void copyLog(Process process, Path log, Deque<String> tail, CompletableFuture<Void> started) {
    try (InputStream in = process.getInputStream();
         BufferedReader reader = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8));
         Writer out = Files.newBufferedWriter(log, StandardCharsets.UTF_8)) {
      String line;
      while ((line = reader.readLine()) != null) {
        out.write(line);
        out.write('\n');
        out.flush();
        synchronized (tail) {
          tail.addLast(line);
          if (tail.size() > LOG_TAIL) {
            tail.removeFirst();
          }
        }
        if (line.contains(" started in ") && line.contains("Listening on: http://127.0.0.1:")) {
          started.complete(null);
        }
      }
    } catch (IOException e) {
      started.completeExceptionally(e);
    }
    started.completeExceptionally(new IllegalStateException("exited before it started"));
  }

  private static int freePort() throws IOException {
    try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      return socket.getLocalPort();
    }
  }

  /** The Java runtime Keycloak runs on: see the class comment. */
  public static Path javaHome() {
    String configured = System.getenv("KEYCLOAK_JAVA_HOME");
    if (configured != null && !configured.isBlank()) {
      return Path.of(configured);
    }
    Path current = Path.of(System.getProperty("java.home"));
    if (Runtime.version().feature() >= 21) {
      return current;
    }
    List<Path> candidates = new ArrayList<>();
    Path parent = current.toAbsolutePath().getParent();
    if (parent != null && Files.isDirectory(parent)) {
      try (Stream<Path> siblings = Files.list(parent)) {
        siblings.filter(dir -> featureVersion(dir).orElse(0) >= 21).forEach(candidates::add);
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }
    return candidates.stream()
        .min((a, b) -> Integer.compare(featureVersion(a).orElse(0), featureVersion(b).orElse(0)))
        .orElseThrow(() -> new IllegalStateException("Keycloak 26 needs Java 21 or newer: none found beside "
            + current + "; set KEYCLOAK_JAVA_HOME to one"));
  }

  /** The feature version a JDK's {@code release} file states, if it has one and a java launcher. */
  static Optional<Integer> featureVersion(Path jdk) {
    Path release = jdk.resolve("release");
    if (!Files.isRegularFile(release) || !Files.isExecutable(jdk.resolve("bin").resolve("java"))) {
      return Optional.empty();
    }
    Properties properties = new Properties();
    try (var reader = Files.newBufferedReader(release, StandardCharsets.UTF_8)) {
      properties.load(reader);
    } catch (IOException e) {
      return Optional.empty();
    }
    String version = properties.getProperty("JAVA_VERSION", "").replace("\"", "");
    String feature = version.split("[.+-]", 2)[0];
    try {
      return Optional.of(Integer.parseInt(feature));
    } catch (NumberFormatException e) {
      return Optional.empty();
    }
  }

  public String url() {
    return "http://127.0.0.1:" + port;
  }

  /** The {@code iss} of the realm's tokens (Keycloak names itself by the host it was asked on). */
  public String issuer(String realm) {
    return url() + "/realms/" + realm;
  }

  public String jwksUri(String realm) {
    return issuer(realm) + "/protocol/openid-connect/certs";
  }

  public Path log() {
    return log;
  }

  /** A token response from the realm's token endpoint (resource owner password grant); fails on a non-200. */
  public JsonObject passwordGrant(String realm, String clientId, String secret, String username, String password,
                                  String scope) {
    MultiMap form = MultiMap.caseInsensitiveMultiMap().add("grant_type", "password").add("client_id", clientId)
        .add("client_secret", secret).add("username", username).add("password", password);
    if (scope != null) {
      form.add("scope", scope);
    }
    return expect(200, await(client.post("/realms/" + realm + "/protocol/openid-connect/token").sendForm(form)
        ), "token for " + username).bodyAsJsonObject();
  }

  /** An access token of the master realm's bootstrap administrator, for the admin REST API. */
  public String adminToken() {
    MultiMap form = MultiMap.caseInsensitiveMultiMap().add("grant_type", "password").add("client_id", "admin-cli")
        .add("username", ADMIN_USER).add("password", ADMIN_PASSWORD);
    return expect(200, await(client.post("/realms/master/protocol/openid-connect/token").sendForm(form)
        ), "admin token").bodyAsJsonObject().getString("access_token");
  }

  /** GET on the admin REST API ({@code path} below {@code /admin/realms/}). */
  public Buffer adminGet(String path) {
    return expect(200, await(client.get("/admin/realms/" + path).bearerTokenAuthentication(adminToken()).send()
        ), "GET " + path).body();
  }

  /** POST of a JSON body on the admin REST API; returns the response for its status and Location. */
  public HttpResponse<Buffer> adminPost(String path, Object json) {
    return await(client.post("/admin/realms/" + path).bearerTokenAuthentication(adminToken())
        .sendJson(json));
  }

  /** PUT of a JSON body on the admin REST API. */
  public HttpResponse<Buffer> adminPut(String path, Object json) {
    return await(client.put("/admin/realms/" + path).bearerTokenAuthentication(adminToken())
        .sendJson(json));
  }

  public JsonArray adminGetArray(String path) {
    return adminGet(path).toJsonArray();
  }

  private static <T> T await(io.vertx.core.Future<T> future) {
    try {
      return future.await(30, TimeUnit.SECONDS);
    } catch (TimeoutException e) {
      throw new IllegalStateException("Keycloak did not answer within 30s", e);
    }
  }

  private static HttpResponse<Buffer> expect(int status, HttpResponse<Buffer> response, String what) {
    if (response.statusCode() != status) {
      throw new IllegalStateException(what + ": Keycloak answered " + response.statusCode() + " "
          + response.bodyAsString());
    }
    return response;
  }

  public boolean running() {
    return process.isAlive();
  }

  /**
   * Stops Keycloak (its launcher forwards the TERM to the JVM) and waits for the process and its children; a second
   * call does nothing.
   */
  @Override
  public synchronized void close() {
    if (closed) {
      return;
    }
    closed = true;
    kill();
    try {
      Runtime.getRuntime().removeShutdownHook(shutdownHook);
    } catch (IllegalStateException shuttingDown) {
      // the hook is running or has run
    }
    client.close();
  }

  private void kill() {
    List<ProcessHandle> children = process.toHandle().descendants().toList();
    process.destroy();
    try {
      process.onExit().get(30, TimeUnit.SECONDS);
      for (ProcessHandle child : children) {
        child.onExit().get(30, TimeUnit.SECONDS);
      }
    } catch (TimeoutException | ExecutionException e) {
      children.forEach(ProcessHandle::destroyForcibly);
      process.destroyForcibly();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      children.forEach(ProcessHandle::destroyForcibly);
      process.destroyForcibly();
    }
  }
}
