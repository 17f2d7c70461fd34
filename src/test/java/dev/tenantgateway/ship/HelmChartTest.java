package dev.tenantgateway.ship;

import com.marcnuri.helm.Helm;
import com.marcnuri.helm.LintResult;
import com.marcnuri.helm.TemplateCommand;
import dev.tenantgateway.ship.NetworkPolicyFlows.Peer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.stream.Stream;

import static dev.tenantgateway.ship.ApiModels.at;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The Helm chart, linted and rendered with an embedded helm (no cluster, no helm install), every manifest checked
 * against the Kubernetes API models of each supported release and the CRD models of ServiceMonitor and HTTPRoute.
 */
class HelmChartTest {

  static final Path CHART = Path.of("helm/tenant-gateway");
  static final Path VALUES = Path.of("src/test/resources/helm");
  static final String NEWEST = "1.31.0";
  static final Map<String, ApiModels> MODELS = new LinkedHashMap<>();

  /** Adds values to a template command. */
  interface Values {
    TemplateCommand apply(TemplateCommand template);

    default Values andThen(Values next) {
      return t -> next.apply(apply(t));
    }
  }

  @BeforeAll
  static void loadModels() throws Exception {
    for (String release : ApiModels.SUPPORTED) {
      MODELS.put(release, new ApiModels(release));
    }
  }

  @AfterAll
  static void closeModels() throws Exception {
    for (ApiModels models : MODELS.values()) {
      models.close();
    }
  }

  static List<Map<String, Object>> render(Values customizer) {
    return render(NEWEST, customizer);
  }

  static List<Map<String, Object>> render(String kubeVersion, Values customizer) {
    var template = new Helm(CHART).template().withName("gw").withNamespace("edge").withKubeVersion(kubeVersion);
    return parse(customizer.apply(template).call());
  }

  @SuppressWarnings("unchecked")
  static List<Map<String, Object>> parse(String manifests) {
    List<Map<String, Object>> documents = new ArrayList<>();
    for (Object doc : new Yaml(new LoaderOptions()).loadAll(manifests)) {
      if (doc != null) {
        documents.add((Map<String, Object>) doc);
      }
    }
    return documents;
  }

  static Values file(String name) {
    return t -> t.withValuesFile(VALUES.resolve(name));
  }

  static Map<String, Object> find(List<Map<String, Object>> docs, String kind) {
    return docs.stream().filter(d -> kind.equals(d.get("kind"))).findFirst().orElse(null);
  }

  static Map<String, Object> named(List<Map<String, Object>> docs, String kind, String name) {
    return docs.stream().filter(d -> kind.equals(d.get("kind")) && name.equals(at(d, "metadata", "name")))
        .findFirst().orElse(null);
  }

  static Map<String, Object> pod(List<Map<String, Object>> docs) {
    return at(find(docs, "Deployment"), "spec", "template", "spec");
  }

  static Map<String, Object> gateway(List<Map<String, Object>> docs) {
    return at(pod(docs), "containers", "0");
  }

  static String env(List<Map<String, Object>> docs, String name) {
    List<Map<String, Object>> env = at(gateway(docs), "env");
    return env.stream().filter(e -> name.equals(e.get("name"))).map(e -> (String) e.get("value"))
        .filter(Objects::nonNull).findFirst().orElse(null);
  }

  static String refusal(Values values) {
    return refusal(NEWEST, values);
  }

  static String refusal(String kubeVersion, Values values) {
    return assertThrows(Exception.class, () -> render(kubeVersion, values)).getMessage();
  }

  // ---------------------------------------------------------------------------------------------------------------
  // Lint and API schemas

  @Test
  void theChartLintsClean() {
    LintResult result = new Helm(CHART).lint().strict().call();
    assertFalse(result.isFailed(), String.join("\n", result.getMessages()));
  }

  static Stream<Arguments> valuesAndReleases() {
    return Stream.of("default", "production-values.yaml", "scaled-values.yaml", "everything-values.yaml")
        .flatMap(values -> ApiModels.SUPPORTED.stream().map(release -> Arguments.of(values, release)));
  }

  @ParameterizedTest(name = "{0} on Kubernetes {1}")
  @MethodSource("valuesAndReleases")
  void everyManifestMatchesTheApiOfEachSupportedRelease(String values, String release) {
    List<Map<String, Object>> docs = render(release + ".0", values.equals("default") ? t -> t : file(values));
    assertTrue(docs.size() >= 5, "rendered " + docs.size());
    List<String> problems = new ArrayList<>();
    for (Map<String, Object> doc : docs) {
      problems.addAll(MODELS.get(release).problems(doc));
    }
    assertEquals(List.of(), problems);
  }

