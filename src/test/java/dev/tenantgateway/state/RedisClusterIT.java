package dev.tenantgateway.state;

import dev.tenantgateway.Main;
import dev.tenantgateway.state.RedisProcesses.Node;
import dev.tenantgateway.support.GatewayFixture;
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
      state:
        redis: { type: "${REDIS_TYPE}", endpoints: "${REDIS_ENDPOINTS}", timeout: 1s, key_prefix: "test:" }
        rate_limits: { replicas: 2 }
      """ + TwoGateways.SECTIONS;

  static Vertx vertx;
  static RedisProcesses redis;
  static List<Node> cluster;
  static TwoGateways gateways;
  static GatewayFixture a;
  static GatewayFixture b;

  @BeforeAll
  static void start(Vertx v) throws Exception {
    vertx = v;
    redis = new RedisProcesses(vertx);
    cluster = redis.cluster(3, NODE_TIMEOUT_MILLIS);
    // as the chart gives them: the type and one comma-separated string of endpoints
    gateways = TwoGateways.start(vertx, redis, ROUTES, Map.of("REDIS_TYPE", "cluster",
        "REDIS_ENDPOINTS", cluster.stream().limit(3).map(Node::url).collect(Collectors.joining(","))));
    a = gateways.a;
    b = gateways.b;
  }

  @AfterAll
  static void stop() throws Exception {
    TwoGateways.close(gateways, redis);
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
    // past cluster-node-timeout: the cluster marks it failed and drops it from CLUSTER SLOTS
    gateways.replicaLossCostsNothing(replicaOf(masterOf(0)), NODE_TIMEOUT_MILLIS * 3, () -> {
      assertEquals(200, ready(a), "ready while a replica is down");
      assertEquals(200, ready(b));
    }, () -> redis.awaitHealthy(cluster, 3));
  }

  @Test
  @Order(2)
  void losingAMasterCostsAtMostTheFailoverTime() throws Exception {
    Node master = masterOf(0);
    Node replica = replicaOf(master);
    // the master comes back as a replica of the promoted node
    gateways.masterLossCostsAtMost(FAILOVER_BOUND_MILLIS, master, () -> redis.awaitHealthy(cluster, 3), "cluster");
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
    String dave = gateways.storeToken("dave");
    gateways.bothAnswerNow(403, dave);
    assertEquals(0, admin("membership", "set", "--user", "dave", "--tenant", "acme", "--roles", "viewer"));
    gateways.bothAnswer(200, dave, "both gateways see it");
    assertEquals(0, admin("membership", "remove", "--user", "dave", "--tenant", "acme"));
    gateways.bothAnswer(403, dave, "removal reaches both");
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
    TestIssuer idp = gateways.idp;
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
