package dev.tenantgateway.state;

import io.vertx.core.Future;

/** Fixed-window request counting, shared by every replica when the counters live in Redis. */
public interface RateLimiter {

  /** The outcome of taking one request from a window. */
  record Outcome(boolean allowed, long limit, long remaining, long resetSeconds) {
  }

  Future<Outcome> acquire(String key, long limit, long windowMillis);
}
