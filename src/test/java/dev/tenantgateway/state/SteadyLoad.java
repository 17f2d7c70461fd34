package dev.tenantgateway.state;

import dev.tenantgateway.support.GatewayFixture;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.PoolOptions;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Steady, bounded loopback load: one request every {@code periodMillis}, alternating between the gateways and cycling
 * through distinct tokens (so every request asks Redis: the revocation cache is per token), each answer recorded with
 * when it was sent.
 */
final class SteadyLoad {

  /**
   * One answer: when its request was sent and answered (ms since the load started), which gateway (index in the list)
   * answered, its status and problem code.
   */
  record Answer(long sentAtMillis, long answeredAtMillis, int gateway, int status, String code) {
  }

  private final Vertx vertx;
  private final long started = System.nanoTime();
  private final List<Answer> answers = new CopyOnWriteArrayList<>();
  private final AtomicInteger inFlight = new AtomicInteger();
  private final AtomicLong sent = new AtomicLong();
  private final List<HttpClient> clients = new ArrayList<>();
  private final long timer;

  SteadyLoad(Vertx vertx, List<GatewayFixture> gateways, String path, List<String> tokens, long periodMillis) {
    this.vertx = vertx;
    // a client per gateway whose pool never makes a request wait for a connection: each is sent when it is due, so
    // its latency is the gateway's
    for (GatewayFixture gateway : gateways) {
      clients.add(vertx.createHttpClient(new HttpClientOptions().setDefaultHost("127.0.0.1")
          .setDefaultPort(gateway.port()).setKeepAlive(true), new PoolOptions().setHttp1MaxSize(256)));
    }
    this.timer = vertx.setPeriodic(periodMillis, id -> {
      long n = sent.getAndIncrement();
      int index = (int) (n % gateways.size());
      GatewayFixture gateway = gateways.get(index);
      String token = tokens.get((int) (n % tokens.size()));
      long at = millis();
      inFlight.incrementAndGet();
      gateway.sendAsync(clients.get(index), HttpMethod.GET, path, token, null).onComplete(result -> {
        if (result.succeeded()) {
          String code = result.result().status() == 200 ? null : codeOf(result.result());
          answers.add(new Answer(at, millis(), index, result.result().status(), code));
        } else {
          answers.add(new Answer(at, millis(), index, -1, String.valueOf(result.cause())));
        }
        inFlight.decrementAndGet();
      });
    });
  }

  private static String codeOf(GatewayFixture.Response response) {
    try {
      return response.code();
    } catch (RuntimeException notJson) {
      return null;
    }
  }

  long millis() {
    return (System.nanoTime() - started) / 1_000_000;
  }

  /** Stops sending and waits until every request sent has its answer. */
  List<Answer> stop() throws Exception {
    vertx.cancelTimer(timer);
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
    while (inFlight.get() > 0 && System.nanoTime() < deadline) {
      vertx.timer(20).await(1, TimeUnit.SECONDS);
    }
    if (inFlight.get() > 0) {
      throw new AssertionError(inFlight.get() + " requests got no answer");
    }
    for (HttpClient client : clients) {
      client.close().await(10, TimeUnit.SECONDS);
    }
    List<Answer> all = new ArrayList<>(answers);
    all.sort(java.util.Comparator.comparingLong(Answer::sentAtMillis));
    return all;
  }

  /** Runs until it has answered only 200 for two seconds (at most 20 s), then stops and returns every answer. */
  List<Answer> untilRecovered(RedisProcesses redis, long sinceMillis) throws Exception {
    redis.awaitTrue(20_000, () -> recoveredSince(sinceMillis), "two seconds of successful requests");
    return stop();
  }

  /** Whether every request sent in the last two seconds (and more than 20 of them), all after {@code sinceMillis}, got 200. */
  boolean recoveredSince(long sinceMillis) {
    long now = millis();
    if (now - sinceMillis < 2500) {
      return false;
    }
    List<Answer> recent = soFar().stream()
        .filter(x -> x.sentAtMillis() > now - 2500 && x.sentAtMillis() < now - 500).toList();
    return recent.size() > 20 && recent.stream().allMatch(x -> x.status() == 200);
  }

  List<Answer> soFar() {
    return List.copyOf(answers);
  }

  /** The failed answers. */
  static List<Answer> failures(List<Answer> answers) {
    return answers.stream().filter(a -> a.status() != 200).toList();
  }

  /** From the fault to the last failed request sent, in ms (0 when none failed). */
  static long outageMillis(List<Answer> answers, long faultAtMillis) {
    List<Answer> failed = failures(answers);
    return failed.isEmpty() ? 0 : Math.max(0, failed.get(failed.size() - 1).sentAtMillis() - faultAtMillis);
  }
}
