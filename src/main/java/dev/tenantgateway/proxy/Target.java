package dev.tenantgateway.proxy;

import dev.tenantgateway.config.GatewayConfig.HealthCheck;
import dev.tenantgateway.config.GatewayConfig.PassiveHealth;
import dev.tenantgateway.log.AggregatedLog;
import io.micrometer.core.instrument.Counter;
import io.vertx.core.http.RequestOptions;

import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;
import java.util.function.LongSupplier;

/**
 * One instance of an upstream service (one entry of {@code targets:}) and what the gateway knows of its health:
 * consecutive connect failures and the ejection they caused (passive), and the verdict of the active health check.
 * Read by every event loop; written rarely (on a failure, a recovery, a check), so reads on the request path are
 * plain volatile loads and nothing is written while the target stays healthy.
 */
public final class Target implements BooleanSupplier {

  private static final System.Logger LOG = System.getLogger(Target.class.getName());

  private final String upstream;
  private final String label;
  private final RequestOptions origin;
  private final String basePath;
  private final LongSupplier clock;
  private final int ejectAfter;
  private final long ejectionNanos;
  private final long maxEjectionNanos;
  private final Counter requests;
  private final Counter connectFailures;
  private final Counter ejections;

  /** Requests from this gateway now on their way to, or waiting for, this target (least_pending only). */
  final AtomicInteger pending = new AtomicInteger();
  private final AtomicInteger failures = new AtomicInteger();
  private volatile int ejectionsInARow;
  /** 0: not ejected; else the clock value at which the ejection ends. */
  private volatile long ejectedUntil;
  /** The clock value of the last failed connect or check; 0: never failed. */
  private volatile long lastFailure;
  private volatile boolean checkedHealthy = true;
  /** Written only by the health check's timer (one context per target). */
  private int checksInARow;
  private boolean lastCheckPassed = true;

  Target(String upstream, String label, RequestOptions origin, String basePath, PassiveHealth passive,
         LongSupplier clock, Counter requests, Counter connectFailures, Counter ejections) {
    this.upstream = upstream;
    this.label = label;
    this.origin = origin;
    this.basePath = basePath;
    this.clock = clock;
    this.ejectAfter = passive.consecutiveFailures();
    this.ejectionNanos = passive.ejectionTime().toNanos();
    this.maxEjectionNanos = passive.maxEjectionTime().toNanos();
    this.requests = requests;
    this.connectFailures = connectFailures;
    this.ejections = ejections;
  }

  /** host:port as written in the config: the metrics label (bounded by the config, never by traffic). */
  public String label() {
    return label;
  }

  RequestOptions origin() {
    return origin;
  }

  /** The path to request upstream for a canonical gateway path: the target's base path in front. */
  String uri(String path) {
    return basePath.isEmpty() ? path : basePath + path;
  }

  void counted() {
    requests.increment();
  }

  /** Not ejected (or the ejection is over) and not failing its health check. */
  public boolean available() {
    long until = ejectedUntil;
    return checkedHealthy && (until == 0 || clock.getAsLong() - until >= 0);
  }

  /** {@link #available()}, for the health gauge. */
  @Override
  public boolean getAsBoolean() {
    return available();
  }

  public boolean ejected() {
    long until = ejectedUntil;
    return until != 0 && clock.getAsLong() - until < 0;
  }

  public boolean checkedHealthy() {
    return checkedHealthy;
  }

  long lastFailure() {
    return lastFailure;
  }

  /** A connection was obtained: the run of failures ends (writes only when there was one). */
  void connected() {
    if (failures.get() != 0) {
      failures.set(0);
    }
    if (ejectionsInARow != 0) {
      ejectionsInARow = 0;
    }
    if (ejectedUntil != 0) {
      ejectedUntil = 0; // it answered while ejected (every target was out, or the ejection just ended)
    }
  }

  /** A connect failed (refused, timed out, unresolvable): the {@code consecutive_failures}-th in a row ejects. */
  void connectFailed() {
    long now = clock.getAsLong();
    lastFailure = now == 0 ? 1 : now;
    connectFailures.increment();
    int inARow = failures.incrementAndGet();
    if (ejectAfter > 0 && inARow >= ejectAfter && failures.compareAndSet(inARow, 0)) {
      int times = ejectionsInARow + 1;
      ejectionsInARow = times;
      long duration = Math.min(maxEjectionNanos, ejectionNanos * times);
      long until = now + duration;
      ejectedUntil = until == 0 ? 1 : until;
      ejections.increment();
      AggregatedLog.warning(LOG, "upstream " + upstream + ": target ejected after " + inARow
          + " connect failures in a row", "target " + label + " for " + duration / 1_000_000 + " ms");
    }
  }

  /** One active check's outcome; called on the check's own context only. */
  void checked(boolean passed, HealthCheck check) {
    if (passed != lastCheckPassed) {
      lastCheckPassed = passed;
      checksInARow = 0;
    }
    checksInARow++;
    if (!passed) {
      long now = clock.getAsLong();
      lastFailure = now == 0 ? 1 : now;
    }
    if (passed && !checkedHealthy && checksInARow >= check.healthyThreshold()) {
      checkedHealthy = true;
      LOG.log(System.Logger.Level.INFO, "upstream " + upstream + ": target " + label + " passes its health check again");
    } else if (!passed && checkedHealthy && checksInARow >= check.unhealthyThreshold()) {
      checkedHealthy = false;
      AggregatedLog.warning(LOG, "upstream " + upstream + ": target failing its health check, taken out",
          "target " + label + " after " + checksInARow + " failed checks");
    }
  }

  @Override
  public String toString() {
    return label;
  }
}
