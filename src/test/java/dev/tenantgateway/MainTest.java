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
import java.util.List;
import java.util.Base64;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
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
    assertTrue(run.out().contains("warning: route 'whoami' admits any authenticated caller (require: []): no permission is checked"), run.out());
    assertFalse(run.out().contains("has no require"), "require: [] is a require: " + run.out());
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

  /** The stages are numbered without gaps, and what explain prints reads the same on every run. */
  @Test
  void explainPrintsEveryStageInAStableForm() {
    String viewer = run("dev-token", "--sub", "sarah", "--org", "acme", "--roles", "viewer").out().trim();
    Run allowed = run("explain", "--token", viewer, "GET", "/orgs/acme/projects/1", "-H", "X-Active-Tenant: acme");
    assertEquals(0, allowed.exit(), allowed.err());
    List<String> stages = allowed.out().lines().filter(l -> !l.startsWith("decision:")).map(l -> l.split(" ")[0]).toList();
    assertEquals(List.of("1", "2", "3", "4", "5", "6", "7", "8"), stages, allowed.out());
    assertTrue(allowed.out().contains("6 state          not revoked (in memory)"), allowed.out());
    assertFalse(allowed.out().contains("SigningKey["), allowed.out());
    assertTrue(allowed.out().contains("signature ok with the issuer's RS256 key (it has no kid)"), allowed.out());
    assertTrue(allowed.out().contains("[GET, HEAD] /orgs/{tenant}/projects/**"), "methods in their usual order: "
        + allowed.out());
    Run writes = run("explain", "--token", viewer, "PUT", "/projects/7/members/sarah");
    assertTrue(writes.out().contains("[POST, PUT, DELETE] /projects/{id}/members/**"), writes.out());
  }

  /** The sample in docs/operations.md is what explain prints for that request today (route lines and all). */
  @Test
  void theOperationsGuidesExplainSampleIsWhatExplainPrints() throws IOException {
    List<String> sample = Files.readString(Path.of("docs/operations.md")).lines()
        .dropWhile(l -> !l.startsWith("1 normalize      /projects/./7")).takeWhile(l -> !l.startsWith("```")).toList();
    assertEquals(8, sample.size(), "the sample: seven stages up to the denial, and the decision: " + sample);
    String viewer = run("dev-token", "--sub", "sarah", "--org", "acme", "--roles", "viewer").out().trim();
    Run denied = run("explain", "--token", viewer, "DELETE", "/projects/./7");
    assertEquals(1, denied.exit(), denied.err());
    List<String> printed = denied.out().lines().map(MainTest::withoutExpiry).toList();
    assertEquals(sample.stream().map(MainTest::withoutExpiry).toList(), printed,
        "the explain sample in docs/operations.md is stale (routes.yaml changed?): make it what explain prints now");
  }

  static String withoutExpiry(String line) {
    return line.replaceAll("expires in \\d+s", "expires in Ns");
  }

  @Test
  void explainSaysWhatIsWrongWithTheTokenArgument() {
    String viewer = run("dev-token", "--sub", "sarah", "--org", "acme", "--roles", "viewer").out().trim();
    Run prefixed = run("explain", "--token", "Bearer " + viewer, "GET", "/projects");
    assertEquals(2, prefixed.exit());
    assertTrue(prefixed.err().contains("drop the 'Bearer ' prefix"), prefixed.err());

    Run empty = run("explain", "--token", "", "GET", "/projects");
    assertEquals(1, empty.exit(), empty.err());
    assertTrue(empty.out().contains("3 authenticate   DENIED 401 token_missing"), empty.out());
    assertTrue(empty.out().contains("hint: no token was given"), empty.out());
    assertTrue(empty.out().contains("$SARAH_STARTUP"), "names where the README's token comes from: " + empty.out());
  }

  @Test
  void validateSuggestsTheGrantedPermissionForATypoInRequire(@TempDir Path dir) throws IOException {
    Path config = dir.resolve("routes.yaml");
    Files.writeString(config, Files.readString(Path.of("routes.yaml"))
        .replace("public_key_file: examples/dev-keys/issuer.pub.pem", "public_key_file: " + Path.of("examples/dev-keys/issuer.pub.pem").toAbsolutePath())
        .replace("path: /projects\n    upstream: projects\n    require: projects:read",
            "path: /projects\n    upstream: projects\n    require: projets:read")
        .replace("require: billing:read", "require: { any_of: [billing:read, biling:read] }"));
    Run run = run("validate", config.toString());
    assertEquals(0, run.exit(), run.err());
    assertTrue(run.out().contains("warning: route 'list-projects' requires 'projets:read', which no role in roles: or "
        + "app_roles: grants (did you mean 'projects:read'?)"), run.out());
    assertTrue(run.out().contains("route 'billing' requires 'biling:read'"), run.out());
    assertTrue(run.out().contains("(did you mean 'billing:read'?)"), run.out());
    assertFalse(run.out().contains("'billing:read', which"), "a granted alternative of any_of is not reported");
  }

  @Test
  void validateSuggestsTheApplicationRoleARouteMeant(@TempDir Path dir) throws IOException {
    Path config = dir.resolve("routes.yaml");
    Files.writeString(config, Files.readString(Path.of("routes.yaml"))
        .replace("public_key_file: examples/dev-keys/issuer.pub.pem", "public_key_file: " + Path.of("examples/dev-keys/issuer.pub.pem").toAbsolutePath())
        .replace("# app_roles:\n#   support: { permissions: [projects:read], any_tenant: true }",
            "app_roles:\n  support: { permissions: [projects:read], any_tenant: true }")
        .replace("require: billing:read", "require: billing:read\n    app_roles: [suport]"));
    Run run = run("validate", config.toString());
    assertEquals(1, run.exit(), run.out());
    assertTrue(run.err().contains("unknown application role 'suport'"), run.err());
    assertTrue(run.err().contains("(did you mean 'support'?)"), run.err());
  }

  @Test
  void theShippedExampleHasNoTypoWarnings() {
    Run run = run("validate", "routes.yaml");
    assertEquals(0, run.exit(), run.err());
    assertFalse(run.out().contains("did you mean"), run.out());
  }

  @Test
  void helpIsACommand() {
    Run all = run("help");
    assertEquals(0, all.exit(), all.err());
    assertTrue(all.out().contains("validate") && all.out().contains("dev-token") && all.out().contains("--echo-upstream"),
        all.out());
    Run one = run("help", "validate");
    assertEquals(0, one.exit(), one.err());
    assertTrue(one.out().contains("Usage: tenant-gateway validate"), one.out());
  }

  @Test
  void devTokenWithoutItsKeySaysWhereToRunItFrom(@TempDir Path dir) {
    Run run = run("dev-token", "--key", dir.resolve("examples/dev-keys/issuer.pem").toString(), "--org", "acme");
    assertEquals(1, run.exit());
    assertTrue(run.err().contains("no development key at " + dir.resolve("examples/dev-keys/issuer.pem")), run.err());
    assertTrue(run.err().contains("run it from the repository root"), run.err());
    assertFalse(run.err().contains("Exception"), "a message, not a stack trace: " + run.err());
    assertTrue(run.out().isEmpty(), run.out());
  }

  @Test
  void aBusyDemoPortIsNamedWithTheOptionThatMovesIt() throws IOException {
    try (ServerSocket busy = new ServerSocket(0, 50, java.net.InetAddress.getLoopbackAddress())) {
      int port = busy.getLocalPort();
      Run run = run("demo", "--port", Integer.toString(port), "--admin-port", "0", "--issuer-port", "0");
      assertEquals(1, run.exit(), run.err());
      assertTrue(run.err().contains("port " + port + " is already in use"), run.err());
      assertTrue(run.err().contains("demo --port " + (port + 10)), run.err());
    }
  }
}