  @Test
  void theModelsRefuseWhatAClusterWouldRefuse() {
    Map<String, Object> deployment = find(render(t -> t), "Deployment");
    List<Map<String, Object>> containers = at(deployment, "spec", "template", "spec", "containers");
    containers.get(0).put("lifecycle", Map.of("preStop", Map.of("sleep", Map.of("seconds", 5))));
    assertTrue(MODELS.get("1.29").problems(deployment).get(0).contains("`sleep`"),
        "the sleep action is unknown to the 1.29 API: " + MODELS.get("1.29").problems(deployment));
    assertEquals(List.of(), MODELS.get("1.30").problems(deployment), "and known from 1.30 on");
    containers.get(0).put("livenessProbes", Map.of());
    assertTrue(MODELS.get("1.31").problems(deployment).get(0).contains("livenessProbes"));
    containers.get(0).remove("livenessProbes");
    ApiModels.<Map<String, Object>>at(deployment, "spec", "template", "spec").put("terminationGracePeriodSeconds", "forty");
    assertFalse(MODELS.get("1.31").problems(deployment).isEmpty(), "a string where a number belongs");

    Map<String, Object> monitor = find(render(t -> t.set("serviceMonitor.enabled", true)), "ServiceMonitor");
    List<Map<String, Object>> endpoints = at(monitor, "spec", "endpoints");
    endpoints.get(0).put("intervall", "30s");
    assertTrue(MODELS.get("1.31").problems(monitor).get(0).contains("intervall"), MODELS.get("1.31").problems(monitor).toString());
  }

  // ---------------------------------------------------------------------------------------------------------------
  // Defaults

  @Test
  void defaultValuesRenderOneSafeReplica() {
    List<Map<String, Object>> docs = render(t -> t);
    Map<String, Object> deployment = find(docs, "Deployment");
    assertEquals(1, (Integer) at(deployment, "spec", "replicas"));
    Map<String, Object> pod = pod(docs);
    Map<String, Object> container = gateway(docs);
    assertEquals("tenant-gateway:0.1.0", container.get("image"));
    assertEquals("/readyz", at(container, "readinessProbe", "httpGet", "path"));
    assertEquals("/healthz", at(container, "livenessProbe", "httpGet", "path"));
    assertEquals(Boolean.TRUE, at(pod, "securityContext", "runAsNonRoot"));
    assertEquals(Boolean.FALSE, at(container, "securityContext", "allowPrivilegeEscalation"));
    assertEquals(Boolean.TRUE, at(container, "securityContext", "readOnlyRootFilesystem"));
    assertEquals(List.of("ALL"), at(container, "securityContext", "capabilities", "drop"));
    assertTrue(((String) at(find(docs, "ConfigMap"), "data", "routes.yaml")).contains("issuers:"));
    assertEquals("standalone", env(docs, "REDIS_TYPE"));
    assertNull(env(docs, "REDIS_ENDPOINTS"), "no Redis configured");
    assertNotNull(find(docs, "PodDisruptionBudget"));
    for (String absent : List.of("HorizontalPodAutoscaler", "ServiceMonitor", "NetworkPolicy", "Secret", "Ingress", "HTTPRoute")) {
      assertNull(find(docs, absent), absent);
    }
    List<Map<String, Object>> spread = at(pod, "topologySpreadConstraints");
    assertEquals(List.of("topology.kubernetes.io/zone", "kubernetes.io/hostname"),
        spread.stream().map(c -> c.get("topologyKey")).toList(), "spread over zones and nodes by default");
    assertTrue(spread.stream().allMatch(c -> "ScheduleAnyway".equals(c.get("whenUnsatisfiable"))));
  }

  @Test
  void moreThanOneReplicaWithoutRedisIsRefused() {
    assertTrue(refusal(t -> t.set("replicaCount", 2)).contains("needs Redis"));
    assertTrue(refusal(t -> t.set("autoscaling.enabled", true)).contains("needs Redis"));
    assertTrue(refusal(t -> t.set("replicaCount", 2).set("redis.mode", "cluster").set("redis.url", "redis://r:6379"))
        .contains("redis.cluster.endpoints"), "the mode's own setting");
    assertTrue(refusal(t -> t.set("redis.mode", "sentinel").set("redis.sentinel.endpoints[0]", "redis://s:26379"))
        .contains("masterName"));
  }

  @Test
  void badValuesFailAgainstTheSchema() {
    assertTrue(refusal(t -> t.set("replicaCount", 0)).contains("replicaCount"));
    assertTrue(refusal(t -> t.set("replicas", 3)).toLowerCase().contains("additional"));
    assertTrue(refusal(t -> t.set("redis.mode", "sharded")).contains("mode"));
    assertTrue(refusal(t -> t.set("resources.limits.memory", "lots")).contains("memory"));
  }

  // ---------------------------------------------------------------------------------------------------------------
  // 1. The production NetworkPolicy lets each needed flow through, and nothing else

