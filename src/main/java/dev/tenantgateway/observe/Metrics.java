package dev.tenantgateway.observe;

import dev.tenantgateway.pipeline.Exchange;
import dev.tenantgateway.config.GatewayConfig.TenantLabel;
import dev.tenantgateway.proxy.UpstreamListener;
import dev.tenantgateway.state.StateListener;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.binder.jvm.ClassLoaderMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmGcMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmThreadMetrics;
import io.micrometer.core.instrument.binder.system.ProcessorMetrics;
import io.micrometer.core.instrument.binder.system.UptimeMetrics;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

/**
 * Every metric the gateway publishes, named in one place. Routes are labelled by id, never by raw path; the tenant
 * label is off unless enabled, and then bounded by an allow-list or a cap (the rest fold into {@code other}).
 */
public final class Metrics implements StateListener, UpstreamListener {

  public static final String REQUESTS = "gateway_requests";
  public static final String REQUEST_DURATION = "gateway_request_duration";
  public static final String UPSTREAM_DURATION = "gateway_upstream_duration";
  public static final String UPSTREAM_ERRORS = "gateway_upstream_errors";
  public static final String JWKS_FETCHES = "gateway_jwks_fetches";
  public static final String JWKS_KEY_AGE = "gateway_jwks_key_age_seconds";
  public static final String TOKEN_CACHE = "gateway_token_cache";
  public static final String CONFIG_RELOADS = "gateway_config_reloads";
  public static final String CONFIG_LAST_SUCCESS = "gateway_config_last_reload_success_timestamp_seconds";
  public static final String REDIS_DURATION = "gateway_redis_command_duration";
  public static final String REDIS_ERRORS = "gateway_redis_errors";
  public static final String STATE_UNAVAILABLE = "gateway_state_unavailable";
  public static final String CLIENT_CLOSED = "gateway_client_closed";
  public static final String TARGET_REQUESTS = "gateway_upstream_target_requests";
  public static final String TARGET_CONNECT_FAILURES = "gateway_upstream_target_connect_failures";
  public static final String TARGET_EJECTIONS = "gateway_upstream_target_ejections";
  public static final String TARGET_HEALTHY = "gateway_upstream_target_healthy";

  private final PrometheusMeterRegistry registry;
  private final TenantLabel tenantLabel;
  private record RequestKey(String route, String method, int status, String decision, String tenant) {
  }

  private final Map<RequestKey, Counter> requestCounters = new ConcurrentHashMap<>();
  private final Map<String, Timer> requestTimers = new ConcurrentHashMap<>();
  private final Map<String, Timer> upstreamTimers = new ConcurrentHashMap<>();
  private final Set<String> tenantsSeen = ConcurrentHashMap.newKeySet();
  private final Map<String, Long> keysLoadedAt = new ConcurrentHashMap<>();
  private final Counter cacheHits;
  private final Counter cacheMisses;
  private volatile double lastReloadSuccess;

  public Metrics(PrometheusMeterRegistry registry, TenantLabel tenantLabel) {
    this.registry = registry;
    this.tenantLabel = tenantLabel;
    this.cacheHits = Counter.builder(TOKEN_CACHE).description("Token verifications answered from the cache, or not")
        .tag("result", "hit").register(registry);
    this.cacheMisses = Counter.builder(TOKEN_CACHE).tag("result", "miss").register(registry);
    this.lastReloadSuccess = System.currentTimeMillis() / 1000.0;
    Gauge.builder(CONFIG_LAST_SUCCESS, this, m -> m.lastReloadSuccess)
        .description("When the running configuration was loaded").register(registry);
    String reloads = "Configuration reloads by result; a failed one keeps the running configuration";
    Counter.builder(CONFIG_RELOADS).description(reloads).tag("result", "success").register(registry);
    Counter.builder(CONFIG_RELOADS).description(reloads).tag("result", "failure").register(registry);
  }

  /** A registry for Prometheus with JVM and process metrics bound. */
  public static PrometheusMeterRegistry newRegistry() {
    PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    new ClassLoaderMetrics().bindTo(registry);
    new JvmMemoryMetrics().bindTo(registry);
    new JvmGcMetrics().bindTo(registry);
    new JvmThreadMetrics().bindTo(registry);
    new ProcessorMetrics().bindTo(registry);
    new UptimeMetrics().bindTo(registry);
    return registry;
  }

