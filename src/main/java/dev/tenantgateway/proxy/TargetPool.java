package dev.tenantgateway.proxy;

import dev.tenantgateway.config.GatewayConfig.Balance;
import io.vertx.core.http.HttpMethod;

import java.net.ConnectException;
import java.net.NoRouteToHostException;
import java.net.UnknownHostException;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Chooses the target of each request: round robin or least pending, over the targets that are available (not
 * ejected, not failing their health check). With one target the choice is that target: no counter, no clock, no
 * allocation. When every target is out, the least recently failed one is tried anyway (Envoy's "panic" behaviour):
 * ejection is a guess from recent failures, and refusing every request outright would turn a blip into an outage.
 */
public final class TargetPool {

  private final Target[] targets;
  private final Target only;
  private final boolean leastPending;
  /** Where the next round starts; shared, lock-free (one getAndIncrement per request with several targets). */
  private final AtomicInteger next = new AtomicInteger();

  public TargetPool(List<Target> targets, Balance balance) {
    this.targets = targets.toArray(new Target[0]);
    this.only = this.targets.length == 1 ? this.targets[0] : null;
    this.leastPending = balance == Balance.LEAST_PENDING && this.targets.length > 1;
  }

  public List<Target> targets() {
    return List.of(targets);
  }

  /** Whether a retry can go anywhere else. */
  boolean several() {
    return only == null;
  }

  /**
   * The target for a request, counted as pending on it until {@link #release}; {@code avoid} (the target that just
   * refused a connect) is never chosen. Null only when {@code avoid} is the one target there is.
   */
  Target choose(Target avoid) {
    Target single = only;
    if (single != null) {
      return avoid == single ? null : single;
    }
    Target[] all = targets;
    int n = all.length;
    int start = (next.getAndIncrement() & Integer.MAX_VALUE) % n;
    Target chosen = null;
    if (leastPending) {
      int fewest = Integer.MAX_VALUE;
      for (int i = 0; i < n; i++) {
        Target t = all[(start + i) % n]; // ties go to the next in turn
        if (t != avoid && t.available()) {
          int pending = t.pending.get();
          if (pending < fewest) {
            fewest = pending;
            chosen = t;
          }
        }
      }
    } else {
      for (int i = 0; i < n; i++) {
        Target t = all[(start + i) % n];
        if (t != avoid && t.available()) {
          chosen = t;
          break;
        }
      }
    }
    if (chosen == null) {
      chosen = leastRecentlyFailed(avoid);
    }
    if (leastPending && chosen != null) {
      chosen.pending.incrementAndGet();
    }
    return chosen;
  }

  /** Every target is out: the one whose last failure is oldest. */
  private Target leastRecentlyFailed(Target avoid) {
    Target chosen = null;
    long oldest = 0;
    for (Target t : targets) {
      if (t == avoid) {
        continue;
      }
      long failed = t.lastFailure();
      if (chosen == null || failed - oldest < 0) {
        chosen = t;
        oldest = failed;
      }
    }
    return chosen;
  }

  /** The request chosen for {@code target} is over (answered, failed, or moved to another target). */
  void release(Target target) {
    if (leastPending) {
      target.pending.decrementAndGet();
    }
  }

  /** Whether some target is available (readiness). */
  public boolean anyAvailable() {
    for (Target t : targets) {
      if (t.available()) {
        return true;
      }
    }
    return false;
  }

  /**
   * A failure to obtain a connection that says the target did not accept one (refused, connect timed out, no route,
   * name not resolved): it counts toward ejection, and nothing was sent, so a retry elsewhere is safe. A wait for a
   * free pooled connection that timed out is not one (the target is busy, not down).
   */
  static boolean isConnectFailure(Throwable failure) {
    for (Throwable t = failure; t != null; t = t.getCause() == t ? null : t.getCause()) {
      if (t instanceof ConnectException || t instanceof NoRouteToHostException || t instanceof UnknownHostException) {
        return true;
      }
    }
    return false;
  }

  /** Methods RFC 9110 calls idempotent that the gateway retries once on a connect failure (TRACE is never routed). */
  static boolean retryable(HttpMethod method) {
    return HttpMethod.GET.equals(method) || HttpMethod.HEAD.equals(method) || HttpMethod.OPTIONS.equals(method)
        || HttpMethod.PUT.equals(method) || HttpMethod.DELETE.equals(method);
  }
}
