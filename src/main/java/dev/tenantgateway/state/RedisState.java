package dev.tenantgateway.state;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import dev.tenantgateway.config.GatewayConfig.RedisConfig;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.redis.client.Command;
import io.vertx.redis.client.Redis;
import io.vertx.redis.client.RedisConnection;
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
import java.util.concurrent.atomic.AtomicInteger;
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
 * Commands go to the master serving their key ({@link RedisRouting}: standalone, Sentinel or Cluster). Every command is
 * bounded by the configured timeout, so a slow or absent Redis never hangs a request. Writes (the admin's) are
 * idempotent and, with {@code wait_replicas}, acknowledged only once replicas hold them. Revocation
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

  /** Raises a user's or tenant's cutoff, never lowers it: a repeated or late write changes nothing. */
  private static final String RAISE_SCRIPT = """
      local current = tonumber(redis.call('GET', KEYS[1]) or '0')
      if current < tonumber(ARGV[1]) then redis.call('SET', KEYS[1], ARGV[1]) end
      return 1
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
  private final RedisRouting routing;
  private final String prefix;
  private final long timeoutMillis;
  private final int waitReplicas;
  private final StateListener listener;
  private final Cache<String, Boolean> revocations = Caffeine.newBuilder()
      .maximumSize(100_000).expireAfterWrite(Duration.ofMillis(500)).executor(Runnable::run).build();
  private final Cache<String, Map<String, List<String>>> memberships;
  private final AtomicInteger nextSubscriptionNode = new AtomicInteger();
  private volatile Subscription subscription;
  private volatile boolean subscribing;
  private volatile boolean closed;

  /** The one pub/sub subscription: its own client and connection, closed together before another is opened. */
  private record Subscription(Redis client, RedisConnection connection, String endpoint) {
  }

  public RedisState(Vertx vertx, RedisConfig config, Duration membershipTtl, StateListener listener) {
    this.vertx = vertx;
    this.routing = RedisRouting.create(vertx, config);
    this.prefix = config.keyPrefix();
    this.timeoutMillis = config.timeout().toMillis();
    this.waitReplicas = config.waitReplicas();
    this.listener = listener;
    this.memberships = Caffeine.newBuilder().maximumSize(100_000).expireAfterWrite(membershipTtl)
        .executor(Runnable::run).build();
  }

  /** Follows the topology and subscribes to membership announcements (re-subscribing as needed); never fails. */
  public Future<Void> start() {
    routing.start();
    subscribe();
    return Future.succeededFuture();
  }

  /** Starts without the subscription, for one-shot writers (the admin command): completes once Redis is found. */
  public Future<Void> startWithoutSubscription() {
    return routing.start();
  }

  private void subscribe() {
    if (closed || subscribing || subscription != null) {
      return;
    }
    subscribing = true;
    List<String> candidates = routing.subscriptionEndpoints();
    if (candidates.isEmpty()) {
      subscribing = false;
      vertx.setTimer(200, id -> subscribe()); // the topology is not known yet
      return;
    }
    String endpoint = candidates.get(Math.floorMod(nextSubscriptionNode.getAndIncrement(), candidates.size()));
    Redis client = Redis.createClient(vertx, routing.nodeOptions(endpoint, 1));
    java.util.concurrent.atomic.AtomicBoolean ended = new java.util.concurrent.atomic.AtomicBoolean();
    client.connect().compose(conn -> {
      conn.handler(message -> {
        if ((message.type() == ResponseType.PUSH || message.type() == ResponseType.MULTI) && message.size() >= 3
            && "message".equals(message.get(0).toString())) {
          memberships.invalidate(message.get(2).toString());
        }
      });
      conn.exceptionHandler(err -> {
        LOG.log(Level.DEBUG, "redis subscription: " + err.getMessage());
        conn.close();
      });
      conn.endHandler(v -> {
        ended.set(true);
        lost(client);
      });
      return conn.send(Request.cmd(Command.SUBSCRIBE).arg(prefix + "mem:changes"))
          .onFailure(err -> conn.close())
          .map(ok -> new Subscription(client, conn, endpoint));
    }).onComplete(result -> {
      if (result.succeeded() && !closed && !ended.get()) {
        memberships.invalidateAll(); // announcements may have been missed while not subscribed
        subscription = result.result();
        subscribing = false;
      } else {
        if (result.succeeded()) {
          result.result().connection().close();
        }
        client.close();
        subscribing = false;
        if (!closed) {
          vertx.setTimer(500, id -> subscribe());
        }
      }
    });
  }

  /** The subscription's connection ended: close its client, forget cached memberships, subscribe again. */
  private void lost(Redis client) {
    client.close();
    Subscription current = subscription;
    if (current != null && current.client() == client) {
      subscription = null;
      memberships.invalidateAll();
      if (!closed) {
        vertx.setTimer(200, id -> subscribe());
      }
    }
  }

  /** The node the subscription is on, or null; for tests. */
  String subscriptionEndpoint() {
    Subscription current = subscription;
    return current == null ? null : current.endpoint();
  }

  /** One command to the master of {@code key}, bounded by the timeout, measured. */
  private Future<Response> send(String op, String key, Request request) {
    return bounded(op, routing.send(key, request), timeoutMillis);
  }

  private <T> Future<T> bounded(String op, Future<T> work, long millis) {
    long started = System.nanoTime();
    Promise<T> promise = Promise.promise();
    long timer = vertx.setTimer(millis, id -> promise.tryFail(new TimeoutException("redis " + op + " timed out")));
    work.onComplete(result -> {
      vertx.cancelTimer(timer);
      if (result.succeeded()) {
        promise.tryComplete(result.result());
      } else {
        promise.tryFail(result.cause());
      }
    });
    return promise.future().andThen(result -> listener.redis(op, System.nanoTime() - started, result.failed()));
  }

  /**
   * A write the admin asked for: acknowledged only when {@code wait_replicas} replicas hold it too (WAIT on the same
   * connection), so a failover right after cannot lose it. Every write is idempotent: repeating it is safe.
   */
  private Future<Void> write(String op, String key, Request request) {
    if (waitReplicas == 0) {
      return send(op, key, request).mapEmpty();
    }
    List<Request> commands = List.of(request, Request.cmd(Command.WAIT).arg(waitReplicas).arg(timeoutMillis));
    return bounded(op, routing.batch(key, commands), 2 * timeoutMillis + 100).compose(replies -> {
      long acknowledged = replies.get(1) == null ? 0 : replies.get(1).toLong();
      return acknowledged >= waitReplicas ? Future.succeededFuture()
          : Future.failedFuture(new NotReplicated(op, acknowledged, waitReplicas));
    });
  }

  /** A write the master took but too few replicas confirmed in time: it may be lost in a failover. */
  public static final class NotReplicated extends RuntimeException {
    NotReplicated(String op, long acknowledged, int wanted) {
      super("redis " + op + " reached " + acknowledged + " of " + wanted + " replicas in time", null, false, false);
    }
  }

  public Future<Void> ping() {
    return bounded("ping", routing.ping(), timeoutMillis);
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
    Future<Response> byJti = jti == null ? Future.succeededFuture(null) : send("get", prefix + "rev:jti:" + jti, Request.cmd(Command.GET).arg(prefix + "rev:jti:" + jti));
    Future<Response> byUser = user == null ? Future.succeededFuture(null) : send("get", prefix + "rev:user:" + user, Request.cmd(Command.GET).arg(prefix + "rev:user:" + user));
    Future<Response> byTenant = tenant == null ? Future.succeededFuture(null) : send("get", prefix + "rev:tenant:" + tenant, Request.cmd(Command.GET).arg(prefix + "rev:tenant:" + tenant));
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
    String key = prefix + "rev:jti:" + jti;
    return write("set", key, Request.cmd(Command.SET).arg(key).arg("1").arg("EXAT").arg(expiresAt));
  }

  @Override
  public Future<Void> revokeUser(String user, long before) {
    return raise(prefix + "rev:user:" + user, before);
  }

  @Override
  public Future<Void> revokeTenant(String tenant, long before) {
    return raise(prefix + "rev:tenant:" + tenant, before);
  }

  private Future<Void> raise(String key, long before) {
    return write("eval", key, Request.cmd(Command.EVAL).arg(RAISE_SCRIPT).arg(1).arg(key).arg(before));
  }

  // ---------------------------------------------------------------------------------------------------------------
  // Memberships

  @Override
  public Future<Map<String, List<String>>> memberships(String user) {
    Map<String, List<String>> cached = memberships.getIfPresent(user);
    if (cached != null) {
      return Future.succeededFuture(cached);
    }
    String key = prefix + "mem:" + user;
    return send("hgetall", key, Request.cmd(Command.HGETALL).arg(key)).map(response -> {
      Map<String, List<String>> found = new LinkedHashMap<>();
      if (response != null) {
        for (String tenant : response.getKeys()) {
          String roles = response.get(tenant).toString();
          found.put(tenant, roles.isEmpty() ? List.of() : Arrays.asList(roles.split(",")));
        }
      }
      Map<String, List<String>> result = Map.copyOf(found);
      if (subscription != null) {
        memberships.put(user, result); // cache only while announcements can reach us
      }
      return result;
    });
  }

  @Override
  public Future<Void> set(String user, String tenant, List<String> roles) {
    String key = prefix + "mem:" + user;
    return write("hset", key, Request.cmd(Command.HSET).arg(key).arg(tenant).arg(String.join(",", roles)))
        .compose(v -> announce(user));
  }

  @Override
  public Future<Void> remove(String user, String tenant) {
    String key = prefix + "mem:" + user;
    return write("hdel", key, Request.cmd(Command.HDEL).arg(key).arg(tenant)).compose(v -> announce(user));
  }

  private Future<Void> announce(String user) {
    memberships.invalidate(user);
    String channel = prefix + "mem:changes";
    return send("publish", channel, Request.cmd(Command.PUBLISH).arg(channel).arg(user)).mapEmpty();
  }

  // ---------------------------------------------------------------------------------------------------------------
  // Rate limits

  @Override
  public Future<Outcome> acquire(String key, long limit, long windowMillis) {
    String counter = prefix + "rl:" + key;
    return send("eval", counter, Request.cmd(Command.EVAL).arg(WINDOW_SCRIPT).arg(1).arg(counter).arg(windowMillis))
        .map(response -> {
          long count = response.get(0).toLong();
          long ttl = response.get(1).toLong();
          return new Outcome(count <= limit, limit, Math.max(0, limit - count), Math.max(1, (ttl + 999) / 1000));
        });
  }

  public Future<Void> close() {
    closed = true;
    List<Future<Void>> closing = new ArrayList<>();
    Subscription current = subscription;
    subscription = null;
    if (current != null) {
      closing.add(current.connection().close().eventually(() -> current.client().close()));
    }
    closing.add(routing.close());
    return Future.join(closing).mapEmpty();
  }

  /** For tests and the admin command: how long commands may take. */
  public long timeoutMillis() {
    return timeoutMillis;
  }
}
