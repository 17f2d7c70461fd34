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

import java.lang.System.Logger.Level;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Redis Cluster: commands go to the master of their key's hash slot, through one long-lived pooled client per master.
 * The slot table is read with {@code CLUSTER SLOTS} from any node that answers, every second and at once after a
 * redirect or a failed command, so a failover is followed as soon as the cluster has promoted a replica. Replicas are
 * never sent commands: losing one costs nothing. (The library's cluster client connects to every node listed in
 * {@code CLUSTER SLOTS} for each connection and fails when any is unreachable, which turns one dead replica into an
 * outage; hence this routing on top of standalone clients.)
 */
final class ClusterRouting implements RedisRouting {

  private static final System.Logger LOG = System.getLogger(ClusterRouting.class.getName());
  static final int SLOTS = 16384;
  private static final long REFRESH_MILLIS = 1000;
  private static final long MIN_REFRESH_GAP_MILLIS = 100;

  /** The slot table as last read: the master endpoint of each slot, and every node seen. */
  private record Layout(String[] masterOfSlot, List<String> masters, List<String> nodes) {
    static final Layout EMPTY = new Layout(new String[SLOTS], List.of(), List.of());
  }

  private final Vertx vertx;
  private final RedisConfig config;
  private final String scheme;
  private final Map<String, Redis> clients = new ConcurrentHashMap<>();
  private final AtomicReference<Future<Void>> refreshing = new AtomicReference<>();
  private volatile Layout layout = Layout.EMPTY;
  private volatile long lastRefreshStarted;
  private volatile boolean closed;
  private long periodic = -1;

  ClusterRouting(Vertx vertx, RedisConfig config) {
    this.vertx = vertx;
    this.config = config;
    this.scheme = config.endpoints().get(0).startsWith("rediss://") ? "rediss://" : "redis://";
  }

  @Override
  public Future<Void> start() {
    Future<Void> first = refresh();
    periodic = vertx.setPeriodic(REFRESH_MILLIS, id -> refresh());
    return first;
  }

  // ---------------------------------------------------------------------------------------------------------------
  // Commands

  @Override
  public Future<Response> send(String key, Request request) {
    String endpoint = masterFor(key);
    if (endpoint == null) {
      refreshSoon();
      return Future.failedFuture("no Redis Cluster master is known for the key's slot yet");
    }
    return client(endpoint).send(request).recover(failure -> redirected(failure, request, null));
  }

  @Override
  public Future<List<Response>> batch(String key, List<Request> requests) {
    String endpoint = masterFor(key);
    if (endpoint == null) {
      refreshSoon();
      return Future.failedFuture("no Redis Cluster master is known for the key's slot yet");
    }
    return batchAt(endpoint, requests).recover(failure -> redirected(failure, null, requests));
  }

  private Future<List<Response>> batchAt(String endpoint, List<Request> requests) {
    return client(endpoint).connect().compose(conn -> conn.batch(requests).eventually(conn::close));
  }

  /** Follows one MOVED or ASK redirect; any other failure makes the table be read again and is passed on. */
  @SuppressWarnings("unchecked")
  private <T> Future<T> redirected(Throwable failure, Request request, List<Request> requests) {
    String code = RedisRouting.errorCode(failure);
    if (!"MOVED".equals(code) && !"ASK".equals(code)) {
      refreshSoon();
      return Future.failedFuture(failure);
    }
    String[] parts = failure.getMessage().split(" ");
    if (parts.length < 3) {
      return Future.failedFuture(failure);
    }
    String target = scheme + parts[2];
    if ("MOVED".equals(code)) {
      refreshSoon();
      return (Future<T>) (request != null ? client(target).send(request) : batchAt(target, requests));
    }
    // ASK (a slot being migrated): ASKING and the command on one connection of the target
    List<Request> asking = new ArrayList<>();
    asking.add(Request.cmd(Command.ASKING));
    asking.addAll(request != null ? List.of(request) : requests);
    Future<List<Response>> replies = batchAt(target, asking).map(all -> all.subList(1, all.size()));
    return (Future<T>) (request != null ? replies.map(all -> all.get(0)) : replies);
  }

  private String masterFor(String key) {
    Layout current = layout;
    if (key == null) {
      List<String> masters = current.masters();
      return masters.isEmpty() ? null : masters.get((int) (System.nanoTime() % masters.size()));
    }
    return current.masterOfSlot()[slot(key)];
  }

  private Redis client(String endpoint) {
    return clients.computeIfAbsent(endpoint, e -> Redis.createClient(vertx, RedisRouting.optionsFor(config, e, 32)));
  }

  /** Ready when any master answers: a dead master stops only its own slots, not the whole gateway. */
  @Override
  public Future<Void> ping() {
    List<String> masters = layout.masters();
    if (masters.isEmpty()) {
      refreshSoon();
      return Future.failedFuture("no Redis Cluster master is known yet");
    }
    List<Future<Response>> pings = masters.stream().map(m -> client(m).send(Request.cmd(Command.PING))).toList();
    return Future.any(pings).mapEmpty();
  }

  @Override
  public List<String> subscriptionEndpoints() {
    Layout current = layout;
    Set<String> candidates = new LinkedHashSet<>(current.masters());
    candidates.addAll(current.nodes());
    candidates.addAll(config.endpoints());
    return List.copyOf(candidates);
  }