  @Test
  void theProductionNetworkPolicyAllowsEachFlowTheGatewayNeedsAndNoOther() {
    List<Map<String, Object>> docs = render(file("production-values.yaml"));
    var policy = new NetworkPolicyFlows(find(docs, "NetworkPolicy"), Map.of("http", 8080, "admin", 9901));
    Peer ingressController = Peer.pod("ingress", Map.of("app.kubernetes.io/name", "ingress-nginx"));
    Peer prometheus = Peer.pod("monitoring", Map.of("app.kubernetes.io/name", "prometheus"));
    Peer kubeDns = Peer.pod("kube-system", Map.of("k8s-app", "kube-dns"));
    Peer identityProvider = Peer.address("203.0.113.7");
    Peer redis = Peer.pod("redis", Map.of("app.kubernetes.io/name", "redis"));
    Peer upstream = Peer.pod("default", Map.of("app", "app"));

    assertTrue(policy.allowsIn(ingressController, 8080, "TCP"), "clients through the ingress controller");
    assertTrue(policy.allowsIn(prometheus, 9901, "TCP"), "Prometheus scrapes the admin port");
    assertTrue(policy.allowsOut(kubeDns, 53, "UDP"), "DNS");
    assertTrue(policy.allowsOut(kubeDns, 53, "TCP"), "DNS over TCP");
    assertTrue(policy.allowsOut(identityProvider, 443, "TCP"), "the identity provider's JWKS, outside the cluster");
    assertTrue(policy.allowsOut(redis, 6379, "TCP"), "Redis in its own namespace");
    assertTrue(policy.allowsOut(upstream, 8080, "TCP"), "the upstream");

    assertFalse(policy.allowsIn(ingressController, 9901, "TCP"), "the admin port is not for clients");
    assertFalse(policy.allowsIn(prometheus, 8080, "TCP"), "traffic only from the ingress controller");
    assertFalse(policy.allowsIn(Peer.pod("tenant-a", Map.of()), 8080, "TCP"), "other namespaces");
    assertFalse(policy.allowsIn(Peer.pod("monitoring", Map.of("app.kubernetes.io/name", "grafana")), 9901, "TCP"));
    assertFalse(policy.allowsOut(identityProvider, 6379, "TCP"), "only the IdP's port outside");
    assertFalse(policy.allowsOut(Peer.address("10.20.0.5"), 443, "TCP"), "cluster-internal ranges are excepted");
    assertFalse(policy.allowsOut(redis, 22, "TCP"));
    assertFalse(policy.allowsOut(Peer.pod("redis", Map.of("app.kubernetes.io/name", "redis-exporter")), 6379, "TCP"));
    assertFalse(policy.allowsOut(Peer.pod("default", Map.of("app", "payroll")), 8080, "TCP"), "only the upstreams listed");
    assertFalse(policy.allowsOut(Peer.pod("kube-system", Map.of("k8s-app", "metrics-server")), 53, "UDP"));
  }

  @Test
  void adminSourcesAndExtraEgressAreTheirOwnRules() {
    List<Map<String, Object>> docs = render(file("everything-values.yaml"));
    var policy = new NetworkPolicyFlows(find(docs, "NetworkPolicy"), Map.of("http", 8080, "admin", 9901));
    assertTrue(policy.allowsIn(Peer.pod("platform-ops", Map.of()), 9901, "TCP"), "adminFrom reaches the state API");
    assertTrue(policy.allowsIn(Peer.pod("platform-ops", Map.of()), 8080, "TCP"), "no trafficFrom: anyone may call");
    assertTrue(policy.allowsOut(Peer.address("192.0.2.10"), 4317, "TCP"), "extraEgress");
    assertTrue(policy.allowsOut(Peer.pod("redis", Map.of("any", "pod")), 26379, "TCP"), "Sentinel's port too");
    assertFalse(policy.allowsOut(Peer.address("192.0.2.11"), 4317, "TCP"));
  }

  // ---------------------------------------------------------------------------------------------------------------
  // 2. A subchart: the parent's global values pass the schema

  @Test
  void theChartWorksAsASubchartWithGlobalValues(@TempDir Path parent) throws Exception {
    Files.writeString(parent.resolve("Chart.yaml"), """
        apiVersion: v2
        name: platform
        version: 1.0.0
        dependencies:
          - name: tenant-gateway
            version: "*"
        """);
    Files.writeString(parent.resolve("values.yaml"), """
        global:
          imageRegistry: registry.internal
          storageClass: fast
        tenant-gateway:
          replicaCount: 1
        """);
    Path copy = parent.resolve("charts/tenant-gateway");
    try (Stream<Path> files = Files.walk(CHART)) {
      for (Path source : files.toList()) {
        Path target = copy.resolve(CHART.relativize(source).toString());
        if (Files.isDirectory(source)) {
          Files.createDirectories(target);
        } else {
          Files.copy(source, target);
        }
      }
    }
    String manifests = new Helm(parent).template().withName("platform").withNamespace("edge").withKubeVersion(NEWEST).call();
    Map<String, Object> deployment = find(parse(manifests), "Deployment");
    assertEquals("platform-tenant-gateway", at(deployment, "metadata", "name"));
    String typo = assertThrows(Exception.class, () -> new Helm(parent).template().withName("platform")
        .withKubeVersion(NEWEST).set("tenant-gateway.replicas", 2).call()).getMessage();
    assertTrue(typo.toLowerCase().contains("additional"), "still strict below global: " + typo);
  }

  // ---------------------------------------------------------------------------------------------------------------
  // 3. JVM memory in a container

