package dev.tenantgateway.ship;

import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * No Docker engine runs where the tests run, so the Dockerfile is checked for the properties the image must have:
 * multi-stage with a JRE-only runtime, non-root, health check, both ports, the documented config path.
 */
class DockerfileTest {

  @Test
  void theImageIsMultiStageNonRootAndChecksItsHealth() throws Exception {
    List<String> lines = Files.readAllLines(Path.of("Dockerfile"));
    List<String> froms = lines.stream().filter(l -> l.startsWith("FROM ")).toList();
    assertEquals(2, froms.size(), "a build stage and a runtime stage");
    assertTrue(froms.get(0).contains("maven") && froms.get(0).endsWith(" AS build"));
    assertTrue(froms.get(1).matches("FROM eclipse-temurin:21-jre.*"), "a maintained Java 21 JRE, no build tools");
    String runtime = String.join("\n", lines.subList(lines.indexOf(froms.get(1)), lines.size()));
    assertTrue(runtime.contains("USER 10001"), "runs as a non-root user");
    assertFalse(runtime.contains("mvn "), "no build tool runs in the final stage");
    assertTrue(runtime.contains("EXPOSE 8080 9901"));
    assertTrue(runtime.contains("HEALTHCHECK") && runtime.contains("/healthz"));
    assertTrue(runtime.contains("MaxRAMPercentage=50"), "container-aware heap, with room beside it");
    assertTrue(runtime.contains("-XX:+UseG1GC"), "an explicit collector: a small cgroup would get SerialGC");
    assertTrue(runtime.contains("-XX:MaxDirectMemorySize="), "Netty's direct buffers are capped");
    assertTrue(runtime.contains("-XX:ActiveProcessorCount="), "event loops and GC threads sized explicitly");
    assertTrue(runtime.contains("/etc/tenant-gateway/routes.yaml"));
    String ignore = Files.readString(Path.of(".dockerignore"));
    assertTrue(ignore.contains("target/") && ignore.contains(".git/"));
    assertTrue(ignore.contains("issuer.pem"), "the development private key never enters an image");
  }
}
