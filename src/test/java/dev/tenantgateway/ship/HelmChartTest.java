package dev.tenantgateway.ship;

import com.marcnuri.helm.Helm;
import com.marcnuri.helm.LintResult;
import com.marcnuri.helm.TemplateCommand;
import org.junit.jupiter.api.Test;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The Helm chart, linted and rendered with an embedded helm: no cluster needed. */
class HelmChartTest {

  static final Path CHART = Path.of("helm/tenant-gateway");

  /** Adds values to a template command. */
  interface Values {
    TemplateCommand apply(TemplateCommand template);
  }

  @SuppressWarnings("unchecked")
  static List<Map<String, Object>> render(Values customizer) {
    var template = new Helm(CHART).template().withName("gw").withNamespace("edge");
    String manifests = customizer.apply(template).call();
    List<Map<String, Object>> documents = new ArrayList<>();
    for (Object doc : new Yaml(new LoaderOptions()).loadAll(manifests)) {
      if (doc != null) {
        documents.add((Map<String, Object>) doc);
      }
    }
    return documents;
  }

  static Map<String, Object> find(List<Map<String, Object>> docs, String kind) {
    return docs.stream().filter(d -> kind.equals(d.get("kind"))).findFirst().orElse(null);
  }

  @SuppressWarnings("unchecked")
  static <T> T at(Object node, String... path) {
    Object current = node;
    for (String key : path) {
      if (current instanceof Map<?, ?> map) {
        current = map.get(key);
      } else if (current instanceof List<?> list) {
        current = list.get(Integer.parseInt(key));
      } else {
        return null;
      }
    }
    return (T) current;
  }

  @Test
  void theChartLintsClean() {
    LintResult result = new Helm(CHART).lint().strict().call();
    assertFalse(result.isFailed(), String.join("\n", result.getMessages()));
  }

  @Test
  void defaultValuesRenderOneSafeReplica() {
    List<Map<String, Object>> docs = render(t -> t);
    Map<String, Object> deployment = find(docs, "Deployment");
    assertEquals(1, (Integer) at(deployment, "spec", "replicas"));
    Map<String, Object> pod = at(deployment, "spec", "template", "spec");
    Map<String, Object> container = at(pod, "containers", "0");
    assertEquals("tenant-gateway:0.1.0", container.get("image"));
    assertEquals("/readyz", at(container, "readinessProbe", "httpGet", "path"));
    assertEquals("/healthz", at(container, "livenessProbe", "httpGet", "path"));
    assertEquals(Boolean.TRUE, at(pod, "securityContext", "runAsNonRoot"));
    assertEquals(Boolean.FALSE, at(container, "securityContext", "allowPrivilegeEscalation"));
    assertEquals(Boolean.TRUE, at(container, "securityContext", "readOnlyRootFilesystem"));
    assertEquals(List.of("ALL"), at(container, "securityContext", "capabilities", "drop"));
    assertEquals(40, (Integer) at(pod, "terminationGracePeriodSeconds"), "longer than the 30s drain");
    assertNotNull(at(deployment, "spec", "template", "metadata", "annotations", "checksum/routes"));
    Map<String, Object> configMap = find(docs, "ConfigMap");
    assertTrue(((String) at(configMap, "data", "routes.yaml")).contains("issuers:"));
    assertNotNull(find(docs, "Service"));
    assertNotNull(find(docs, "PodDisruptionBudget"));
    assertNull(find(docs, "HorizontalPodAutoscaler"));
    assertNull(find(docs, "ServiceMonitor"));
    assertNull(find(docs, "NetworkPolicy"));
    assertNull(find(docs, "Secret"));
  }

  @Test
  void aRoutesChangeChangesTheChecksumSoPodsRoll() {
    String before = at(find(render(t -> t), "Deployment"), "spec", "template", "metadata", "annotations", "checksum/routes");
    String after = at(find(render(t -> t.set("routes", "routes: []")), "Deployment"), "spec", "template", "metadata",
        "annotations", "checksum/routes");
    assertFalse(before.equals(after));
  }

  @Test
  void aProductionLikeValuesFileRendersEverything() {
    List<Map<String, Object>> docs = render(t -> t.withValuesFile(Path.of("src/test/resources/helm/production-values.yaml")));
    Map<String, Object> deployment = find(docs, "Deployment");
    assertNull(at(deployment, "spec", "replicas"), "the HPA owns the replica count");
    Map<String, Object> hpa = find(docs, "HorizontalPodAutoscaler");
    assertEquals(3, (Integer) at(hpa, "spec", "minReplicas"));
    assertEquals(12, (Integer) at(hpa, "spec", "maxReplicas"));
    assertEquals(2, (Integer) at(find(docs, "PodDisruptionBudget"), "spec", "minAvailable"));
    assertEquals("prometheus", at(find(docs, "ServiceMonitor"), "metadata", "labels", "release"));
    assertNotNull(find(docs, "NetworkPolicy"));
    Map<String, Object> dashboard = docs.stream().filter(d -> "ConfigMap".equals(d.get("kind"))
        && at(d, "data", "tenant-gateway.json") != null).findFirst().orElseThrow();
    assertTrue(((String) at(dashboard, "data", "tenant-gateway.json")).contains("gateway_requests_total"));
    List<Map<String, Object>> env = at(deployment, "spec", "template", "spec", "containers", "0", "env");
    Map<String, Object> password = env.stream().filter(e -> "REDIS_PASSWORD".equals(e.get("name"))).findFirst().orElseThrow();
    assertEquals("redis-credentials", at(password, "valueFrom", "secretKeyRef", "name"));
    assertTrue(env.stream().anyMatch(e -> "REDIS_URL".equals(e.get("name"))));
    assertNull(find(docs, "Secret"), "an existing secret is referenced, not created");
    assertEquals(55, (Integer) at(deployment, "spec", "template", "spec", "terminationGracePeriodSeconds"));
  }

  @Test
  void moreThanOneReplicaWithoutRedisIsRefused() {
    Exception e = assertThrows(Exception.class, () -> render(t -> t.set("replicaCount", 2)));
    assertTrue(e.getMessage().contains("needs redis.url"), e.getMessage());
    Exception autoscaled = assertThrows(Exception.class, () -> render(t -> t.set("autoscaling.enabled", true)));
    assertTrue(autoscaled.getMessage().contains("needs redis.url"), autoscaled.getMessage());
  }

  @Test
  void badValuesFailAgainstTheSchema() {
    Exception e = assertThrows(Exception.class, () -> render(t -> t.set("replicaCount", 0)));
    assertTrue(e.getMessage().contains("replicaCount"), e.getMessage());
    Exception unknown = assertThrows(Exception.class, () -> render(t -> t.set("replicas", 3)));
    assertTrue(unknown.getMessage().toLowerCase().contains("additional"), unknown.getMessage());
  }
}
