package dev.tenantgateway.state;

import io.vertx.core.Vertx;
import io.vertx.redis.client.Command;
import io.vertx.redis.client.Redis;
import io.vertx.redis.client.RedisOptions;
import io.vertx.redis.client.Request;
import io.vertx.redis.client.Response;
import redis.embedded.core.ExecutableProvider;

import java.io.File;
import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Real Redis processes from the embedded-redis artifact's redis-server binary (Redis 6.2: cluster and sentinel modes,
 * no sharded pub/sub), each in its own directory so a killed node restarts with its cluster state. Set up with plain
 * commands (CLUSTER MEET / ADDSLOTS / REPLICATE; REPLICAOF; sentinel monitor) since redis-cli is not shipped.
 */
final class RedisProcesses implements AutoCloseable {

  private static File binary;

  /** One redis-server (or sentinel) process that can be killed and started again on the same port and directory. */
  final class Node {
    final int port;
    final Path dir;
    final boolean sentinel;
    private Process process;

    Node(int port, Path dir, boolean sentinel) {
      this.port = port;
      this.dir = dir;
      this.sentinel = sentinel;
    }

    String url() {
      return "redis://127.0.0.1:" + port;
    }

    synchronized void start() throws Exception {
      List<String> command = new ArrayList<>(List.of(binary.getAbsolutePath(), dir.resolve("redis.conf").toString()));
      if (sentinel) {
        command.add("--sentinel");
      }
      process = new ProcessBuilder(command).directory(dir.toFile()).redirectErrorStream(true)
          .redirectOutput(ProcessBuilder.Redirect.appendTo(dir.resolve("redis.log").toFile())).start();
      awaitTrue(10_000, () -> {
        try {
          return "PONG".equals(String.valueOf(call(Request.cmd(Command.PING))));
        } catch (Exception notYet) {
          return false;
        }
      }, "redis on port " + port + " answers PING");
    }

    /** Kills the process (SIGKILL: no goodbye to clients or the cluster) and waits until it is gone. */
    synchronized void kill() throws Exception {
      if (process != null) {
        process.destroyForcibly();
        process.waitFor(10, TimeUnit.SECONDS);
        process = null;
      }
    }

    boolean alive() {
      return process != null && process.isAlive();
    }

    /** One command on a short-lived connection. */
    Response call(Request request) throws Exception {
      Redis client = Redis.createClient(vertx, new RedisOptions().setConnectionString(url()));
      try {
        return client.send(request).await(5, TimeUnit.SECONDS);
      } finally {
        client.close().await(5, TimeUnit.SECONDS);
      }
    }

    String info(String section, String field) throws Exception {
      for (String line : call(Request.cmd(Command.INFO).arg(section)).toString().split("\r?\n")) {
        if (line.startsWith(field + ":")) {
          return line.substring(field.length() + 1).trim();
        }
      }
      return null;
    }
  }

  private final Vertx vertx;
  private final Path root;
  final List<Node> nodes = new ArrayList<>();

  RedisProcesses(Vertx vertx) throws IOException {
    this.vertx = vertx;
    this.root = Files.createTempDirectory("redis-topology");
    synchronized (RedisProcesses.class) {
      if (binary == null) {
        binary = ExecutableProvider.newJarResourceProvider().get();
        binary.setExecutable(true);
      }
    }
  }

  /** A new node with these redis.conf lines (port, bind, dir and no snapshots are added). */
  Node node(boolean sentinel, String... config) throws Exception {
    int port = freePort();
    Path dir = Files.createDirectories(root.resolve("node-" + port));
    List<String> lines = new ArrayList<>(List.of("port " + port, "bind 127.0.0.1", "dir " + dir, "save \"\"",
        "appendonly no", "protected-mode no"));
    lines.addAll(List.of(config));
    Files.write(dir.resolve("redis.conf"), lines);
    Node node = new Node(port, dir, sentinel);
    nodes.add(node);
    node.start();
    return node;
  }

  static int freePort() throws IOException {
    try (ServerSocket s = new ServerSocket(0)) {
      return s.getLocalPort();
    }
  }

  /** Polls (on the test thread, with Vert.x timers) until the condition holds, or fails with what was expected. */
  void awaitTrue(long millis, Check condition, String what) throws Exception {
    long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(millis);
    while (!condition.holds()) {
      if (System.nanoTime() > deadline) {
        throw new AssertionError("timed out waiting until " + what);
      }
      vertx.timer(50).await(1, TimeUnit.SECONDS);
    }
  }