  @Test
  void theJvmGetsAnExplicitCollectorHeapDirectMemoryAndProcessorsAndRequestsEqualLimits() {
    List<Map<String, Object>> docs = render(t -> t);
    String opts = env(docs, "JAVA_TOOL_OPTIONS");
    assertTrue(opts.contains("-XX:+UseG1GC"), "never the SerialGC a small cgroup would get: " + opts);
    assertTrue(opts.contains("-XX:MaxRAMPercentage=50"), opts);
    assertTrue(opts.contains("-XX:MaxDirectMemorySize=76m"), "15% of 512Mi: " + opts);
    assertTrue(opts.contains("-XX:ActiveProcessorCount=2"), opts);
    assertTrue(opts.contains("-XX:+ExitOnOutOfMemoryError"), opts);
    assertEquals("512Mi", at(gateway(docs), "resources", "requests", "memory"));
    assertEquals("512Mi", at(gateway(docs), "resources", "limits", "memory"));

    List<Map<String, Object>> scaled = render(file("scaled-values.yaml"));
    assertEquals("2Gi", at(gateway(scaled), "resources", "requests", "memory"), "the request follows the limit");
    assertEquals("2", at(gateway(scaled), "resources", "requests", "cpu"));
    assertTrue(env(scaled, "JAVA_TOOL_OPTIONS").contains("-XX:MaxDirectMemorySize=307m"), "15% of 2Gi");
    assertTrue(env(render(t -> t.set("jvm.gc", "Z")), "JAVA_TOOL_OPTIONS").contains("-XX:+UseZGC"));
  }

  // ---------------------------------------------------------------------------------------------------------------
  // 4. PodDisruptionBudget against replicas and the autoscaler's minimum

  @Test
  void theDisruptionBudgetNeverBlocksANodeDrain() {
    Map<String, Object> pdb = find(render(t -> t), "PodDisruptionBudget");
    assertEquals(1, (Integer) at(pdb, "spec", "maxUnavailable"), "maxUnavailable by default");
    assertNull(at(pdb, "spec", "minAvailable"));
    assertEquals(4, (Integer) at(find(render(file("scaled-values.yaml")), "PodDisruptionBudget"), "spec", "minAvailable"),
        "minAvailable below six replicas");

    String single = refusal(t -> t.set("podDisruptionBudget.maxUnavailable", "null").set("podDisruptionBudget.minAvailable", 1));
    assertTrue(single.contains("must be below the replica count (1"), single);
    String autoscaled = refusal(file("production-values.yaml").andThen(t -> t.set("podDisruptionBudget.maxUnavailable", "null")
        .set("podDisruptionBudget.minAvailable", 3)));
    assertTrue(autoscaled.contains("(3, the autoscaler's minimum"), autoscaled);
    assertTrue(refusal(t -> t.set("podDisruptionBudget.maxUnavailable", 0)).contains("blocks every node drain"));
    assertTrue(refusal(t -> t.set("podDisruptionBudget.minAvailable", 1)).contains("not both"));
    assertTrue(refusal(t -> t.set("podDisruptionBudget.maxUnavailable", "null").set("podDisruptionBudget.minAvailable", "100%"))
        .contains("blocks every node drain"));
  }

  // ---------------------------------------------------------------------------------------------------------------
  // 5. Drain: flags, grace period, preStop per Kubernetes release, probe timings

  @Test
  void theDrainSettingsLiveInOnePlaceAndMakeTheGracePeriod() {
    List<Map<String, Object>> docs = render(t -> t);
    List<String> args = at(gateway(docs), "args");
    assertEquals(List.of("--config", "/etc/tenant-gateway/routes.yaml", "--drain-delay", "10s", "--shutdown-grace", "30s"), args);
    assertEquals(10 + 30 + 5, (Integer) at(pod(docs), "terminationGracePeriodSeconds"));
    assertNull(at(gateway(docs), "lifecycle"), "no preStop: the gateway drains by itself");

    List<Map<String, Object>> production = render(file("production-values.yaml"));
    assertTrue(((List<?>) at(gateway(production), "args")).contains("45s"));
    assertEquals(10 + 45 + 5, (Integer) at(pod(production), "terminationGracePeriodSeconds"));
  }

  @Test
  void anOptionalPreStopPauseIsVersionSafeAndCounted() {
    Values pause = t -> t.set("drain.preStopSleepSeconds", 5);
    for (String release : List.of("1.30.0", "1.31.0")) {
      List<Map<String, Object>> docs = render(release, pause);
      assertEquals(5, (Integer) at(gateway(docs), "lifecycle", "preStop", "sleep", "seconds"), release);
      assertEquals(5 + 10 + 30 + 5, (Integer) at(pod(docs), "terminationGracePeriodSeconds"));
    }
    List<Map<String, Object>> old = render("1.29.0", pause);
    assertNull(at(gateway(old), "lifecycle", "preStop", "sleep"), "1.29 drops the sleep action");
    assertEquals(List.of("sleep", "5"), at(gateway(old), "lifecycle", "preStop", "exec", "command"));
    String noShell = refusal("1.29.0", pause.andThen(t -> t.set("drain.preStopExec", false)));
    assertTrue(noShell.contains("needs Kubernetes 1.30"), noShell);
  }

