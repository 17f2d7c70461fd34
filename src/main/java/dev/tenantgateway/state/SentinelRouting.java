package dev.tenantgateway.state;

import dev.tenantgateway.config.GatewayConfig.RedisConfig;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.redis.client.Command;
import io.vertx.redis.client.Redis;
import io.vertx.redis.client.RedisOptions;
import io.vertx.redis.client.Request;
import io.vertx.redis.client.Response;
import io.vertx.redis.client.ResponseType;

import java.lang.System.Logger.Level;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Redis Sentinel: commands go to the master the sentinels name, through one long-lived pooled client. The master is
 * switched the moment a sentinel announces {@code +switch-master} (one subscription, on one sentinel at a time), and
 * is asked for every second and after a failed command in case an announcement was missed.
 */
final class SentinelRouting implements RedisRouting {

  private static final System.Logger LOG = System.getLogger(SentinelRouting.class.getName());
  private static final long REFRESH_MILLIS = 1000;
  private static final long MIN_REFRESH_GAP_MILLIS = 100;

  /** The current master and the client that reaches it. */
  private record Master(String endpoint, Redis client) {
  }

  private final Vertx vertx;
  private final RedisConfig config;
  private final String scheme;
  private final Map<String, Redis> sentinels = new ConcurrentHashMap<>();
  private final AtomicReference<Future<Void>> asking = new AtomicReference<>();
  private final AtomicInteger nextSentinel = new AtomicInteger();
  private volatile Master master;
  private volatile long lastAsked;
  private volatile boolean closed;
  private volatile Redis watchClient;
  private volatile boolean watching;
  private long periodic = -1;

  SentinelRouting(Vertx vertx, RedisConfig config) {
    this.vertx = vertx;
    this.config = config;
    this.scheme = config.endpoints().get(0).startsWith("rediss://") ? "rediss://" : "redis://";
  }

  @Override
  public Future<Void> start() {
    Future<Void> first = askSentinels();
    watch();
    periodic = vertx.setPeriodic(REFRESH_MILLIS, id -> askSentinels());
    return first;
  }

  @Override
  public Future<Response> send(String key, Request request) {
    Master current = master;
    if (current == null) {
      askSoon();
      return Future.failedFuture("the sentinels have not named a master yet");
    }
    return current.client().send(request).onFailure(err -> askSoon());
  }

  @Override
  public Future<List<Response>> batch(String key, List<Request> requests) {
    Master current = master;
    if (current == null) {
      askSoon();
      return Future.failedFuture("the sentinels have not named a master yet");
    }
    return current.client().connect().compose(conn -> conn.batch(requests).eventually(conn::close))
        .onFailure(err -> askSoon());
  }

  @Override
  public List<String> subscriptionEndpoints() {
    Master current = master;
    return current == null ? List.of() : List.of(current.endpoint());
  }

  @Override
  public RedisOptions nodeOptions(String endpoint, int poolSize) {
    return RedisRouting.optionsFor(config, endpoint, poolSize);
  }

  /** The master the sentinels name now (null until known); for tests and logs. */
  String masterEndpoint() {
    Master current = master;
    return current == null ? null : current.endpoint();
  }

  // ---------------------------------------------------------------------------------------------------------------
  // Following the master

  private void askSoon() {
    if (System.currentTimeMillis() - lastAsked >= MIN_REFRESH_GAP_MILLIS) {
      askSentinels();
    }
  }

  private Future<Void> askSentinels() {
    if (closed) {
      return Future.succeededFuture();
    }
    Promise<Void> promise = Promise.promise();
    if (!asking.compareAndSet(null, promise.future())) {
      return asking.get();
    }
    lastAsked = System.currentTimeMillis();
    ask(0).onComplete(result -> {
      asking.set(null);
      if (result.succeeded()) {
        switchTo(result.result());
        promise.complete();
      } else {
        promise.fail(result.cause());
      }
    });
    return promise.future();
  }

