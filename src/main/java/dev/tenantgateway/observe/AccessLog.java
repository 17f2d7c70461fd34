package dev.tenantgateway.observe;

import dev.tenantgateway.pipeline.Exchange;
import io.vertx.core.json.JsonObject;

import java.io.BufferedWriter;
import java.io.IOException;
import java.io.OutputStream;
import java.io.OutputStreamWriter;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * One JSON line per request: time, request id, method, route id, canonical path, status, decision ({@code allowed} or
 * the code of the denial or failure, the value the metrics use), tenant, user, upstream, latency, and the trace id
 * while tracing is on. Tokens and secrets are never part of it. Lines go through a bounded queue to a
 * writer thread, so a slow stdout never blocks an event loop; when the queue is full, lines are dropped and counted.
 */
public final class AccessLog implements AutoCloseable {

  private static final int CAPACITY = 65_536;

  private final BlockingQueue<String> queue = new ArrayBlockingQueue<>(CAPACITY);
  private final AtomicLong dropped = new AtomicLong();
  private final Thread writer;
  private volatile boolean running = true;

  public AccessLog(OutputStream out) {
    BufferedWriter sink = new BufferedWriter(new OutputStreamWriter(out, StandardCharsets.UTF_8), 64 * 1024);
    writer = new Thread(() -> drain(sink), "access-log");
    writer.setDaemon(true);
    writer.start();
  }

  public void log(Exchange exchange, int status) {
    JsonObject line = new JsonObject()
        .put("time", Instant.now().toString())
        .put("request_id", exchange.requestId)
        .put("method", exchange.method)
        .put("route", exchange.route)
        .put("path", exchange.path)
        .put("status", status)
        .put("decision", exchange.decision) // the same value as the decision label of gateway_requests_total
        .put("tenant", exchange.tenant)
        .put("user", exchange.user)
        .put("upstream", exchange.upstream)
        .put("latency_ms", (System.nanoTime() - exchange.startNanos) / 1_000_000.0);
    if (exchange.target != null) {
      line.put("target", exchange.target); // a pool of several targets: the one that got the request
    }
    if (exchange.traceId != null) {
      line.put("trace_id", exchange.traceId); // tracing on: the trace to look up
    }
    if (!queue.offer(line.encode())) {
      dropped.incrementAndGet();
    }
  }

  public long dropped() {
    return dropped.get();
  }

  private void drain(BufferedWriter sink) {
    try {
      while (running || !queue.isEmpty()) {
        String line = queue.poll(200, TimeUnit.MILLISECONDS);
        if (line == null) {
          continue;
        }
        sink.write(line);
        sink.newLine();
        while ((line = queue.poll()) != null) {
          sink.write(line);
          sink.newLine();
        }
        sink.flush();
      }
      sink.flush();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } catch (IOException e) {
      System.err.println("access log: cannot write: " + e.getMessage());
    }
  }

  /** Writes what is queued, then stops. */
  @Override
  public void close() {
    running = false;
    try {
      writer.join(2000);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