  @Test
  void readinessNoticesTheDrainBeforeTheDelayEndsAndLivenessNeverCutsItShort() {
    for (Values values : List.of((Values) t -> t, file("production-values.yaml"), file("everything-values.yaml"))) {
      List<Map<String, Object>> docs = render(values);
      Map<String, Object> container = gateway(docs);
      int notice = (Integer) at(container, "readinessProbe", "periodSeconds")
          * (Integer) at(container, "readinessProbe", "failureThreshold");
      List<String> args = at(container, "args");
      int delay = Integer.parseInt(args.get(args.indexOf("--drain-delay") + 1).replace("s", ""));
      int grace = Integer.parseInt(args.get(args.indexOf("--shutdown-grace") + 1).replace("s", ""));
      assertTrue(notice <= delay, "readiness notices within the drain delay: " + notice + " > " + delay);
      assertTrue((Integer) at(pod(docs), "terminationGracePeriodSeconds") > delay + grace,
          "Kubernetes waits longer than the gateway drains");
      assertEquals("/healthz", at(container, "livenessProbe", "httpGet", "path"), "liveness stays 200 while draining");
    }
    assertEquals(3, (Integer) at(gateway(render(file("everything-values.yaml"))), "readinessProbe", "periodSeconds"),
        "probe overrides");
    String slow = refusal(t -> t.set("readinessProbe.periodSeconds", 10).set("readinessProbe.failureThreshold", 3));
    assertTrue(slow.contains("exceeds drain.delaySeconds"), slow);
  }

  // ---------------------------------------------------------------------------------------------------------------
  // 6. The admin port: its own ClusterIP Service

  @Test
  void theAdminPortHasItsOwnClusterIpServiceEvenBehindALoadBalancer() {
    List<Map<String, Object>> docs = render(file("scaled-values.yaml"));
    Map<String, Object> traffic = named(docs, "Service", "gw-tenant-gateway");
    Map<String, Object> admin = named(docs, "Service", "gw-tenant-gateway-admin");
    assertEquals("LoadBalancer", at(traffic, "spec", "type"));
    assertEquals(List.of("http"), ((List<Map<String, Object>>) at(traffic, "spec", "ports")).stream()
        .map(p -> p.get("targetPort")).toList(), "the traffic Service carries no admin port");
    assertEquals(List.of("203.0.113.0/24"), at(traffic, "spec", "loadBalancerSourceRanges"));
    assertEquals("nlb", at(traffic, "metadata", "annotations", "service.beta.kubernetes.io/aws-load-balancer-type"));
    assertEquals("ClusterIP", at(admin, "spec", "type"));
    assertEquals("admin", at(admin, "spec", "ports", "0", "targetPort"));

    Map<String, Object> monitor = find(render(file("production-values.yaml")), "ServiceMonitor");
    assertEquals("admin", at(monitor, "spec", "selector", "matchLabels", "app.kubernetes.io/component"),
        "the ServiceMonitor selects the admin Service only");
    assertEquals("admin", at(admin, "metadata", "labels", "app.kubernetes.io/component"));
    assertEquals("traffic", at(traffic, "metadata", "labels", "app.kubernetes.io/component"));
  }

  // ---------------------------------------------------------------------------------------------------------------
  // 8. Config rollout: hot reload by default; the Redis Secret rolls the pods

  @Test
  void routesReloadInPlaceByDefaultAndRollOnlyWhenAskedTo() {
    Map<String, Object> annotations = at(find(render(t -> t), "Deployment"), "spec", "template", "metadata", "annotations");
    assertFalse(annotations.containsKey("checksum/routes"), "reload: the gateway picks the mounted file up itself");

    Values restart = t -> t.set("configRollout", "restart");
    String before = at(find(render(restart), "Deployment"), "spec", "template", "metadata", "annotations", "checksum/routes");
    String after = at(find(render(restart.andThen(t -> t.set("routes", "routes: []"))), "Deployment"),
        "spec", "template", "metadata", "annotations", "checksum/routes");
    assertNotNull(before);
    assertNotEquals(before, after);

    String existing = refusal(restart.andThen(t -> t.set("existingConfigMap", "my-routes")));
    assertTrue(existing.contains("cannot see the content of existingConfigMap"), existing);
    List<Map<String, Object>> managed = render(t -> t.set("existingConfigMap", "my-routes"));
    assertNull(find(managed, "ConfigMap"));
    assertEquals("my-routes", at(pod(managed), "volumes", "0", "configMap", "name"));
  }

  @Test
  void aRedisPasswordChangeRollsThePods() {
    Values standalone = t -> t.set("redis.url", "redis://redis.redis.svc:6379").set("redis.password", "first");
    List<Map<String, Object>> first = render(standalone);
    List<Map<String, Object>> second = render(standalone.andThen(t -> t.set("redis.password", "second")));
    String before = at(find(first, "Deployment"), "spec", "template", "metadata", "annotations", "checksum/redis-secret");
    String after = at(find(second, "Deployment"), "spec", "template", "metadata", "annotations", "checksum/redis-secret");
    assertNotNull(before);
    assertNotEquals(before, after);
    assertNotNull(find(first, "Secret"));
    assertNull(at(find(second, "Deployment"), "spec", "template", "metadata", "annotations", "checksum/routes"),
        "the password rolls the pods, routes reload in place");
  }

  // ---------------------------------------------------------------------------------------------------------------
  // Redis topologies: what routes.yaml reads from the environment

