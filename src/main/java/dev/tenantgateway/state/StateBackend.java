package dev.tenantgateway.state;

import dev.tenantgateway.config.GatewayConfig;
import dev.tenantgateway.config.GatewayConfig.RedisConfig;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.redis.client.RedisClientType;
import io.vertx.redis.client.RedisOptions;

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

  /** @param listener told about every Redis command (for metrics) */
  public static StateBackend create(Vertx vertx, GatewayConfig.State config, StateListener listener) {
    if (config.redis() == null) {
      MemoryState memory = new MemoryState();
      return new StateBackend(memory, memory, memory, null, config);
    }
    RedisState redis = new RedisState(vertx, redisOptions(config.redis()), config.redis().keyPrefix(),
        config.redis().timeout(), config.membershipCacheTtl(), listener);
    redis.start();
    return new StateBackend(redis, redis, redis, redis, config);
  }

  public static RedisOptions redisOptions(RedisConfig config) {
    RedisOptions options = new RedisOptions()
        .setType(RedisClientType.valueOf(config.type().toUpperCase(java.util.Locale.ROOT)))
        .setMaxPoolSize(32)
        .setMaxPoolWaiting(1024)
        .setMaxWaitingHandlers(4096);
    for (String endpoint : config.endpoints()) {
      options.addConnectionString(endpoint);
    }
    if (config.masterName() != null) {
      options.setMasterName(config.masterName());
    }
    if (config.password() != null) {
      options.setPassword(config.password());
    }
    options.getNetClientOptions().setConnectTimeout((int) Math.max(100, config.timeout().toMillis()));
    return options;
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
