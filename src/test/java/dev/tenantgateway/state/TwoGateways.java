package dev.tenantgateway.state;

import dev.tenantgateway.support.GatewayFixture;
import dev.tenantgateway.support.RecordingUpstream;
import dev.tenantgateway.support.TestIssuer;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

import static io.vertx.core.http.HttpMethod.GET;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Two gateways sharing one Redis topology (Cluster or Sentinel), with a real issuer, a recording upstream and 400
 * distinct viewer tokens for steady load; and the checks both topologies make of them: losing a replica costs
 * nothing, losing a master costs at most the failover time, a membership change reaches both gateways.
 */
final class TwoGateways implements AutoCloseable {

  /** A step that may throw: killing a node, waiting for the topology to heal, asking a gateway. */
  interface Step {
    void run() throws Exception;
  }

  /** What both topologies' routes.yaml share: the issuers (one store-backed), the role, the upstream and the route. */
  static final String SECTIONS = """
      issuers:
        - { id: idp, issuer: "https://idp.test/", jwks_uri: "${JWKS}", audiences: [gateway], claims: { tenant: org_code, roles: roles } }
        - { id: bare, issuer: "https://bare.test/", jwks_uri: "${JWKS}", claims: { memberships: { store: true } } }
      roles:
        viewer: [projects:read]
      upstreams:
        app: { url: "${UPSTREAM}" }
      routes:
        - { id: list, methods: [GET], path: /projects, upstream: app, require: projects:read }
      """;

  final Vertx vertx;
  final RedisProcesses redis;
  final TestIssuer idp;
  final RecordingUpstream upstream;
  final GatewayFixture a;
  final GatewayFixture b;
  final List<String> tokens = new ArrayList<>();

  private TwoGateways(Vertx vertx, RedisProcesses redis, TestIssuer idp, RecordingUpstream upstream,
                      GatewayFixture a, GatewayFixture b) {
    this.vertx = vertx;
    this.redis = redis;
    this.idp = idp;
    this.upstream = upstream;
    this.a = a;
    this.b = b;
    for (int i = 0; i < 400; i++) {
      tokens.add(idp.mint(idp.claims("user" + (i % 7)).put("org_code", "org" + (i % 5))
          .put("roles", new JsonArray().add("viewer")).put("jti", UUID.randomUUID().toString())));
    }
  }

  /** Starts both gateways on {@code routes}, with {@code redisEnv} plus {@code JWKS} and {@code UPSTREAM} set. */
  static TwoGateways start(Vertx vertx, RedisProcesses redis, String routes, Map<String, String> redisEnv)
      throws Exception {
    TestIssuer idp = new TestIssuer("https://idp.test/").start(vertx);
    RecordingUpstream upstream = new RecordingUpstream().start(vertx);
    Map<String, String> env = new HashMap<>(redisEnv);
    env.put("JWKS", idp.jwksUri());
    env.put("UPSTREAM", upstream.url());
    GatewayFixture a = GatewayFixture.start(vertx, routes, env);
    GatewayFixture b;
    try {
      b = GatewayFixture.start(vertx, routes, env);
    } catch (Exception | AssertionError e) {
      a.close();
      throw e;
    }
    return new TwoGateways(vertx, redis, idp, upstream, a, b);
  }

  SteadyLoad load() {
    return new SteadyLoad(vertx, List.of(a, b), "/projects", tokens, 10);
  }

  /**
   * Kills {@code replica} under steady load, keeps it down for {@code downMillis} (then runs {@code whileDown}),
   * restarts it and waits for {@code healed}: not one request may fail.
   */
  void replicaLossCostsNothing(RedisProcesses.Node replica, long downMillis, Step whileDown, Step healed)
      throws Exception {
    SteadyLoad load = load();
    try {
      vertx.timer(1000).await(5, TimeUnit.SECONDS);
      replica.kill();
      vertx.timer(downMillis).await(downMillis + 5000, TimeUnit.MILLISECONDS);
      whileDown.run();
    } finally {
      List<SteadyLoad.Answer> answers = load.stop();
      replica.start();
      healed.run();
      assertEquals(List.of(), SteadyLoad.failures(answers), "no request failed while a replica was down");
      assertTrue(answers.size() > 20, "load ran: " + answers.size());
    }
  }

  /**
   * Kills {@code master} under steady load until the gateways answer again, restarts it and waits for {@code
   * healed}: every failure is a 503 {@code state_unavailable} after the kill, and the outage stays within {@code
   * boundMillis}.
   */
  void masterLossCostsAtMost(long boundMillis, RedisProcesses.Node master, Step healed, String topology)
      throws Exception {
    SteadyLoad load = load();
    vertx.timer(1000).await(5, TimeUnit.SECONDS);
    long killedAt = load.millis();
    master.kill();
    List<SteadyLoad.Answer> answers;
    try {
      answers = load.untilRecovered(redis, killedAt);
    } finally {
      load.stop();
      master.start();
      healed.run();
    }
    long outage = SteadyLoad.outageMillis(answers, killedAt);
    List<SteadyLoad.Answer> failed = SteadyLoad.failures(answers);
    System.out.println(topology + " master loss: " + failed.size() + " of " + answers.size()
        + " requests failed over " + outage + " ms");
    assertTrue(failed.stream().allMatch(x -> x.status() == 503 && "state_unavailable".equals(x.code())),
        "failures are 503 state_unavailable: " + failed.stream().limit(5).toList());
    assertTrue(failed.stream().allMatch(x -> x.answeredAtMillis() >= killedAt), "nothing failed before the kill");
    assertTrue(outage <= boundMillis, "outage " + outage + " ms within " + boundMillis + " ms");
  }

  /** A token of the store-backed issuer for {@code user}: its tenants and roles come from Redis only. */
  String storeToken(String user) {
    return idp.mint(idp.claims(user).put("iss", "https://bare.test/").put("jti", UUID.randomUUID().toString()));
  }

  /** Both gateways answer {@code status} for {@code token} in tenant acme now. */
  void bothAnswerNow(int status, String token) throws Exception {
    assertEquals(status, a.send(GET, "/projects", token, "X-Active-Tenant", "acme").status());
    assertEquals(status, b.send(GET, "/projects", token, "X-Active-Tenant", "acme").status());
  }

  /** Both gateways answer {@code status} for {@code token} in tenant acme, now or within a second. */
  void bothAnswer(int status, String token, String what) throws Exception {
    redis.awaitTrue(1000, () -> a.send(GET, "/projects", token, "X-Active-Tenant", "acme").status() == status
        && b.send(GET, "/projects", token, "X-Active-Tenant", "acme").status() == status, what);
  }

  @Override
  public void close() throws Exception {
    try {
      a.close();
    } finally {
      b.close();
    }
  }

  /** Closes the gateways (if they started) and then the Redis processes. */
  static void close(TwoGateways gateways, RedisProcesses redis) throws Exception {
    try {
      if (gateways != null) {
        gateways.close();
      }
    } finally {
      redis.close();
    }
  }
}