  /** A condition that may throw while the system settles. */
  interface Check {
    boolean holds() throws Exception;
  }

  /**
   * A Redis Cluster of {@code masters} masters with one replica each: nodes 0..masters-1 are the masters, node
   * masters+i replicates master i. Slots are split evenly.
   */
  List<Node> cluster(int masters, long nodeTimeoutMillis) throws Exception {
    List<Node> cluster = new ArrayList<>();
    for (int i = 0; i < 2 * masters; i++) {
      cluster.add(node(false, "cluster-enabled yes", "cluster-config-file nodes.conf",
          "cluster-node-timeout " + nodeTimeoutMillis, "cluster-replica-validity-factor 0",
          "cluster-require-full-coverage no"));
    }
    Node first = cluster.get(0);
    for (Node node : cluster.subList(1, cluster.size())) {
      node.call(Request.cmd(Command.CLUSTER).arg("MEET").arg("127.0.0.1").arg(first.port));
    }
    for (int i = 0; i < masters; i++) {
      Request add = Request.cmd(Command.CLUSTER).arg("ADDSLOTS");
      int from = i * ClusterRouting.SLOTS / masters;
      int to = (i + 1) * ClusterRouting.SLOTS / masters;
      for (int slot = from; slot < to; slot++) {
        add.arg(slot);
      }
      cluster.get(i).call(add);
    }
    awaitTrue(20_000, () -> {
      for (Node node : cluster) {
        String nodes = node.call(Request.cmd(Command.CLUSTER).arg("NODES")).toString();
        if (nodes.lines().count() != cluster.size() || nodes.contains("handshake") || nodes.contains("noaddr")) {
          return false;
        }
      }
      return true;
    }, "every node knows every other");
    for (int i = 0; i < masters; i++) {
      String masterId = cluster.get(i).call(Request.cmd(Command.CLUSTER).arg("MYID")).toString();
      cluster.get(masters + i).call(Request.cmd(Command.CLUSTER).arg("REPLICATE").arg(masterId));
    }
    awaitHealthy(cluster, masters);
    return cluster;
  }

  /** Waits until every live node says the cluster is ok and every slot range has a master and a live replica. */
  void awaitHealthy(List<Node> cluster, int masters) throws Exception {
    awaitTrue(30_000, () -> {
      for (Node node : cluster) {
        if (!node.alive()) {
          continue;
        }
        if (!node.call(Request.cmd(Command.CLUSTER).arg("INFO")).toString().contains("cluster_state:ok")) {
          return false;
        }
        Response slots = node.call(Request.cmd(Command.CLUSTER).arg("SLOTS"));
        if (slots.size() != masters) {
          return false;
        }
        for (Response range : slots) {
          if (range.size() < 4) {
            return false; // no replica listed yet
          }
        }
      }
      for (Node node : cluster) {
        if (node.alive() && "slave".equals(node.info("replication", "role"))
            && !"up".equals(node.info("replication", "master_link_status"))) {
          return false;
        }
      }
      return true;
    }, "the cluster is healthy with a replica for each master");
  }

  /** A master, its replica, and three sentinels watching them under {@code name}. */
  record Sentinels(Node master, Node replica, List<Node> sentinels) {
  }

  Sentinels sentinels(String name, long downAfterMillis) throws Exception {
    Node master = node(false);
    Node replica = node(false, "replicaof 127.0.0.1 " + master.port);
    List<Node> sentinels = new ArrayList<>();
    for (int i = 0; i < 3; i++) {
      sentinels.add(node(true, "sentinel monitor " + name + " 127.0.0.1 " + master.port + " 2",
          "sentinel down-after-milliseconds " + name + " " + downAfterMillis,
          "sentinel failover-timeout " + name + " 5000", "sentinel parallel-syncs " + name + " 1"));
    }
    awaitTrue(30_000, () -> {
      for (Node sentinel : sentinels) {
        if (sentinel.call(Request.cmd(Command.SENTINEL).arg("SENTINELS").arg(name)).size() != 2
            || sentinel.call(Request.cmd(Command.SENTINEL).arg("REPLICAS").arg(name)).size() != 1) {
          return false;
        }
      }
      return "up".equals(replica.info("replication", "master_link_status"));
    }, "the sentinels know each other and the replica");
    return new Sentinels(master, replica, sentinels);
  }

  @Override
  public void close() throws Exception {
    for (Node node : nodes) {
      node.kill();
    }
  }
}
