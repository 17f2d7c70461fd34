package dev.tenantgateway.state;

import dev.tenantgateway.config.GatewayConfig.RedisConfig;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.redis.client.Command;
import io.vertx.redis.client.Redis;
import io.vertx.redis.client.RedisClientType;
import io.vertx.redis.client.RedisOptions;
import io.vertx.redis.client.Request;
import io.vertx.redis.client.Response;

import java.util.List;

/**
 * Where a command goes: to the master that serves its key, found the way the deployment type says (one address; the
 * sentinels; the cluster's slot table). Connections are long-lived and pooled per master node and nothing ever waits
 * for a replica, so losing a replica costs nothing and losing a master costs only the commands for its keys until the
 * deployment has promoted another one.
 */
interface RedisRouting {

  static RedisRouting create(Vertx vertx, RedisConfig config) {
    return switch (config.type()) {
      case "sentinel" -> new SentinelRouting(vertx, config);
      case "cluster" -> new ClusterRouting(vertx, config);
      default -> new StandaloneRouting(vertx, config);
    };
  }

  /**
   * Starts following the topology; completes when it was first read (failed when it could not be: the routing keeps
   * trying, and until then commands fail fast).
   */
  Future<Void> start();

  /** One command to the master serving {@code key} (any master when null). */
  Future<Response> send(String key, Request request);

  /** Commands sent in order on one connection to the master serving {@code key} (WAIT needs the same connection). */
  Future<List<Response>> batch(String key, List<Request> requests);

  /** Succeeds when a master answers PING. */
  default Future<Void> ping() {
    return send(null, Request.cmd(Command.PING)).mapEmpty();
  }

  /** The nodes a pub/sub subscription may use, best first. */
  List<String> subscriptionEndpoints();

  /** Options for a dedicated client to one node (a subscription). */
  RedisOptions nodeOptions(String endpoint, int poolSize);

  Future<Void> close();

  /** Options for a standalone client to one node, with the configured password and bounds. */
  static RedisOptions optionsFor(RedisConfig config, String endpoint, int poolSize) {
    RedisOptions options = new RedisOptions()
        .setType(RedisClientType.STANDALONE)
        .setConnectionString(endpoint)
        .setMaxPoolSize(poolSize)
        .setMaxPoolWaiting(1024)
        .setMaxWaitingHandlers(4096);
    if (config.password() != null) {
      options.setPassword(config.password());
    }
    options.getNetClientOptions().setConnectTimeout((int) Math.max(100, config.timeout().toMillis()));
    return options;
  }

  /** A Redis error reply's first word (MOVED, ASK, READONLY, CLUSTERDOWN...), or null for other failures. */
  static String errorCode(Throwable failure) {
    String message = failure.getMessage();
    if (message == null || message.isEmpty()) {
      return null;
    }
    int space = message.indexOf(' ');
    String word = space < 0 ? message : message.substring(0, space);
    return word.chars().allMatch(c -> c >= 'A' && c <= 'Z') && word.length() >= 3 ? word : null;
  }

  /** The standalone deployment: one address. */
  final class StandaloneRouting implements RedisRouting {
    private final RedisConfig config;
    private final Redis client;

    StandaloneRouting(Vertx vertx, RedisConfig config) {
      this.config = config;
      this.client = Redis.createClient(vertx, optionsFor(config, config.endpoints().get(0), 32));
    }

    @Override
    public Future<Void> start() {
      return Future.succeededFuture();
    }

    @Override
    public Future<Response> send(String key, Request request) {
      return client.send(request);
    }

    @Override
    public Future<List<Response>> batch(String key, List<Request> requests) {
      return client.connect().compose(conn -> conn.batch(requests).eventually(conn::close));
    }

    @Override
    public List<String> subscriptionEndpoints() {
      return List.of(config.endpoints().get(0));
    }

    @Override
    public RedisOptions nodeOptions(String endpoint, int poolSize) {
      return RedisRouting.optionsFor(config, endpoint, poolSize);
    }

    @Override
    public Future<Void> close() {
      return client.close();
    }
  }
}
