package dev.tenantgateway.state;

import io.vertx.core.Future;

import java.lang.System.Logger.Level;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Rate limits counted in Redis, and while Redis cannot answer in time, counted in this replica against its share of
 * the limit ({@code ceil(requests / replicas)}), so a slow or absent Redis neither stops traffic nor lifts the limit.
 * A command that timed out may still have counted in Redis; the bound stays: in one window, at most {@code requests}
 * admitted by Redis plus one share per replica admitted locally. Each fallback is counted and logged at most once per
 * ten seconds with how many requests it covered.
 */
final class FallbackRateLimiter implements RateLimiter {

  private static final System.Logger LOG = System.getLogger(FallbackRateLimiter.class.getName());
  private static final long LOG_INTERVAL_NANOS = 10_000_000_000L;

  private final RateLimiter shared;
  private final MemoryState local = new MemoryState();
  private final int replicas;
  private final StateListener listener;
  private final AtomicLong fallbacks = new AtomicLong();
  private final AtomicLong lastLogged = new AtomicLong(System.nanoTime() - LOG_INTERVAL_NANOS);

  FallbackRateLimiter(RateLimiter shared, int replicas, StateListener listener) {
    this.shared = shared;
    this.replicas = replicas;
    this.listener = listener;
  }

  /** This replica's share of a limit while Redis cannot count. */
  static long share(long limit, int replicas) {
    return Math.max(1, (limit + replicas - 1) / replicas);
  }

  @Override
  public Future<Outcome> acquire(String key, long limit, long windowMillis) {
    return shared.acquire(key, limit, windowMillis).recover(failure -> {
      listener.stateUnavailable("rate_limits", "local");
      long count = fallbacks.incrementAndGet();
      long last = lastLogged.get();
      long now = System.nanoTime();
      if (now - last >= LOG_INTERVAL_NANOS && lastLogged.compareAndSet(last, now)) {
        fallbacks.addAndGet(-count);
        LOG.log(Level.WARNING, "rate limits counted locally (share " + share(limit, replicas) + " of " + limit
            + " for this replica) for " + count + " request(s) in the last interval: " + failure.getMessage());
      }
      return local.acquire(key, share(limit, replicas), windowMillis)
          .map(o -> new Outcome(o.allowed(), limit, o.remaining(), o.resetSeconds()));
    });
  }
}
