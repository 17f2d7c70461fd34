package dev.tenantgateway.state;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.redis.client.Command;
import io.vertx.redis.client.Redis;
import io.vertx.redis.client.RedisConnection;
import io.vertx.redis.client.RedisOptions;
import io.vertx.redis.client.Request;
import io.vertx.redis.client.Response;
import io.vertx.redis.client.ResponseType;

import java.lang.System.Logger.Level;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * Shared state in Redis (standalone, Sentinel or Cluster). Key layout, with the configured prefix {@code P}:
 * <ul>
 *   <li>{@code P rev:jti:<jti>} = "1", expiring at the token's {@code exp};</li>
 *   <li>{@code P rev:user:<user>} and {@code P rev:tenant:<tenant>} = epoch seconds: tokens issued before are revoked;</li>
 *   <li>{@code P mem:<user>}: a hash, tenant → comma-separated roles; changes are announced on channel
 *       {@code P mem:changes} with the user as message;</li>
 *   <li>{@code P rl:<route>:<subject>}: a fixed-window counter, incremented and given its expiry atomically by a Lua
 *       script.</li>
 * </ul>
 * Every command is bounded by the configured timeout, so a slow or absent Redis never hangs a request. Revocation
 * answers are cached for at most half a second and memberships for the configured time (cleared on announcements),
 * which bounds how stale a replica can be.
 */
public final class RedisState implements RevocationStore, MembershipStore, RateLimiter {

  private static final System.Logger LOG = System.getLogger(RedisState.class.getName());
  private static final String WINDOW_SCRIPT = """
      local count = redis.call('INCR', KEYS[1])
      if count == 1 then redis.call('PEXPIRE', KEYS[1], ARGV[1]) end
      local ttl = redis.call('PTTL', KEYS[1])
      if ttl < 0 then redis.call('PEXPIRE', KEYS[1], ARGV[1]); ttl = tonumber(ARGV[1]) end
      return {count, ttl}
      """;

  /**
   * The Redis client logs each failure of a pooled connection as SEVERE "Unhandled Error", though it has already
   * failed every command waiting on that connection, and those answer under their feature's failure policy (counted
   * in {@code gateway_state_unavailable_total}, logged by the gateway). Only that duplicate line is dropped; the
   * logger is held here because JUL keeps its loggers (and their filters) only while someone references them.
   */
  private static final java.util.logging.Logger POOL_LOG = quietDuplicateErrors(
      java.util.logging.Logger.getLogger("io.vertx.redis.client.impl.RedisConnectionManager"));

  private static java.util.logging.Logger quietDuplicateErrors(java.util.logging.Logger logger) {
    logger.setFilter(record -> !"Unhandled Error".equals(record.getMessage()));
    return logger;
  }

  private final Vertx vertx;
  private final Redis redis;
  private final String prefix;
  private final long timeoutMillis;
  private final StateListener listener;
  private final Cache<String, Boolean> revocations = Caffeine.newBuilder()
      .maximumSize(100_000).expireAfterWrite(Duration.ofMillis(500)).executor(Runnable::run).build();
  private final Cache<String, Map<String, List<String>>> memberships;
  private volatile RedisConnection subscriber;
  private volatile boolean closed;

  public RedisState(Vertx vertx, RedisOptions options, String prefix, Duration timeout, Duration membershipTtl,
                    StateListener listener) {
    this.vertx = vertx;
    this.redis = Redis.createClient(vertx, options);
    this.prefix = prefix;
    this.timeoutMillis = timeout.toMillis();
    this.listener = listener;
    this.memberships = Caffeine.newBuilder().maximumSize(100_000).expireAfterWrite(membershipTtl)
        .executor(Runnable::run).build();
  }

  /** Subscribes to membership announcements (and keeps re-subscribing); never fails the start. */
  public Future<Void> start() {
    subscribe();
    return Future.succeededFuture();
  }

  private void subscribe() {
    if (closed) {
      return;
    }
    redis.connect().onSuccess(conn -> {
      subscriber = conn;
      memberships.invalidateAll(); // announcements may have been missed while disconnected
      conn.handler(message -> {
        if ((message.type() == ResponseType.PUSH || message.type() == ResponseType.MULTI) && message.size() >= 3 && "message".equals(message.get(0).toString())) {
          memberships.invalidate(message.get(2).toString());
        }
      });
      conn.exceptionHandler(err -> LOG.log(Level.WARNING, "redis subscription: " + err.getMessage()));
      conn.endHandler(v -> {
        subscriber = null;
        memberships.invalidateAll();
        vertx.setTimer(500, id -> subscribe());
      });
      conn.send(Request.cmd(Command.SUBSCRIBE).arg(prefix + "mem:changes"))
          .onFailure(err -> conn.close());
    }).onFailure(err -> vertx.setTimer(500, id -> subscribe()));
  }

  /** One command, bounded by the timeout, measured. */
  private Future<Response> send(String op, Request request) {
    long started = System.nanoTime();
    Promise<Response> promise = Promise.promise();
    long timer = vertx.setTimer(timeoutMillis, id -> promise.tryFail(new TimeoutException("redis " + op + " timed out")));
    redis.send(request).onComplete(result -> {
      vertx.cancelTimer(timer);
      if (result.succeeded()) {
        promise.tryComplete(result.result());
      } else {
        promise.tryFail(result.cause());
      }
    });
    return promise.future().andThen(result -> listener.command(op, System.nanoTime() - started, result.failed()));
  }