  @Override
  public RedisOptions nodeOptions(String endpoint, int poolSize) {
    return RedisRouting.optionsFor(config, endpoint, poolSize);
  }

  // ---------------------------------------------------------------------------------------------------------------
  // The slot table

  private void refreshSoon() {
    if (System.currentTimeMillis() - lastRefreshStarted >= MIN_REFRESH_GAP_MILLIS) {
      refresh();
    }
  }

  /** Reads the slot table from the first node that answers; one read at a time. */
  private Future<Void> refresh() {
    if (closed) {
      return Future.succeededFuture();
    }
    Promise<Void> promise = Promise.promise();
    if (!refreshing.compareAndSet(null, promise.future())) {
      return refreshing.get();
    }
    lastRefreshStarted = System.currentTimeMillis();
    Set<String> sources = new LinkedHashSet<>(layout.masters());
    sources.addAll(layout.nodes());
    sources.addAll(config.endpoints());
    readFrom(new ArrayList<>(sources), 0).onComplete(result -> {
      refreshing.set(null);
      if (result.succeeded()) {
        install(result.result());
        promise.complete();
      } else {
        promise.fail(result.cause());
      }
    });
    return promise.future();
  }

  private Future<Layout> readFrom(List<String> sources, int index) {
    if (index >= sources.size()) {
      return Future.failedFuture("no Redis Cluster node answers CLUSTER SLOTS");
    }
    String source = sources.get(index);
    Promise<Response> reply = Promise.promise();
    long timer = vertx.setTimer(config.timeout().toMillis(), id -> reply.tryFail("CLUSTER SLOTS timed out"));
    client(source).send(Request.cmd(Command.CLUSTER).arg("SLOTS")).onComplete(r -> {
      vertx.cancelTimer(timer);
      if (r.succeeded()) {
        reply.tryComplete(r.result());
      } else {
        reply.tryFail(r.cause());
      }
    });
    return reply.future().map(slots -> parse(source, slots)).recover(err -> readFrom(sources, index + 1));
  }

  private Layout parse(String source, Response reply) {
    String[] masterOfSlot = new String[SLOTS];
    Set<String> masters = new LinkedHashSet<>();
    Set<String> nodes = new LinkedHashSet<>();
    String sourceHost = URI.create(source).getHost();
    for (Response range : reply) {
      int start = range.get(0).toInteger();
      int end = range.get(1).toInteger();
      for (int i = 2; i < range.size(); i++) {
        Response node = range.get(i);
        String host = node.get(0) == null || node.get(0).toString().isEmpty() ? sourceHost : node.get(0).toString();
        String endpoint = scheme + (host.contains(":") ? "[" + host + "]" : host) + ":" + node.get(1).toInteger();
        nodes.add(endpoint);
        if (i == 2) {
          masters.add(endpoint);
          for (int slot = start; slot <= end; slot++) {
            masterOfSlot[slot] = endpoint;
          }
        }
      }
    }
    if (masters.isEmpty()) {
      throw new IllegalStateException("the cluster serves no slots");
    }
    return new Layout(masterOfSlot, List.copyOf(masters), List.copyOf(nodes));
  }

  private void install(Layout next) {
    Layout previous = layout;
    layout = next;
    if (!previous.masters().equals(next.masters())) {
      LOG.log(Level.INFO, "Redis Cluster masters: " + next.masters());
    }
    // clients of nodes that left the cluster go, a little later (commands in flight finish)
    for (String endpoint : List.copyOf(clients.keySet())) {
      if (!next.nodes().contains(endpoint) && !config.endpoints().contains(endpoint)) {
        vertx.setTimer(5_000, id -> {
          if (!layout.nodes().contains(endpoint)) {
            Redis gone = clients.remove(endpoint);
            if (gone != null) {
              gone.close();
            }
          }
        });
      }
    }
  }

  @Override
  public Future<Void> close() {
    closed = true;
    vertx.cancelTimer(periodic);
    List<Future<Void>> closing = new ArrayList<>();
    clients.values().forEach(c -> closing.add(c.close()));
    clients.clear();
    return Future.join(closing).mapEmpty();
  }

  // ---------------------------------------------------------------------------------------------------------------
  // Hash slots (the Redis Cluster specification: CRC16-XMODEM of the key, or of its {hash tag}, modulo 16384)

  static int slot(String key) {
    byte[] bytes = key.getBytes(StandardCharsets.UTF_8);
    int from = 0;
    int to = bytes.length;
    for (int open = 0; open < bytes.length; open++) {
      if (bytes[open] == '{') {
        for (int close = open + 1; close < bytes.length; close++) {
          if (bytes[close] == '}') {
            if (close > open + 1) {
              from = open + 1;
              to = close;
            }
            break;
          }
        }
        break;
      }
    }
    return crc16(bytes, from, to) & (SLOTS - 1);
  }

  static int crc16(byte[] bytes, int from, int to) {
    int crc = 0;
    for (int i = from; i < to; i++) {
      crc ^= (bytes[i] & 0xff) << 8;
      for (int bit = 0; bit < 8; bit++) {
        crc = (crc & 0x8000) != 0 ? (crc << 1) ^ 0x1021 : crc << 1;
      }
    }
    return crc & 0xffff;
  }
}