  @Test
  void eachRedisTopologyExportsItsEnvironment() {
    List<Map<String, Object>> sentinel = render(file("scaled-values.yaml"));
    assertEquals("sentinel", env(sentinel, "REDIS_TYPE"));
    assertEquals("redis://sentinel-0.redis.svc:26379,redis://sentinel-1.redis.svc:26379,redis://sentinel-2.redis.svc:26379",
        env(sentinel, "REDIS_ENDPOINTS"));
    assertEquals("mymaster", env(sentinel, "REDIS_MASTER_NAME"));
    assertNull(env(sentinel, "REDIS_URL"));
    List<Map<String, Object>> envs = at(gateway(sentinel), "env");
    assertEquals("gw-tenant-gateway-redis", envs.stream().filter(e -> "REDIS_PASSWORD".equals(e.get("name"))).findFirst()
        .map(e -> (String) at(e, "valueFrom", "secretKeyRef", "name")).orElseThrow());

    List<Map<String, Object>> cluster = render(file("everything-values.yaml"));
    assertEquals("cluster", env(cluster, "REDIS_TYPE"));
    assertEquals("redis://redis-cluster-0.redis.svc:6379,redis://redis-cluster-1.redis.svc:6379", env(cluster, "REDIS_ENDPOINTS"));
    assertNull(find(cluster, "Secret"), "an existing secret is referenced, not created");

    List<Map<String, Object>> standalone = render(file("production-values.yaml"));
    assertEquals("standalone", env(standalone, "REDIS_TYPE"));
    assertEquals("redis://redis-master.redis.svc:6379", env(standalone, "REDIS_URL"));
    assertEquals("redis://redis-master.redis.svc:6379", env(standalone, "REDIS_ENDPOINTS"));
  }

  // ---------------------------------------------------------------------------------------------------------------
  // 9. Scrape annotations

  @Test
  void scrapeAnnotationsNameTheContainerPortAndNeverDoubleTheServiceMonitor() {
    List<Map<String, Object>> docs = render(t -> t.set("adminService.port", 19901));
    Map<String, Object> annotations = at(find(docs, "Deployment"), "spec", "template", "metadata", "annotations");
    assertEquals("9901", annotations.get("prometheus.io/port"), "the container's port, not the Service's");
    assertEquals(9901, (Integer) at(gateway(docs), "ports", "1", "containerPort"));
    Map<String, Object> off = at(find(render(t -> t.set("scrapeAnnotations.enabled", false)), "Deployment"),
        "spec", "template", "metadata", "annotations");
    assertTrue(off == null || !off.containsKey("prometheus.io/scrape"), "they can be turned off");
    Map<String, Object> withMonitor = at(find(render(file("everything-values.yaml")), "Deployment"),
        "spec", "template", "metadata", "annotations");
    assertTrue(withMonitor == null || !withMonitor.containsKey("prometheus.io/scrape"), "the ServiceMonitor scrapes; annotations would scrape again");
    assertTrue(refusal(t -> t.set("serviceMonitor.interval", "30 seconds")).contains("interval"));
    assertEquals("15s", at(find(render(file("everything-values.yaml")), "ServiceMonitor"), "spec", "endpoints", "0", "interval"));
  }

  // ---------------------------------------------------------------------------------------------------------------
  // 10. What well-kept gateway charts offer

  @Test
  void everyOptionalFeatureRendersWhereItBelongs() {
    List<Map<String, Object>> docs = render(file("everything-values.yaml"));
    Map<String, Object> pod = pod(docs);
    Map<String, Object> container = gateway(docs);
    assertEquals("platform-critical", pod.get("priorityClassName"));
    assertEquals(20001, (Integer) at(pod, "securityContext", "runAsUser"), "security context override");
    assertEquals("wait-for-redis", at(pod, "initContainers", "0", "name"));
    assertEquals("log-shipper", at(pod, "containers", "1", "name"));
    assertEquals("ca-bundle", at(pod, "volumes", "2", "name"));
    assertEquals("/etc/ssl/corporate", at(container, "volumeMounts", "2", "mountPath"));
    assertEquals("gateway-env", at(container, "envFrom", "0", "configMapRef", "name"));
    assertEquals("UTC", env(docs, "TZ"));
    assertEquals("DoNotSchedule", at(pod, "topologySpreadConstraints", "0", "whenUnsatisfiable"), "own spread replaces the default");
    assertEquals(1, ((List<?>) at(pod, "topologySpreadConstraints")).size());
    assertEquals("arn:aws:iam::123456789012:role/tenant-gateway",
        at(find(docs, "ServiceAccount"), "metadata", "annotations", "eks.amazonaws.com/role-arn"));
    Map<String, Object> ingress = find(docs, "Ingress");
    assertEquals("nginx", at(ingress, "spec", "ingressClassName"));
    assertEquals("api-example-com-tls", at(ingress, "spec", "tls", "0", "secretName"));
    assertEquals("gw-tenant-gateway", at(ingress, "spec", "rules", "0", "http", "paths", "0", "backend", "service", "name"));
    Map<String, Object> route = find(docs, "HTTPRoute");
    assertEquals("public", at(route, "spec", "parentRefs", "0", "name"));
    assertEquals("gw-tenant-gateway", at(route, "spec", "rules", "0", "backendRefs", "0", "name"));
    assertEquals(300, (Integer) at(find(render(file("production-values.yaml")), "HorizontalPodAutoscaler"),
        "spec", "behavior", "scaleDown", "stabilizationWindowSeconds"));
    String chart = Files.exists(CHART.resolve("Chart.yaml")) ? read(CHART.resolve("Chart.yaml")) : "";
    assertTrue(chart.contains("kubeVersion: \">=1.29.0-0\""), "kubeVersion");
    assertTrue(Files.exists(CHART.resolve(".helmignore")));
  }

