package dev.tenantgateway.proxy;

import dev.tenantgateway.config.GatewayConfig.Balance;
import dev.tenantgateway.config.GatewayConfig.HealthCheck;
import dev.tenantgateway.config.GatewayConfig.PassiveHealth;
import dev.tenantgateway.config.GatewayConfig.Pool;
import dev.tenantgateway.config.GatewayConfig.TenantLabel;
import dev.tenantgateway.config.GatewayConfig.UpstreamConfig;
import dev.tenantgateway.observe.Metrics;
import io.vertx.core.http.HttpMethod;
import org.junit.jupiter.api.Test;

import java.net.ConnectException;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeoutException;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The balancer and the ejection logic, on a fake clock (nanoseconds the test moves by hand). */
class TargetPoolTest {

  static final long SECOND = 1_000_000_000L;
  final long[] now = {1000 * SECOND};
  final Metrics metrics = new Metrics(Metrics.newRegistry(), TenantLabel.off());

  List<Target> targets(int count, PassiveHealth passive) {
    List<URI> urls = new ArrayList<>();
    for (int i = 1; i <= count; i++) {
      urls.add(URI.create("http://10.0.0." + i + ":8080"));
    }
    UpstreamConfig config = new UpstreamConfig("orders", urls.get(0), Duration.ofSeconds(1), Duration.ofSeconds(1),
        Duration.ofSeconds(1), Duration.ofSeconds(1), 10, Duration.ofSeconds(1), 0, null,
        new Pool(urls, Balance.ROUND_ROBIN, passive, null));
    List<Target> targets = new ArrayList<>();
    for (URI url : urls) {
      targets.add(Upstream.target(config, url, metrics, () -> now[0]));
    }
    return targets;
  }

  PassiveHealth ejectAfter(int failures) {
    return new PassiveHealth(failures, Duration.ofSeconds(10), Duration.ofSeconds(25));
  }

  @Test
  void roundRobinTakesEachTargetInTurn() {
    List<Target> t = targets(3, ejectAfter(3));
    TargetPool pool = new TargetPool(t, Balance.ROUND_ROBIN);
    Map<Target, Integer> counts = new HashMap<>();
    for (int i = 0; i < 9; i++) {
      Target chosen = pool.choose(null);
      assertSame(t.get(i % 3), chosen, "request " + i);
      counts.merge(chosen, 1, Integer::sum);
      pool.release(chosen);
    }
    assertEquals(Map.of(t.get(0), 3, t.get(1), 3, t.get(2), 3), counts);
  }

  @Test
  void oneTargetIsAlwaysThatTargetAndNeverARetry() {
    List<Target> t = targets(1, ejectAfter(1));
    TargetPool pool = new TargetPool(t, Balance.LEAST_PENDING);
    t.get(0).connectFailed();
    assertTrue(t.get(0).ejected());
    assertSame(t.get(0), pool.choose(null), "the only target, ejected or not");
    assertNull(pool.choose(t.get(0)), "no other target to retry on");
    assertFalse(pool.several());
  }

  @Test
  void leastPendingPrefersTheTargetWithFewestRequestsInFlight() {
    List<Target> t = targets(3, ejectAfter(3));
    TargetPool pool = new TargetPool(t, Balance.LEAST_PENDING);
    Target first = pool.choose(null);
    Target second = pool.choose(null);
    Target third = pool.choose(null);
    assertEquals(3, List.of(first, second, third).stream().distinct().count(), "one each while all are equal");
    pool.release(second);
    assertSame(second, pool.choose(null), "the only idle one");
    assertEquals(1, first.pending.get());
    assertEquals(1, second.pending.get(), "chosen twice, released once");
  }

  @Test
  void consecutiveConnectFailuresEjectForAWhileThenTheTargetIsTriedAgain() {
    List<Target> t = targets(2, ejectAfter(3));
    TargetPool pool = new TargetPool(t, Balance.ROUND_ROBIN);
    Target bad = t.get(0);
    bad.connectFailed();
    bad.connectFailed();
    assertTrue(bad.available(), "two failures in a row: not yet");
    bad.connected();
    bad.connectFailed();
    bad.connectFailed();
    assertTrue(bad.available(), "a success ended the run");
    bad.connectFailed();
    assertTrue(bad.ejected());
    for (int i = 0; i < 6; i++) {
      assertSame(t.get(1), pool.choose(null), "the ejected target is skipped");
    }
    now[0] += 10 * SECOND;
    assertFalse(bad.ejected(), "the ejection is over after ejection_time");
    assertTrue(List.of(pool.choose(null), pool.choose(null)).contains(bad));
    assertEquals(1.0, metrics.registry().get(Metrics.TARGET_EJECTIONS).tag("target", "10.0.0.1:8080").counter().count());
  }

