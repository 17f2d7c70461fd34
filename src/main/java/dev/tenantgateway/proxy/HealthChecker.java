package dev.tenantgateway.proxy;

import dev.tenantgateway.config.GatewayConfig.HealthCheck;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.RequestOptions;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * The active health check of one upstream: {@code GET path} on every target each interval, on its own small client
 * (so a check neither waits for nor takes a connection from the request pool), never on the request path. One check
 * per target at a time; each is bounded by {@code timeout} as a whole (connect, head and body).
 */
final class HealthChecker {

  private final Vertx vertx;
  private final HttpClient client;
  private final HealthCheck check;
  private final List<Long> timers = new ArrayList<>();
  private volatile boolean closed;

  private HealthChecker(Vertx vertx, HttpClient client, HealthCheck check) {
    this.vertx = vertx;
    this.client = client;
    this.check = check;
  }

  static HealthChecker start(Vertx vertx, String upstream, HttpClient client, HealthCheck check, List<Target> targets) {
    HealthChecker checker = new HealthChecker(vertx, client, check);
    long interval = check.interval().toMillis();
    for (Target target : targets) {
      boolean[] running = {false};
      RequestOptions probe = new RequestOptions(target.origin())
          .setMethod(HttpMethod.GET)
          .setURI(check.path())
          .setConnectTimeout(check.timeout().toMillis())
          .setIdleTimeout(check.timeout().toMillis());
      // the first check at once, the next ones each interval
      checker.timers.add(vertx.setPeriodic(1, interval, id -> {
        if (running[0] || checker.closed) {
          return;
        }
        running[0] = true;
        checker.probe(probe).onComplete(passed -> {
          running[0] = false;
          if (!checker.closed) {
            target.checked(passed.succeeded() && passed.result(), check);
          }
        });
      }));
    }
    return checker;
  }

  /** Passed: a 2xx or 3xx answer, body read, within the timeout. */
  private Future<Boolean> probe(RequestOptions probe) {
    return client.request(probe)
        .compose(request -> request.send())
        .compose(response -> response.body().map(body -> response.statusCode() >= 200 && response.statusCode() < 400))
        .timeout(check.timeout().toMillis(), TimeUnit.MILLISECONDS);
  }

  Future<Void> close() {
    closed = true;
    for (long timer : timers) {
      vertx.cancelTimer(timer);
    }
    return client.close();
  }
}