  private Future<String> ask(int index) {
    List<String> endpoints = config.endpoints();
    if (index >= endpoints.size()) {
      return Future.failedFuture("no sentinel answers for master " + config.masterName());
    }
    Promise<Response> reply = Promise.promise();
    long timer = vertx.setTimer(config.timeout().toMillis(), id -> reply.tryFail("sentinel timed out"));
    sentinel(endpoints.get(index)).send(Request.cmd(Command.SENTINEL).arg("GET-MASTER-ADDR-BY-NAME").arg(config.masterName()))
        .onComplete(r -> {
          vertx.cancelTimer(timer);
          if (r.succeeded() && r.result() != null && r.result().size() == 2) {
            reply.tryComplete(r.result());
          } else {
            reply.tryFail(r.succeeded() ? new IllegalStateException("unknown master " + config.masterName()) : r.cause());
          }
        });
    return reply.future().map(address -> endpoint(address.get(0).toString(), address.get(1).toString()))
        .recover(err -> ask(index + 1));
  }

  private String endpoint(String host, String port) {
    return scheme + (host.contains(":") ? "[" + host + "]" : host) + ":" + port;
  }

  private synchronized void switchTo(String endpoint) {
    if (closed) {
      return;
    }
    Master previous = master;
    if (previous != null && previous.endpoint().equals(endpoint)) {
      return;
    }
    master = new Master(endpoint, Redis.createClient(vertx, RedisRouting.optionsFor(config, endpoint, 32)));
    LOG.log(previous == null ? Level.DEBUG : Level.INFO, "Redis master for " + config.masterName() + " is " + endpoint);
    if (previous != null) {
      // commands already sent to the old master finish (or time out) before its client goes
      vertx.setTimer(Math.max(1000, 4 * config.timeout().toMillis()), id -> previous.client().close());
    }
  }

  private Redis sentinel(String endpoint) {
    return sentinels.computeIfAbsent(endpoint, e -> {
      RedisOptions options = RedisRouting.optionsFor(config, e, 4);
      options.setPassword(null); // sentinels have their own password, given in their URL when they need one
      return Redis.createClient(vertx, options);
    });
  }

  /** One subscription to {@code +switch-master}, on one sentinel at a time, closed before it is replaced. */
  private void watch() {
    if (closed || watching) {
      return;
    }
    watching = true;
    List<String> endpoints = config.endpoints();
    String endpoint = endpoints.get(Math.floorMod(nextSentinel.getAndIncrement(), endpoints.size()));
    RedisOptions options = RedisRouting.optionsFor(config, endpoint, 1);
    options.setPassword(null);
    Redis client = Redis.createClient(vertx, options);
    watchClient = client;
    client.connect().compose(conn -> {
      conn.handler(message -> onAnnouncement(message));
      conn.exceptionHandler(err -> conn.close());
      conn.endHandler(v -> rewatch(client));
      return conn.send(Request.cmd(Command.SUBSCRIBE).arg("+switch-master"))
          .onFailure(err -> conn.close()).map(conn);
    }).onFailure(err -> rewatch(client));
  }

  private void rewatch(Redis client) {
    client.close();
    if (watchClient == client) {
      watching = false;
      if (!closed) {
        vertx.setTimer(500, id -> watch());
      }
    }
  }

  private void onAnnouncement(Response message) {
    // ["message", "+switch-master", "<name> <old ip> <old port> <new ip> <new port>"]
    if ((message.type() == ResponseType.PUSH || message.type() == ResponseType.MULTI) && message.size() >= 3
        && "message".equals(message.get(0).toString())) {
      String[] parts = message.get(2).toString().split(" ");
      if (parts.length == 5 && parts[0].equals(config.masterName())) {
        switchTo(endpoint(parts[3], parts[4]));
      }
    }
  }

  @Override
  public Future<Void> close() {
    closed = true;
    vertx.cancelTimer(periodic);
    Redis watcher = watchClient;
    if (watcher != null) {
      watcher.close();
    }
    sentinels.values().forEach(Redis::close);
    Master current = master;
    return current == null ? Future.succeededFuture() : current.client().close();
  }
}
