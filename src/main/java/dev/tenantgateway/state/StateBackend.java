package dev.tenantgateway.state;

import dev.tenantgateway.config.GatewayConfig;
import io.vertx.core.Future;
import io.vertx.core.Vertx;

/**
 * The gateway's shared state: in this process's memory by default, in Redis when configured. Created once per
 * process (reloads keep it), so Redis connections do not churn.
 */
public final class StateBackend {

  private final RevocationStore revocations;
  private final MembershipStore memberships;
  private final RateLimiter rateLimiter;
  private final RedisState redis;
  private final GatewayConfig.State config;

  private StateBackend(RevocationStore revocations, MembershipStore memberships, RateLimiter rateLimiter,
                       RedisState redis, GatewayConfig.State config) {
    this.revocations = revocations;
    this.memberships = memberships;
    this.rateLimiter = rateLimiter;
    this.redis = redis;
    this.config = config;
  }

  public static StateBackend create(Vertx vertx, GatewayConfig.State config, StateListener listener) {
    if (config.redis() == null) {
      MemoryState memory = new MemoryState();
      return new StateBackend(memory, memory, memory, null, config);
    }
    RedisState redis = new RedisState(vertx, config.redis(), config.membershipCacheTtl(), listener);
    redis.start();
    RateLimiter limiter = config.rateLimitsOnFailure().equals("local")
        ? new FallbackRateLimiter(redis, config.rateLimitReplicas(), listener) : redis;
    return new StateBackend(redis, redis, limiter, redis, config);
  }

  public RevocationStore revocations() {
    return revocations;
  }

  public MembershipStore memberships() {
    return memberships;
  }

  public RateLimiter rateLimiter() {
    return rateLimiter;
  }

  public GatewayConfig.State config() {
    return config;
  }

  /** The in-memory state, when that is where state lives (lets the hot path decide without futures), else null. */
  public MemoryState memory() {
    return revocations instanceof MemoryState memory ? memory : null;
  }

  public boolean isRedis() {
    return redis != null;
  }

  /** Succeeds when the state can be reached (always, in memory). */
  public Future<Void> ping() {
    return redis == null ? Future.succeededFuture() : redis.ping();
  }

  public Future<Void> close() {
    return redis == null ? Future.succeededFuture() : redis.close();
  }
}