  public PrometheusMeterRegistry registry() {
    return registry;
  }

  /** Exactly one call per request, when its response has ended (or the connection closed first). */
  public void request(Exchange exchange, int status) {
    String route = exchange.route == null ? "none" : exchange.route;
    String tenant = tenantLabel.enabled() ? tenantValue(exchange.tenant) : null;
    RequestKey key = new RequestKey(route, exchange.method, status, exchange.decision, tenant);
    Counter counter = requestCounters.get(key);
    if (counter == null) {
      counter = requestCounter(key);
    }
    counter.increment();
    Timer timer = requestTimers.get(route);
    if (timer == null) {
      timer = requestTimers.computeIfAbsent(route, r -> Timer.builder(REQUEST_DURATION)
          .description("Time from request head to response end, per route")
          .tag("route", r).publishPercentileHistogram().minimumExpectedValue(Duration.ofMillis(1))
          .maximumExpectedValue(Duration.ofSeconds(30)).register(registry));
    }
    timer.record(System.nanoTime() - exchange.startNanos, TimeUnit.NANOSECONDS);
  }

  private Counter requestCounter(RequestKey key) {
    String route = key.route();
    String tenant = key.tenant();
    return requestCounters.computeIfAbsent(key, k -> {
      Counter.Builder b = Counter.builder(REQUESTS).description("Requests by route, method, status and decision")
          .tag("route", route).tag("method", key.method()).tag("status", Integer.toString(key.status()))
          .tag("decision", key.decision());
      if (tenant != null) {
        b.tag("tenant", tenant);
      }
      return b.register(registry);
    });
  }

  private String tenantValue(String tenant) {
    if (tenant == null) {
      return "none";
    }
    if (!tenantLabel.allow().isEmpty()) {
      return tenantLabel.allow().contains(tenant) ? tenant : "other";
    }
    if (tenantsSeen.contains(tenant)) {
      return tenant;
    }
    if (tenantsSeen.size() < tenantLabel.max() && tenantsSeen.add(tenant)) {
      return tenant;
    }
    return "other";
  }

  @Override
  public void upstream(String upstream, long nanos) {
    upstreamTimers.computeIfAbsent(upstream, u -> Timer.builder(UPSTREAM_DURATION)
            .description("Time until the upstream's response head arrived").tag("upstream", u)
            .publishPercentileHistogram().minimumExpectedValue(Duration.ofMillis(1))
            .maximumExpectedValue(Duration.ofSeconds(30)).register(registry))
        .record(nanos, TimeUnit.NANOSECONDS);
  }

  @Override
  public void upstreamError(String upstream, String code) {
    Counter.builder(UPSTREAM_ERRORS).description("Upstream failures by kind").tag("upstream", upstream)
        .tag("code", code).register(registry).increment();
  }

  /** The client closed its connection before the response ended (access log status 499); not an upstream failure. */
  @Override
  public void clientClosed(String upstream) {
    Counter.builder(CLIENT_CLOSED).description("Requests whose client went away before the response ended")
        .tag("upstream", upstream).register(registry).increment();
  }

  /** Requests sent to one target of an upstream (a retry counts on the target it went to). */
  @Override
  public Counter targetRequests(String upstream, String target) {
    return Counter.builder(TARGET_REQUESTS).description("Requests sent to each target of an upstream")
        .tag("upstream", upstream).tag("target", target).register(registry);
  }

  @Override
  public Counter targetConnectFailures(String upstream, String target) {
    return Counter.builder(TARGET_CONNECT_FAILURES)
        .description("Connects to a target that failed (refused, timed out, not resolved)")
        .tag("upstream", upstream).tag("target", target).register(registry);
  }

  @Override
  public Counter targetEjections(String upstream, String target) {
    return Counter.builder(TARGET_EJECTIONS).description("Times a target was ejected after consecutive connect failures")
        .tag("upstream", upstream).tag("target", target).register(registry);
  }

  private record TargetKey(String upstream, String target) {
  }

