package dev.tenantgateway;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.net.ConnectException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Base64;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The command line: a bad routes.yaml stops the start with line numbers and a non-zero exit, nothing listening. */
class MainTest {

  record Run(int exit, String out, String err) {
  }

  /** Runs the command line with standard output and error captured (picocli writes to them by default). */
  static synchronized Run run(String... args) {
    PrintStream originalOut = System.out;
    PrintStream originalErr = System.err;
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
    System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
    try {
      int exit = new CommandLine(new Main()).execute(args);
      return new Run(exit, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    } finally {
      System.setOut(originalOut);
      System.setErr(originalErr);
    }
  }

  @Test
  void aBadConfigStopsTheStartWithLineNumbersAndNothingListens(@TempDir Path dir) throws IOException {
    int port;
    try (ServerSocket socket = new ServerSocket(0)) {
      port = socket.getLocalPort();
    }
    Path config = dir.resolve("routes.yaml");
    Files.writeString(config, Files.readString(Path.of("routes.yaml"))
        .replace("port: ${GATEWAY_PORT:-8080}", "port: " + port)
        .replace("upstream: projects\n    require: projects:read", "upstream: projcts\n    require: projects:read"));
    Run run = run("--config", config.toString());
    assertEquals(1, run.exit());
    assertTrue(run.err().contains("routes.yaml:"), run.err());
    assertTrue(run.err().contains("routes[0].upstream: unknown upstream 'projcts'"), run.err());
    assertTrue(run.err().contains("did you mean 'projects'?"), run.err());
    int p = port;
    assertThrows(ConnectException.class, () -> {
      try (Socket socket = new Socket()) {
        socket.connect(new InetSocketAddress("127.0.0.1", p), 1000);
      }
    });
  }

  @Test
  void validateReportsEveryErrorAndExitsOne(@TempDir Path dir) throws IOException {
    Path config = dir.resolve("routes.yaml");
    Files.writeString(config, "listener:\n  port: http\nroutez: []\n");
    Run run = run("validate", config.toString());
    assertEquals(1, run.exit());
    assertTrue(run.err().contains(config + ":2:9: listener.port: 'http' is not a whole number"), run.err());
    assertTrue(run.err().contains(config + ":3:1: routez: unknown key 'routez'"), run.err());
    assertTrue(run.err().contains("(did you mean 'routes'?)"), run.err());
  }

  @Test
  void validateAcceptsTheShippedExample() {
    Run run = run("validate", "routes.yaml");
    assertEquals(0, run.exit(), run.err());
    assertTrue(run.out().contains("routes.yaml: valid"));
  }

  @Test
  void devTokenMintsTheClaimsAsked() {
    Run run = run("dev-token", "--sub", "sarah", "--org", "acme", "--roles", "admin,viewer", "--ttl", "60");
    assertEquals(0, run.exit(), run.err());
    String[] parts = run.out().trim().split("\\.");
    assertEquals(3, parts.length);
    String claims = new String(Base64.getUrlDecoder().decode(parts[1]), StandardCharsets.UTF_8);
    assertTrue(claims.contains("\"org_code\":\"acme\"") && claims.contains("\"roles\":[\"admin\",\"viewer\"]"), claims);
  }

  @Test
  void validateWarnsAboutRiskyButValidRoutes() {
    Run run = run("validate", "routes.yaml");
    assertEquals(0, run.exit());
    assertTrue(run.out().contains("warning: route 'whoami' has no require: any authenticated caller passes"), run.out());
  }

  @Test
  void explainWalksThePipelineAndSaysWhy() {
    String viewer = run("dev-token", "--sub", "sarah", "--org", "acme", "--roles", "viewer").out().trim();
    Run denied = run("explain", "--config", "routes.yaml", "--token", viewer, "DELETE", "/projects/./7");
    assertEquals(1, denied.exit(), denied.err());
    assertTrue(denied.out().contains("1 normalize      /projects/./7 -> /projects/7"), denied.out());
    assertTrue(denied.out().contains("2 match          route 'delete-project'"), denied.out());
    assertTrue(denied.out().contains("4 tenant         acme (named by the token)"), denied.out());
    assertTrue(denied.out().contains("5 permissions    roles [viewer] -> [projects:read]"), denied.out());
    assertTrue(denied.out().contains("7 authorize      DENIED 403 permission_denied"), denied.out());
    assertTrue(denied.out().contains("(requires [projects:delete])"), denied.out());
    assertTrue(denied.out().endsWith("decision: DENIED 403 permission_denied" + System.lineSeparator()), denied.out());

    Run allowed = run("explain", "--token", viewer, "GET", "/orgs/acme/projects/1", "-H", "X-Active-Tenant: acme");
    assertEquals(0, allowed.exit(), allowed.err());
    assertTrue(allowed.out().contains("8 forward        GET /orgs/acme/projects/1 to projects with X-Tenant-Id: acme"), allowed.out());
    assertTrue(allowed.out().contains("decision: ALLOWED"));

    Run mismatch = run("explain", "--token", viewer, "GET", "/projects", "-H", "X-Active-Tenant: startup");
    assertEquals(1, mismatch.exit());
    assertTrue(mismatch.out().contains("4 tenant         DENIED 403 tenant_mismatch"), mismatch.out());

    Run noRoute = run("explain", "GET", "/admin");
    assertTrue(noRoute.out().contains("2 match          DENIED 404 route_not_found"), noRoute.out());
  }
}