  @Test
  void ejectionsInARowLastLongerUpToTheMaximum() {
    Target bad = targets(2, ejectAfter(1)).get(0);
    bad.connectFailed();
    now[0] += 10 * SECOND - 1;
    assertTrue(bad.ejected(), "first: 10s");
    now[0] += 1;
    assertFalse(bad.ejected());
    bad.connectFailed();
    now[0] += 20 * SECOND - 1;
    assertTrue(bad.ejected(), "second in a row: 20s");
    now[0] += 1;
    bad.connectFailed();
    now[0] += 25 * SECOND - 1;
    assertTrue(bad.ejected(), "third: 30s capped at max_ejection_time 25s");
    now[0] += 1;
    assertFalse(bad.ejected());
    bad.connected();
    bad.connectFailed();
    now[0] += 10 * SECOND;
    assertFalse(bad.ejected(), "a success resets the multiplier");
  }

  @Test
  void whenEveryTargetIsOutTheLeastRecentlyFailedIsTried() {
    List<Target> t = targets(3, ejectAfter(1));
    TargetPool pool = new TargetPool(t, Balance.ROUND_ROBIN);
    t.get(1).connectFailed();
    now[0] += SECOND;
    t.get(2).connectFailed();
    now[0] += SECOND;
    t.get(0).connectFailed();
    assertFalse(pool.anyAvailable());
    for (int i = 0; i < 3; i++) {
      assertSame(t.get(1), pool.choose(null));
    }
    assertSame(t.get(2), pool.choose(t.get(1)), "a retry avoids the target that just failed");
  }

  @Test
  void aRetryGoesToAnotherTarget() {
    List<Target> t = targets(3, ejectAfter(5));
    TargetPool pool = new TargetPool(t, Balance.ROUND_ROBIN);
    for (int i = 0; i < 6; i++) {
      Target failed = t.get(i % 3);
      Target retry = pool.choose(failed);
      assertNotEquals(failed, retry);
    }
  }

  @Test
  void zeroConsecutiveFailuresNeverEjects() {
    Target target = targets(2, ejectAfter(0)).get(0);
    for (int i = 0; i < 100; i++) {
      target.connectFailed();
    }
    assertTrue(target.available());
  }

  @Test
  void healthCheckThresholdsTakeATargetOutAndBackIn() {
    Target target = targets(2, ejectAfter(3)).get(0);
    HealthCheck check = new HealthCheck("/healthz", Duration.ofSeconds(5), Duration.ofSeconds(1), 2, 3);
    target.checked(false, check);
    target.checked(false, check);
    assertTrue(target.available(), "two failed checks: still in");
    target.checked(true, check);
    target.checked(false, check);
    target.checked(false, check);
    assertTrue(target.available(), "the run was broken by a pass");
    target.checked(false, check);
    assertFalse(target.available(), "three in a row: out");
    assertFalse(target.checkedHealthy());
    target.checked(true, check);
    assertFalse(target.available(), "one pass: not yet");
    target.checked(true, check);
    assertTrue(target.available(), "two passes in a row: back");
  }

  @Test
  void connectFailuresAreToldFromABusyPool() {
    assertTrue(TargetPool.isConnectFailure(new ConnectException("Connection refused")));
    assertTrue(TargetPool.isConnectFailure(new RuntimeException(new java.net.UnknownHostException("nowhere"))));
    assertFalse(TargetPool.isConnectFailure(new TimeoutException("waiting for a pooled connection")));
    assertFalse(TargetPool.isConnectFailure(new IllegalStateException("Connection was closed")));
  }

  @Test
  void onlyIdempotentMethodsAreRetried() {
    for (HttpMethod m : List.of(HttpMethod.GET, HttpMethod.HEAD, HttpMethod.OPTIONS, HttpMethod.PUT, HttpMethod.DELETE)) {
      assertTrue(TargetPool.retryable(m), m.name());
    }
    for (HttpMethod m : List.of(HttpMethod.POST, HttpMethod.PATCH, HttpMethod.valueOf("PROPFIND"))) {
      assertFalse(TargetPool.retryable(m), m.name());
    }
  }
}
