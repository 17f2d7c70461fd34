package dev.tenantgateway.state;

import dev.tenantgateway.Main;
import dev.tenantgateway.state.RedisProcesses.Node;
import dev.tenantgateway.state.RedisProcesses.Sentinels;
import dev.tenantgateway.support.GatewayFixture;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonObject;
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
 * Two gateways on a real Sentinel setup (one master, one replica, three sentinels; down-after-milliseconds 1 s) under
 * steady loopback load: a dead replica costs nothing, a dead master at most Sentinel's failover time, a planned
 * failover loses no revocation the admin API acknowledged, and there is exactly one subscription per gateway after
 * the master moved.
 */
@Tag("redis-topologies")
@ExtendWith(VertxExtension.class)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class RedisSentinelIT {

  static final long DOWN_AFTER_MILLIS = 1000;
  /**
   * The failover bound docs/state.md gives for Sentinel: down-after-milliseconds, then the sentinels' agreement and
   * leader election, the promotion and its announcement (about 2 s together on loopback), plus a second of margin;
   * the gateway switches on the announcement itself.
   */
  static final long FAILOVER_BOUND_MILLIS = DOWN_AFTER_MILLIS + 4000;

  static final String ROUTES = """
      listener: { host: 127.0.0.1, port: 0 }
      admin: { host: 127.0.0.1, port: 0, api_token: s3cret }
      state:
        redis:
          type: "${REDIS_TYPE}"
          endpoints: "${REDIS_ENDPOINTS}"
          master_name: "${REDIS_MASTER_NAME}"
          password: "${REDIS_PASSWORD:-}"
          timeout: 1s
          key_prefix: "test:"
      """ + TwoGateways.SECTIONS;

  static Vertx vertx;
  static RedisProcesses redis;
  static Sentinels setup;
  static List<Node> dataNodes;
  static TwoGateways gateways;
  static GatewayFixture a;
  static GatewayFixture b;
  static HttpClient http;

  @BeforeAll
  static void start(Vertx v) throws Exception {
    vertx = v;
    redis = new RedisProcesses(vertx);
    setup = redis.sentinels("mymaster", DOWN_AFTER_MILLIS);
    dataNodes = List.of(setup.master(), setup.replica());
    gateways = TwoGateways.start(vertx, redis, ROUTES, Map.of("REDIS_TYPE", "sentinel",
        "REDIS_ENDPOINTS", setup.sentinels().stream().map(Node::url).collect(Collectors.joining(",")),
        "REDIS_MASTER_NAME", "mymaster"));
    a = gateways.a;
    b = gateways.b;
    http = vertx.createHttpClient();
  }

  @AfterAll
  static void stop() throws Exception {
    TwoGateways.close(gateways, redis);
  }

  /** The data node the sentinels name as master now. */
  static Node master() throws Exception {
    Response address = setup.sentinels().get(0).call(Request.cmd(Command.SENTINEL).arg("GET-MASTER-ADDR-BY-NAME").arg("mymaster"));
    int port = address.get(1).toInteger();
    return dataNodes.stream().filter(n -> n.port == port).findFirst().orElseThrow();
  }

  static Node replica() throws Exception {
    Node master = master();
    return dataNodes.stream().filter(n -> n != master).findFirst().orElseThrow();
  }

  /** Waits until the replica replicates the master again (after a restart or a failover). */
  static void awaitReplicating() throws Exception {
    redis.awaitTrue(30_000, () -> {
      Node master = master();
      Node replica = replica();
      return master.alive() && replica.alive() && "master".equals(master.info("replication", "role"))
          && "slave".equals(replica.info("replication", "role"))
          && "up".equals(replica.info("replication", "master_link_status"))
          && Integer.toString(master.port).equals(replica.info("replication", "master_port"))
          && sentinelsSeeAGoodReplica(replica);
    }, "the replica replicates the master, and the sentinels see it so");
  }

  /** Every sentinel lists the replica as healthy (a failover needs one it can promote). */
  static boolean sentinelsSeeAGoodReplica(Node replica) throws Exception {
    for (Node sentinel : setup.sentinels()) {
      boolean good = false;
      for (Response entry : sentinel.call(Request.cmd(Command.SENTINEL).arg("REPLICAS").arg("mymaster"))) {
        good |= String.valueOf(replica.port).equals(entry.get("port").toString())
            && "slave".equals(entry.get("flags").toString())
            && "ok".equals(entry.get("master-link-status").toString());
      }
      if (!good) {
        return false;
      }
    }
    return true;
  }

  @Test
  @Order(1)
  void losingTheReplicaCostsNothing() throws Exception {
    // down long enough for the sentinels to notice
    gateways.replicaLossCostsNothing(replica(), DOWN_AFTER_MILLIS * 3, () -> { }, RedisSentinelIT::awaitReplicating);
  }

  @Test
  @Order(2)
  void aPlannedFailoverLosesNoAcknowledgedRevocation() throws Exception {
    Node before = master();
    List<String> acknowledged = new ArrayList<>();
    int outcomeUnknown = 0;
    int afterSwitch = 0;
    boolean failoverAsked = false;
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
    // one writer, as an operator's script would be: every write until it is acknowledged (a retry is safe)
    for (int i = 0; afterSwitch < 30; i++) {
      assertTrue(System.nanoTime() < deadline, "the failover completed and writes went on");
      if (i == 30) {
        setup.sentinels().get(1).call(Request.cmd(Command.SENTINEL).arg("FAILOVER").arg("mymaster"));
        failoverAsked = true;
      }
      String jti = UUID.randomUUID().toString();
      GatewayFixture gateway = i % 2 == 0 ? a : b;
      int status;
      int tries = 0;
      while ((status = revoke(gateway, jti)) != 204) {
        assertEquals(503, status);
        outcomeUnknown++;
        assertTrue(++tries < 50, "a write is acknowledged in the end");
        vertx.timer(100).await(1, TimeUnit.SECONDS);
      }
      acknowledged.add(jti);
      if (failoverAsked && master() != before) {
        afterSwitch++;
      }
    }
    Node after = master();
    assertTrue(after != before, "the sentinels moved the master");
    awaitReplicating();
    List<String> missing = new ArrayList<>();
    for (String jti : acknowledged) {
      if (after.call(Request.cmd(Command.EXISTS).arg("test:rev:jti:" + jti)).toInteger() != 1) {
        missing.add(jti);
      }
    }
    System.out.println("planned failover: " + acknowledged.size() + " revocations acknowledged, " + outcomeUnknown
        + " answers of outcome unknown (retried), " + missing.size() + " missing on the new master");
    assertEquals(List.of(), missing, "every acknowledged revocation is on the new master");
  }

  @Test
  @Order(3)
  void losingTheMasterCostsAtMostTheFailoverTime() throws Exception {
    Node master = master();
    // the master comes back empty until the sentinels turn it into a replica of the new one
    gateways.masterLossCostsAtMost(FAILOVER_BOUND_MILLIS, master, RedisSentinelIT::awaitReplicating, "sentinel");
    assertTrue(master() != master, "a new master");
  }

  @Test
  @Order(4)
  void exactlyOneSubscriptionPerGatewayAfterTheMasterMoved() throws Exception {
    String channel = "test:mem:changes";
    redis.awaitTrue(10_000, () -> subscriptions(channel) == 2, "both gateways subscribed");
    vertx.timer(1500).await(5, TimeUnit.SECONDS);
    assertEquals(2, subscriptions(channel), "exactly one per gateway: none leaked, none duplicated");

    String dave = gateways.storeToken("dave");
    gateways.bothAnswerNow(403, dave);
    assertEquals(0, new CommandLine(new Main()).execute("admin", "membership", "set", "--user", "dave", "--tenant",
        "acme", "--roles", "viewer", "--redis", setup.sentinels().stream().map(Node::url).collect(Collectors.joining(",")),
        "--redis-type", "sentinel", "--master-name", "mymaster", "--key-prefix", "test:"), "the admin command follows the sentinels");
    gateways.bothAnswer(200, dave, "both gateways see it");
  }

  static long subscriptions(String channel) throws Exception {
    long total = 0;
    for (Node node : dataNodes) {
      if (node.alive()) {
        total += node.call(Request.cmd(Command.PUBSUB).arg("NUMSUB").arg(channel)).get(1).toLong();
      }
    }
    return total;
  }

  static int revoke(GatewayFixture gateway, String jti) throws Exception {
    JsonObject body = new JsonObject().put("jti", jti).put("exp", System.currentTimeMillis() / 1000 + 600);
    return http.request(HttpMethod.POST, gateway.server().adminPort(), "127.0.0.1", "/state/revocations")
        .compose(req -> req.putHeader("Authorization", "Bearer s3cret").send(body.toBuffer())
            .compose(resp -> resp.body().map(x -> resp.statusCode())))
        .await(10, TimeUnit.SECONDS);
  }
}
