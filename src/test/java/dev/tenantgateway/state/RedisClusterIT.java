package dev.tenantgateway.state;

import dev.tenantgateway.Main;
import dev.tenantgateway.state.RedisProcesses.Node;
import dev.tenantgateway.support.GatewayFixture;
import dev.tenantgateway.support.RecordingUpstream;
import dev.tenantgateway.support.TestIssuer;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.junit5.VertxExtension;
import io.vertx.redis.client.Command;
import io.vertx.redis.client.Request;
import io.vertx.redis.client.Response;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.extension.ExtendWith;
import picocli.CommandLine;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

import static io.vertx.core.http.HttpMethod.GET;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Two gateways on a real six-node Redis Cluster (three masters, three replicas; cluster-node-timeout 1 s) under steady
 * loopback load: a dead replica costs nothing, a dead master costs at most the cluster's failover time, there is
 * exactly one pub/sub subscription per gateway however often nodes restart, and the admin command works against the
 * cluster with only the state section of routes.yaml.
 */
@Tag("redis-topologies")
@ExtendWith(VertxExtension.class)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class RedisClusterIT {

  static final long NODE_TIMEOUT_MILLIS = 1000;
  /**
   * The failover bound docs/state.md gives for Cluster: cluster-node-timeout, then the replica's election (its
   * delay of 500 ms plus up to 500 ms at random, and the vote), then at most a second until the gateway re-reads the
   * slot table (it does so at once after a failed command; the periodic read is the backstop).
   */
  static final long FAILOVER_BOUND_MILLIS = NODE_TIMEOUT_MILLIS + 3000;

  static final String ROUTES = """
      listener: { host: 127.0.0.1, port: 0 }
      issuers:
        - { id: idp, issuer: "https://idp.test/", jwks_uri: "${JWKS}", audiences: [gateway], claims: { tenant: org_code, roles: roles } }
        - { id: bare, issuer: "https://bare.test/", jwks_uri: "${JWKS}", claims: { memberships: { store: true } } }
      roles:
        viewer: [projects:read]
      state:
        redis: { type: "${REDIS_TYPE}", endpoints: "${REDIS_ENDPOINTS}", timeout: 1s, key_prefix: "test:" }
        rate_limits: { replicas: 2 }
      upstreams:
        app: { url: "${UPSTREAM}" }
      routes:
        - { id: list, methods: [GET], path: /projects, upstream: app, require: projects:read }
      """;

  static Vertx vertx;
  static RedisProcesses redis;
  static List<Node> cluster;
  static TestIssuer idp;
  static RecordingUpstream upstream;
  static GatewayFixture a;
  static GatewayFixture b;
  static List<String> tokens = new ArrayList<>();

  @BeforeAll
  static void start(Vertx v) throws Exception {
    vertx = v;
    redis = new RedisProcesses(vertx);
    cluster = redis.cluster(3, NODE_TIMEOUT_MILLIS);
    idp = new TestIssuer("https://idp.test/").start(vertx);
    upstream = new RecordingUpstream().start(vertx);
    a = GatewayFixture.start(vertx, ROUTES, env());
    b = GatewayFixture.start(vertx, ROUTES, env());
    for (int i = 0; i < 400; i++) {
      tokens.add(idp.mint(idp.claims("user" + (i % 7)).put("org_code", "org" + (i % 5))
          .put("roles", new JsonArray().add("viewer")).put("jti", UUID.randomUUID().toString())));
    }
  }

  static Map<String, String> env() {
    // as the chart gives them: the type and one comma-separated string of endpoints
    return Map.of("JWKS", idp.jwksUri(), "UPSTREAM", upstream.url(), "REDIS_TYPE", "cluster",
        "REDIS_ENDPOINTS", cluster.stream().limit(3).map(Node::url).collect(Collectors.joining(",")));
  }

  @AfterAll
  static void stop() throws Exception {
    if (a != null) {
      a.close();
    }
    if (b != null) {
      b.close();
    }
    redis.close();
  }

  /** The node currently serving as master of the slot range starting at {@code firstSlot}, asked of a live node. */
  static Node masterOf(int firstSlot) throws Exception {
    for (Node node : cluster) {
      if (node.alive()) {
        for (Response range : node.call(Request.cmd(Command.CLUSTER).arg("SLOTS"))) {
          if (range.get(0).toInteger() == firstSlot) {
            int port = range.get(2).get(1).toInteger();
            return cluster.stream().filter(n -> n.port == port).findFirst().orElseThrow();
          }
        }
      }
    }
    throw new AssertionError("no live node");
  }

  static Node replicaOf(Node master) throws Exception {
    for (Node node : cluster) {
      if (node.alive() && node != master && "slave".equals(node.info("replication", "role"))
          && Integer.toString(master.port).equals(node.info("replication", "master_port"))) {
        return node;
      }
    }
    throw new AssertionError("no replica of " + master.port);
  }

  @Test
  @Order(0)
  void keysGoToTheSlotsTheClusterComputes() throws Exception {
    for (int i = 0; i < 200; i++) {
      String key = "test:rev:jti:" + UUID.randomUUID() + (i % 10 == 0 ? "{tag" + i + "}" : "");
      assertEquals(cluster.get(0).call(Request.cmd(Command.CLUSTER).arg("KEYSLOT").arg(key)).toInteger(),
          ClusterRouting.slot(key), key);
    }
  }

  @Test
  @Order(1)
  void losingAReplicaCostsNothing() throws Exception {
    Node replica = replicaOf(masterOf(0));
    SteadyLoad load = new SteadyLoad(vertx, List.of(a, b), "/projects", tokens, 10);
    try {
      vertx.timer(1000).await(5, TimeUnit.SECONDS);
      replica.kill();
      // past cluster-node-timeout: the cluster marks it failed and drops it from CLUSTER SLOTS
      vertx.timer(NODE_TIMEOUT_MILLIS * 3).await(10, TimeUnit.SECONDS);
      assertEquals(200, ready(a), "ready while a replica is down");
      assertEquals(200, ready(b));
    } finally {
      List<SteadyLoad.Answer> answers = load.stop();
      replica.start();
      redis.awaitHealthy(cluster, 3);
      assertEquals(List.of(), SteadyLoad.failures(answers), "no request failed while a replica was down");
      assertTrue(answers.size() > 20, "load ran: " + answers.size());
    }
  }

  @Test
  @Order(2)
  void losingAMasterCostsAtMostTheFailoverTime() throws Exception {
    Node master = masterOf(0);
    Node replica = replicaOf(master);
    SteadyLoad load = new SteadyLoad(vertx, List.of(a, b), "/projects", tokens, 10);
    vertx.timer(1000).await(5, TimeUnit.SECONDS);
    long killedAt = load.millis();
    master.kill();
    List<SteadyLoad.Answer> answers;
    try {
      answers = load.untilRecovered(redis, killedAt);
    } finally {
      load.stop();
      master.start(); // comes back as a replica of the promoted node
      redis.awaitHealthy(cluster, 3);
    }
    long outage = SteadyLoad.outageMillis(answers, killedAt);
    List<SteadyLoad.Answer> failed = SteadyLoad.failures(answers);
    System.out.println("cluster master loss: " + failed.size() + " of " + answers.size() + " requests failed over "
        + outage + " ms");
    assertTrue(failed.stream().allMatch(x -> x.status() == 503 && "state_unavailable".equals(x.code())),
        "failures are 503 state_unavailable: " + failed.stream().limit(5).toList());
    assertTrue(failed.stream().allMatch(x -> x.answeredAtMillis() >= killedAt), "nothing failed before the kill");
    assertTrue(outage <= FAILOVER_BOUND_MILLIS, "outage " + outage + " ms within " + FAILOVER_BOUND_MILLIS + " ms");
    assertEquals(replica.port, masterOf(0).port, "the replica was promoted");
  }

  @Test
  @Order(3)
  void exactlyOneSubscriptionPerGatewayAfterRepeatedNodeRestarts() throws Exception {
    String channel = "test:mem:changes";
    assertEquals(2, subscriptions(channel), "one subscription per gateway at the start");
    for (int round = 0; round < 3; round++) {
      // restart whichever nodes hold the subscriptions
      for (Node node : cluster) {
        if (node.alive() && numsub(node, channel) > 0) {
          node.kill();
          node.start();
        }
      }
      redis.awaitHealthy(cluster, 3);
      redis.awaitTrue(10_000, () -> subscriptions(channel) == 2, "both gateways subscribed again");
    }
    vertx.timer(1500).await(5, TimeUnit.SECONDS);
    assertEquals(2, subscriptions(channel), "still exactly one per gateway: none leaked, none duplicated");

    // and the subscriptions work: a membership change reaches both gateways' caches
    String dave = idp.mint(idp.claims("dave").put("iss", "https://bare.test/").put("jti", UUID.randomUUID().toString()));
    assertEquals(403, a.send(GET, "/projects", dave, "X-Active-Tenant", "acme").status());
    assertEquals(403, b.send(GET, "/projects", dave, "X-Active-Tenant", "acme").status());
    assertEquals(0, admin("membership", "set", "--user", "dave", "--tenant", "acme", "--roles", "viewer"));
    redis.awaitTrue(1000, () -> a.send(GET, "/projects", dave, "X-Active-Tenant", "acme").status() == 200
        && b.send(GET, "/projects", dave, "X-Active-Tenant", "acme").status() == 200, "both gateways see it");
    assertEquals(0, admin("membership", "remove", "--user", "dave", "--tenant", "acme"));
    redis.awaitTrue(1000, () -> a.send(GET, "/projects", dave, "X-Active-Tenant", "acme").status() == 403
        && b.send(GET, "/projects", dave, "X-Active-Tenant", "acme").status() == 403, "removal reaches both");
  }

  @Test
  @Order(4)
  void theAdminCommandReadsOnlyTheStateSectionAndWorksAgainstTheCluster() throws Exception {
    Path routes = Files.createTempFile("routes", ".yaml");
    Files.writeString(routes, """
        issuers:
          - { id: idp, issuer: "https://idp.test/", jwks_uri: "${AN_UNSET_VARIABLE_OF_ANOTHER_SECTION}" }
        upstreams:
          app: { url: "${ANOTHER_UNSET_VARIABLE}" }
        state:
          redis:
            type: cluster
            endpoints: [%s]
            key_prefix: "test:"
        """.formatted(cluster.get(1).url()));
    String jti = UUID.randomUUID().toString();
    String token = idp.mint(idp.claims("sarah").put("org_code", "acme").put("roles", new JsonArray().add("viewer"))
        .put("jti", jti));
    assertEquals(200, a.send(GET, "/projects", token).status());
    assertEquals(0, new CommandLine(new Main()).execute("admin", "revoke", "-c", routes.toString(), "--jti", jti,
        "--exp", Long.toString(System.currentTimeMillis() / 1000 + 600)), "no MOVED, no unset variables");
    redis.awaitTrue(1000, () -> a.send(GET, "/projects", token).status() == 401
        && b.send(GET, "/projects", token).status() == 401, "both gateways refuse the revoked token");
  }

  static int admin(String... args) {
    List<String> full = new ArrayList<>(List.of("admin"));
    full.addAll(List.of(args));
    full.addAll(List.of("--redis", cluster.get(0).url() + "," + cluster.get(1).url(), "--redis-type", "cluster",
        "--key-prefix", "test:"));
    return new CommandLine(new Main()).execute(full.toArray(new String[0]));
  }

  static long numsub(Node node, String channel) throws Exception {
    return node.call(Request.cmd(Command.PUBSUB).arg("NUMSUB").arg(channel)).get(1).toLong();
  }

  /** Subscriptions to the channel over every live node (PUBSUB NUMSUB is per node in a cluster). */
  static long subscriptions(String channel) throws Exception {
    long total = 0;
    for (Node node : cluster) {
      if (node.alive()) {
        total += numsub(node, channel);
      }
    }
    return total;
  }

  static int ready(GatewayFixture gateway) throws Exception {
    var probe = vertx.createHttpClient();
    try {
      return probe.request(GET, gateway.server().adminPort(), "127.0.0.1", "/readyz")
          .compose(req -> req.send().compose(resp -> resp.body().map(x -> resp.statusCode())))
          .await(5, TimeUnit.SECONDS);
    } finally {
      probe.close();
    }
  }
}