  // ---------------------------------------------------------------------------------------------------------------
  // TLS secret values for the listener (item 10): mounted, named in routes.yaml, probes unchanged

  static final String TLS_DIR = "/etc/tenant-gateway-tls";

  static Map<String, Object> volume(List<Map<String, Object>> docs, String name) {
    List<Map<String, Object>> volumes = at(pod(docs), "volumes");
    return volumes.stream().filter(v -> name.equals(v.get("name"))).findFirst().orElse(null);
  }

  static Map<String, Object> mount(List<Map<String, Object>> docs, String name) {
    List<Map<String, Object>> mounts = at(gateway(docs), "volumeMounts");
    return mounts.stream().filter(v -> name.equals(v.get("name"))).findFirst().orElse(null);
  }

  static String routesYaml(List<Map<String, Object>> docs) {
    return at(find(docs, "ConfigMap"), "data", "routes.yaml");
  }

  /** The probes ask the admin port in plain HTTP, with and without TLS on the traffic port. */
  static void probesAskTheAdminPortInPlainHttp(List<Map<String, Object>> docs) {
    for (String probe : List.of("readinessProbe", "livenessProbe", "startupProbe")) {
      assertEquals("admin", at(gateway(docs), probe, "httpGet", "port"), probe);
      Object scheme = at(gateway(docs), probe, "httpGet", "scheme");
      assertTrue(scheme == null || "HTTP".equals(scheme), probe + " scheme " + scheme);
    }
  }

  @Test
  void withoutATlsSecretTheListenerStaysPlainAndNothingIsMounted() {
    List<Map<String, Object>> docs = render(t -> t);
    assertNull(volume(docs, "tls"));
    assertNull(mount(docs, "tls"));
    assertFalse(routesYaml(docs).contains("listener:"), routesYaml(docs));
    assertNull(at(named(docs, "Service", "gw-tenant-gateway"), "spec", "ports", "0", "appProtocol"));
    probesAskTheAdminPortInPlainHttp(docs);
  }

  @Test
  @SuppressWarnings("unchecked")
  void aTlsSecretIsMountedAndRoutesYamlServesIt(@TempDir Path dir) throws Exception {
    List<Map<String, Object>> docs = render(t -> t.set("tls.secretName", "gateway-tls")
        .set("tls.certKey", "cert.pem").set("tls.keyKey", "key.pem"));
    Map<String, Object> secret = at(volume(docs, "tls"), "secret");
    assertEquals("gateway-tls", secret.get("secretName"));
    assertEquals(0440, secret.get("defaultMode"));
    assertEquals(List.of(Map.of("key", "cert.pem", "path", "tls.crt"), Map.of("key", "key.pem", "path", "tls.key")),
        secret.get("items"));
    Map<String, Object> mount = mount(docs, "tls");
    assertEquals(TLS_DIR, mount.get("mountPath"));
    assertEquals(Boolean.TRUE, mount.get("readOnly"));
    assertNull(mount.get("subPath"), "a subPath mount would never see a renewed Secret");
    // the rendered routes.yaml names the mounted files, as the gateway reads it: listener.tls with those paths
    String routes = routesYaml(docs);
    Map<String, Object> parsed = new Yaml(new LoaderOptions()).load(routes);
    assertEquals(TLS_DIR + "/tls.crt", at(parsed, "listener", "tls", "cert_file"));
    assertEquals(TLS_DIR + "/tls.key", at(parsed, "listener", "tls", "key_file"));
    assertTrue(((Map<String, Object>) parsed.get("upstreams")).containsKey("app"), "the routes value follows");
    var refused = assertThrows(dev.tenantgateway.config.ConfigException.class,
        () -> dev.tenantgateway.compile.ConfigLoader.parse(routes, "routes.yaml", dir, Map.<String, String>of()::get));
    assertTrue(refused.errors().stream().map(Object::toString).anyMatch(e -> e.contains("listener.tls.cert_file: cannot read "
        + TLS_DIR + "/tls.crt")), "the gateway reads it as listener.tls (the files exist only in the pod): "
        + refused.errors());
    assertEquals("https", at(named(docs, "Service", "gw-tenant-gateway"), "spec", "ports", "0", "appProtocol"));
    probesAskTheAdminPortInPlainHttp(docs);
    for (ApiModels models : MODELS.values()) {
      for (Map<String, Object> doc : docs) {
        assertEquals(List.of(), models.problems(doc), models.release() + " " + doc.get("kind"));
      }
    }
  }

