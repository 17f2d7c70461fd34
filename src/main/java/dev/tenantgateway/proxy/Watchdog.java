package dev.tenantgateway.proxy;

import io.vertx.core.Vertx;

/**
 * The bounds on waits that Vert.x does not bound itself (a request body that arrives too slowly, a response that
 * stalls after its head), checked for every in-flight forwarding of one event loop by one periodic sweep. Cheaper than
 * a timer per request: a forwarding links itself into a list (no allocation) and each check is a comparison.
 * Confined to its event loop; the sweep runs only while something is in flight.
 */
final class Watchdog {

  /** Sweep period: the resolution of every bound checked here. */
  static final long PERIOD_MS = 100;

  private static final ThreadLocal<Watchdog> PER_EVENT_LOOP = new ThreadLocal<>();

  /** Something in flight with bounds to check. */
  abstract static class Watched {
    Watched previous;
    Watched next;
    boolean linked;

    /** Called once per sweep; may end the forwarding (and unwatch it). */
    abstract void check(long nowNanos);
  }

  private final Vertx vertx;
  private final Watched head = new Watched() {
    @Override
    void check(long nowNanos) {
    }
  };
  private long timer = -1;
  /** Sweeps in a row that found nothing in flight: the timer stops after a second of that, not at the first gap. */
  private int idleSweeps;
  private long lastSweep;

  private Watchdog(Vertx vertx) {
    this.vertx = vertx;
    head.previous = head;
    head.next = head;
  }

  /** This event loop's watchdog. */
  static Watchdog current(Vertx vertx) {
    Watchdog watchdog = PER_EVENT_LOOP.get();
    if (watchdog == null || watchdog.vertx != vertx) {
      watchdog = new Watchdog(vertx);
      PER_EVENT_LOOP.set(watchdog);
    }
    return watchdog;
  }

  void watch(Watched watched) {
    if (watched.linked) {
      return;
    }
    watched.linked = true;
    watched.previous = head.previous;
    watched.next = head;
    head.previous.next = watched;
    head.previous = watched;
    idleSweeps = 0;
    if (timer >= 0 && System.nanoTime() - lastSweep > 10 * PERIOD_MS * 1_000_000) {
      // the timer belonged to a verticle (a listener) that has been undeployed since: Vert.x cancelled it
      vertx.cancelTimer(timer);
      timer = -1;
    }
    if (timer < 0) {
      lastSweep = System.nanoTime();
      timer = vertx.setPeriodic(PERIOD_MS, id -> sweep());
    }
  }

  void unwatch(Watched watched) {
    if (!watched.linked) {
      return;
    }
    watched.linked = false;
    watched.previous.next = watched.next;
    watched.next.previous = watched.previous;
    watched.previous = null;
    watched.next = null;
  }

  private void sweep() {
    lastSweep = System.nanoTime();
    if (head.next == head) {
      if (++idleSweeps >= 1000 / PERIOD_MS) {
        vertx.cancelTimer(timer);
        timer = -1;
      }
      return;
    }
    long now = System.nanoTime();
    Watched current = head.next;
    while (current != head) {
      Watched next = current.next;
      current.check(now); // may unlink current, and (closing a connection) rarely another one
      current = next.linked || next == head ? next : head.next;
    }
  }
}