  public Future<Void> ping() {
    return send("ping", Request.cmd(Command.PING)).mapEmpty();
  }

  // ---------------------------------------------------------------------------------------------------------------
  // Revocation

  @Override
  public Future<Boolean> isRevoked(String jti, String user, String tenant, long issuedAt) {
    String cacheKey = jti + '\u0000' + user + '\u0000' + tenant + '\u0000' + issuedAt;
    Boolean cached = revocations.getIfPresent(cacheKey);
    if (cached != null) {
      return Future.succeededFuture(cached);
    }
    // separate GETs, not MGET: in Cluster mode the keys live in different slots
    Future<Response> byJti = jti == null ? Future.succeededFuture(null) : send("get", Request.cmd(Command.GET).arg(prefix + "rev:jti:" + jti));
    Future<Response> byUser = user == null ? Future.succeededFuture(null) : send("get", Request.cmd(Command.GET).arg(prefix + "rev:user:" + user));
    Future<Response> byTenant = tenant == null ? Future.succeededFuture(null) : send("get", Request.cmd(Command.GET).arg(prefix + "rev:tenant:" + tenant));
    return Future.all(byJti, byUser, byTenant).map(all -> {
      boolean revoked = byJti.result() != null
          || before(byUser.result(), issuedAt) || before(byTenant.result(), issuedAt);
      revocations.put(cacheKey, revoked);
      return revoked;
    });
  }

  private static boolean before(Response cutoff, long issuedAt) {
    return cutoff != null && issuedAt < cutoff.toLong();
  }

  @Override
  public Future<Void> revokeToken(String jti, long expiresAt) {
    return send("set", Request.cmd(Command.SET).arg(prefix + "rev:jti:" + jti).arg("1").arg("EXAT").arg(expiresAt)).mapEmpty();
  }

  @Override
  public Future<Void> revokeUser(String user, long before) {
    return send("set", Request.cmd(Command.SET).arg(prefix + "rev:user:" + user).arg(before)).mapEmpty();
  }

  @Override
  public Future<Void> revokeTenant(String tenant, long before) {
    return send("set", Request.cmd(Command.SET).arg(prefix + "rev:tenant:" + tenant).arg(before)).mapEmpty();
  }

  // ---------------------------------------------------------------------------------------------------------------
  // Memberships

  @Override
  public Future<Map<String, List<String>>> memberships(String user) {
    Map<String, List<String>> cached = memberships.getIfPresent(user);
    if (cached != null) {
      return Future.succeededFuture(cached);
    }
    return send("hgetall", Request.cmd(Command.HGETALL).arg(prefix + "mem:" + user)).map(response -> {
      Map<String, List<String>> found = new LinkedHashMap<>();
      if (response != null) {
        for (String tenant : response.getKeys()) {
          String roles = response.get(tenant).toString();
          found.put(tenant, roles.isEmpty() ? List.of() : Arrays.asList(roles.split(",")));
        }
      }
      Map<String, List<String>> result = Map.copyOf(found);
      if (subscriber != null) {
        memberships.put(user, result); // cache only while announcements can reach us
      }
      return result;
    });
  }

  @Override
  public Future<Void> set(String user, String tenant, List<String> roles) {
    return send("hset", Request.cmd(Command.HSET).arg(prefix + "mem:" + user).arg(tenant).arg(String.join(",", roles)))
        .compose(v -> announce(user));
  }

  @Override
  public Future<Void> remove(String user, String tenant) {
    return send("hdel", Request.cmd(Command.HDEL).arg(prefix + "mem:" + user).arg(tenant)).compose(v -> announce(user));
  }

  private Future<Void> announce(String user) {
    memberships.invalidate(user);
    return send("publish", Request.cmd(Command.PUBLISH).arg(prefix + "mem:changes").arg(user)).mapEmpty();
  }

  // ---------------------------------------------------------------------------------------------------------------
  // Rate limits

  @Override
  public Future<Outcome> acquire(String key, long limit, long windowMillis) {
    return send("eval", Request.cmd(Command.EVAL).arg(WINDOW_SCRIPT).arg(1).arg(prefix + "rl:" + key).arg(windowMillis))
        .map(response -> {
          long count = response.get(0).toLong();
          long ttl = response.get(1).toLong();
          return new Outcome(count <= limit, limit, Math.max(0, limit - count), Math.max(1, (ttl + 999) / 1000));
        });
  }

  public Future<Void> close() {
    closed = true;
    RedisConnection conn = subscriber;
    List<Future<Void>> closing = new ArrayList<>();
    if (conn != null) {
      closing.add(conn.close());
    }
    redis.close();
    return Future.join(closing).mapEmpty();
  }

  /** For tests and the admin command: how long commands may take. */
  public long timeoutMillis() {
    return TimeUnit.MILLISECONDS.toMillis(timeoutMillis);
  }
}