  @Test
  void aListenerSectionOfTheRoutesMustNameTheMountedFiles(@TempDir Path dir) throws Exception {
    Values secret = t -> t.set("tls.secretName", "gateway-tls");
    Path withoutTls = dir.resolve("without-tls.yaml");
    Files.writeString(withoutTls, "routes: |\n  listener: { realm: api }\n  upstreams:\n    app: { url: \"http://app:8080\" }\n");
    String refusal = refusal(secret.andThen(t -> t.withValuesFile(withoutTls)));
    assertTrue(refusal.contains("add  tls: { cert_file: " + TLS_DIR + "/tls.crt, key_file: " + TLS_DIR + "/tls.key }"
        + "  under listener"), refusal);
    Path elsewhere = dir.resolve("elsewhere.yaml");
    Files.writeString(elsewhere, "routes: |\n  listener:\n    tls: { cert_file: /certs/a.crt, key_file: /certs/a.key }\n");
    assertTrue(refusal(secret.andThen(t -> t.withValuesFile(elsewhere))).contains("names other files"));
    Path named = dir.resolve("named.yaml");
    Files.writeString(named, "routes: |\n  listener:\n    realm: api\n    tls: { cert_file: " + TLS_DIR
        + "/tls.crt, key_file: " + TLS_DIR + "/tls.key }\n    http2: { enabled: true }\n");
    String routes = routesYaml(render(secret.andThen(t -> t.withValuesFile(named))));
    assertEquals(1, routes.split("listener:", -1).length - 1, "the chart adds no second listener: " + routes);
    assertTrue(routes.contains("http2: { enabled: true }"), routes);
    // existingConfigMap: the chart cannot see the file; it mounts the Secret, and the chart README says what to write
    List<Map<String, Object>> existing = render(secret.andThen(t -> t.set("existingConfigMap", "my-routes")));
    assertNull(find(existing, "ConfigMap"));
    assertEquals(TLS_DIR, mount(existing, "tls").get("mountPath"));
    assertTrue(read(CHART.resolve("README.md")).contains("tls: { cert_file: " + TLS_DIR + "/tls.crt, key_file: "
        + TLS_DIR + "/tls.key }"));
  }

  @Test
  void theNotesSayTheTrafficPortSpeaksHttps() {
    String notes = new Helm(CHART).install().withName("gw").withKubeVersion(NEWEST).dryRun().clientOnly()
        .set("tls.secretName", "gateway-tls").call().getOutput();
    assertTrue(notes.contains("https://localhost:8080"), notes);
    assertTrue(notes.contains("Secret gateway-tls"), notes);
  }

  @Test
  void theChartReadmeDocumentsEveryTopLevelValue() {
    String readme = read(CHART.resolve("README.md"));
    Map<String, Object> values = new Yaml(new LoaderOptions()).load(read(CHART.resolve("values.yaml")));
    for (String key : values.keySet()) {
      assertTrue(readme.contains("`" + key), "README.md documents " + key);
    }
    assertTrue(readme.contains("/readyz"), "what readiness means");
  }

  /** The Redis settings production needs (docs/state.md) are in the chart's guidance: README, values and notes. */
  @Test
  void theChartSaysWhatTheRedisItselfNeeds() {
    String readme = read(CHART.resolve("README.md"));
    String redisSection = readme.substring(readme.indexOf("## Redis"), readme.indexOf("## NetworkPolicy"));
    String state = read(Path.of("docs/state.md"));
    for (String setting : List.of("appendonly yes", "min-replicas-to-write 1", "maxmemory-policy noeviction",
        "wait_replicas")) {
      assertTrue(redisSection.contains(setting), "the chart README's Redis section names " + setting);
      assertTrue(state.contains(setting), "docs/state.md names " + setting);
    }
    assertTrue(read(CHART.resolve("values.yaml")).contains("appendonly yes"), "values.yaml, next to redis");
    String withRedis = new Helm(CHART).install().withName("gw").withKubeVersion(NEWEST).dryRun().clientOnly()
        .set("redis.url", "redis://redis:6379").call().getOutput();
    assertTrue(withRedis.contains("appendonly yes") && withRedis.contains("min-replicas-to-write 1"), withRedis);
    String inMemory = new Helm(CHART).install().withName("gw").withKubeVersion(NEWEST).dryRun().clientOnly()
        .call().getOutput();
    assertFalse(inMemory.contains("appendonly"), "no Redis advice without Redis: " + inMemory);
  }

  @Test
  void theNotesWarnAboutOneReplicaAndMissingEgressAndNeverPrintCredentials() {
    String single = new Helm(CHART).install().withName("gw").withKubeVersion(NEWEST).dryRun().clientOnly()
        .set("redis.url", "redis://redis:6379").set("redis.password", "hunter2-redis").set("networkPolicy.enabled", true)
        .call().getOutput();
    assertTrue(single.contains("WARNING: one replica"), single);
    assertTrue(single.contains("identityProvider.cidrs is empty"), single);
    assertTrue(single.contains("networkPolicy.redis selects nothing"), single);
    assertFalse(single.contains("hunter2-redis"), "the password never appears in the notes");
    String production = new Helm(CHART).install().withName("gw").withKubeVersion(NEWEST).dryRun().clientOnly()
        .withValuesFile(VALUES.resolve("production-values.yaml")).call().getOutput();
    assertFalse(production.contains("WARNING"), production);
  }

  static String read(Path path) {
    try {
      return Files.readString(path);
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }
}