  private final Map<TargetKey, java.util.function.BooleanSupplier> targetStates = new ConcurrentHashMap<>();
  private final Map<TargetKey, Gauge> targetGauges = new ConcurrentHashMap<>();

  /**
   * The health gauge of a target (1 available, 0 ejected or failing its check) now reads {@code available}: a reload
   * hands the gauge to the new snapshot's target; {@link #forgetTarget} with the same supplier removes it.
   */
  @Override
  public void targetHealth(String upstream, String target, java.util.function.BooleanSupplier available) {
    TargetKey key = new TargetKey(upstream, target);
    targetStates.put(key, available);
    targetGauges.computeIfAbsent(key, k -> Gauge.builder(TARGET_HEALTHY, targetStates, states -> {
          java.util.function.BooleanSupplier state = states.get(k);
          return state == null ? Double.NaN : state.getAsBoolean() ? 1 : 0;
        }).description("1 when a target takes requests, 0 when it is ejected or failing its health check")
        .tag("upstream", upstream).tag("target", target).strongReference(true).register(registry));
  }

  /** The target is gone (its snapshot closed) unless a newer snapshot took its gauge over. */
  @Override
  public void forgetTarget(String upstream, String target, java.util.function.BooleanSupplier available) {
    TargetKey key = new TargetKey(upstream, target);
    if (targetStates.remove(key, available)) {
      Gauge gauge = targetGauges.remove(key);
      if (gauge != null) {
        registry.remove(gauge);
      }
    }
  }

  public void jwksFetch(String issuer, boolean success) {
    Counter.builder(JWKS_FETCHES).description("JWKS fetches per issuer and result").tag("issuer", issuer)
        .tag("result", success ? "success" : "failure").register(registry).increment();
    if (success) {
      if (keysLoadedAt.put(issuer, System.currentTimeMillis()) == null) {
        Gauge.builder(JWKS_KEY_AGE, keysLoadedAt, m -> (System.currentTimeMillis() - m.getOrDefault(issuer, 0L)) / 1000.0)
            .description("Seconds since the issuer's keys were last fetched successfully").tag("issuer", issuer)
            .register(registry);
      }
    }
  }

  private final Map<String, Timer> redisTimers = new ConcurrentHashMap<>();

  @Override
  public void redis(String op, long nanos, boolean failed) {
    redisTimers.computeIfAbsent(op, o -> Timer.builder(REDIS_DURATION).description("Redis command latency")
        .tag("op", o).register(registry)).record(nanos, TimeUnit.NANOSECONDS);
    if (failed) {
      Counter.builder(REDIS_ERRORS).description("Redis commands that failed or timed out").tag("op", op)
          .register(registry).increment();
    }
  }

  /** A state lookup failed and the feature's failure policy decided (open: allowed anyway; closed: 503). */
  @Override
  public void stateUnavailable(String feature, String policy) {
    Counter.builder(STATE_UNAVAILABLE).description("State lookups that failed, by feature and policy applied")
        .tag("feature", feature).tag("policy", policy).register(registry).increment();
  }

  public void tokenCache(boolean hit) {
    (hit ? cacheHits : cacheMisses).increment();
  }

  public void reload(boolean success) {
    Counter.builder(CONFIG_RELOADS).tag("result", success ? "success" : "failure").register(registry).increment(); // registered above, with its HELP
    if (success) {
      lastReloadSuccess = System.currentTimeMillis() / 1000.0;
    }
  }

  public String scrape() {
    return registry.scrape();
  }

  /** Metric names and their labels, for docs and tests. */
  public static List<String> names() {
    return List.of(REQUESTS, REQUEST_DURATION, UPSTREAM_DURATION, UPSTREAM_ERRORS, JWKS_FETCHES, JWKS_KEY_AGE,
        TOKEN_CACHE, CONFIG_RELOADS, CONFIG_LAST_SUCCESS, REDIS_DURATION, REDIS_ERRORS, STATE_UNAVAILABLE, CLIENT_CLOSED,
        TARGET_REQUESTS, TARGET_CONNECT_FAILURES, TARGET_EJECTIONS, TARGET_HEALTHY);
  }
}
