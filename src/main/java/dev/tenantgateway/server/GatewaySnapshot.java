package dev.tenantgateway.server;

import dev.tenantgateway.auth.Issuer;
import dev.tenantgateway.auth.JwksFetch;
import dev.tenantgateway.auth.KeySources;
import dev.tenantgateway.auth.TokenVerifier;
import dev.tenantgateway.compile.ConfigCompiler;
import dev.tenantgateway.compile.CorsCompiler;
import dev.tenantgateway.config.ConfigException;
import dev.tenantgateway.config.GatewayConfig;
import dev.tenantgateway.config.IpRange;
import dev.tenantgateway.cors.CorsRules;
import dev.tenantgateway.observe.Metrics;
import dev.tenantgateway.pipeline.CorsStage;
import dev.tenantgateway.pipeline.OriginTenantStage;
import dev.tenantgateway.pipeline.Stage;
import dev.tenantgateway.observe.Tracing;
import dev.tenantgateway.pipeline.AuthenticateStage;
import dev.tenantgateway.pipeline.AuthorizeStage;
import dev.tenantgateway.pipeline.MatchStage;
import dev.tenantgateway.pipeline.NormalizeStage;
import dev.tenantgateway.pipeline.PermissionsStage;
import dev.tenantgateway.pipeline.Pipeline;
import dev.tenantgateway.pipeline.StateAccess;
import dev.tenantgateway.pipeline.StateStage;
import dev.tenantgateway.pipeline.TenantStage;
import dev.tenantgateway.policy.ProblemResponder;
import dev.tenantgateway.proxy.HeaderPolicy;
import dev.tenantgateway.proxy.Upstream;
import dev.tenantgateway.routing.RouteTable;
import dev.tenantgateway.state.StateBackend;
import dev.tenantgateway.tenant.Tenancy;
import dev.tenantgateway.tenant.TenantResolver;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Everything the hot path reads, compiled once from a {@link GatewayConfig} and never changed afterwards: the
 * route table, the token verifier with each issuer's key source, the role template, the header policy and one
 * pooled proxy per upstream.
 */
public final class GatewaySnapshot {

  private final GatewayConfig config;
  private final RouteTable routes;
  private final TokenVerifier verifier;
  private final TenantResolver tenants;
  private final HeaderPolicy headers;
  private final Map<String, Upstream> upstreams;
  private final ProblemResponder problems;
  private final HttpClient jwksClient;
  private final IngressGuard guard;
  private final Tenancy tenancy;
  private final Pipeline pipeline;
  private final CorsRules cors;
  /** null when routes.yaml has no {@code tracing} section. */
  private final Tracing tracing;
  private final Vertx vertx;
  /** The longest a close waits for the last spans to be exported (a collector that is down must not hold a stop). */
  private static final long SPAN_FLUSH_MILLIS = 3000;
  private final ProxyOutcome outcome = new ProxyOutcome(this);

  private GatewaySnapshot(GatewayConfig config, RouteTable routes, TokenVerifier verifier, TenantResolver tenants,
                          Tenancy tenancy, HeaderPolicy headers, Map<String, Upstream> upstreams, ProblemResponder problems,
                          HttpClient jwksClient, StateAccess state, Tracing tracing, Vertx vertx) {
    this.config = config;
    this.routes = routes;
    this.verifier = verifier;
    this.tenants = tenants;
    this.tenancy = tenancy;
    this.headers = headers;
    this.upstreams = upstreams;
    this.problems = problems;
    this.jwksClient = jwksClient;
    this.tracing = tracing;
    this.vertx = vertx;
    this.guard = new IngressGuard(config.security());
    this.cors = CorsCompiler.rules(config);
    List<Stage> stages = new ArrayList<>();
    stages.add(new NormalizeStage(guard::check));
    stages.add(new MatchStage(routes, tenancy.mePath(), Upstream::contentLength, cors != null));
    if (cors != null) {
      stages.add(new CorsStage(cors)); // only where CORS is configured: otherwise no CORS work at all
    }
    stages.add(new AuthenticateStage(verifier));
    stages.add(new TenantStage(tenants, tenancy, state));
    if (cors != null && cors.tenantBound()) {
      stages.add(new OriginTenantStage(cors));
    }
    stages.add(new PermissionsStage());
    stages.add(new StateStage(state));
    stages.add(new AuthorizeStage());
    this.pipeline = new Pipeline(stages);
  }

  /** Which cross-origin policy applies where, or null when routes.yaml configures CORS nowhere. */
  public CorsRules cors() {
    return cors;
  }

  /** What the proxy does when a run ends. */
  Pipeline.Outcome outcome() {
    return outcome;
  }

  /** The stages every request walks (the proxy, the introspection endpoint and explain alike). */
  public Pipeline pipeline() {
    return pipeline;
  }

  /**
   * Builds the snapshot and loads every issuer's keys; fails with the issuer named when one cannot be loaded.
   * Config problems that only show when compiling (an unusable PEM key) fail with a {@link ConfigException}.
   */
  public static Future<GatewaySnapshot> build(Vertx vertx, GatewayConfig config, Metrics metrics,
                                              StateBackend state) {
    // Compiling is CPU work that grows with the file (routes, patterns, keys), and the span exporter (an HTTP client
    // and the batch processor's thread) is made with it: a worker does both, so a reload never holds an event loop
    // that serves requests (a SIGHUP's reload used to compile on one and stall the requests queued behind it).
    return vertx.executeBlocking(() -> compile(vertx, config, metrics, state), false).compose(GatewaySnapshot::loadKeys);
  }

  private static GatewaySnapshot compile(Vertx vertx, GatewayConfig config, Metrics metrics, StateBackend state)
      throws ConfigException {
    Tracing tracing = config.tracing() == null ? null : Tracing.create(config.tracing());
    try {
      return compile(vertx, config, metrics, state, tracing);
    } catch (ConfigException | RuntimeException e) {
      if (tracing != null) {
        tracing.close();
      }
      throw e;
    }
  }

  private static Future<GatewaySnapshot> loadKeys(GatewaySnapshot snapshot) {
    List<Future<Void>> loads = new ArrayList<>();
    for (Issuer issuer : snapshot.verifier.issuers().values()) {
      loads.add(issuer.keys().start());
    }
    return Future.all(loads)
        .map(all -> snapshot)
        .recover(err -> snapshot.close().transform(ignored -> Future.failedFuture(err)));
  }

  private static GatewaySnapshot compile(Vertx vertx, GatewayConfig config, Metrics metrics, StateBackend state,
                                         Tracing tracing) throws ConfigException {
    ProblemResponder problems = new ProblemResponder(config.listener().realm());
    RouteTable routes = ConfigCompiler.routeTable(config);
    HttpClient jwksClient = vertx.createHttpClient(new HttpClientOptions()
        .setConnectTimeout(5000)
        .setKeepAlive(true));
    Map<String, Issuer> issuers;
    try {
      issuers = ConfigCompiler.issuers(config, ic -> ic.jwksUri() != null
          ? KeySources.jwks(vertx, jwksClient, ic.id(), ic.jwksUri(), ic.algorithms(), ic.jwksRefresh(),
              ic.jwksCooldown(), new JwksFetch(ic.jwksTimeout(), ic.jwksMaxBytes(), ic.jwksSameOriginRedirects(),
                  ic.jwksTimeout().compareTo(JwksFetch.UNKNOWN_KEY_WAIT) < 0 ? ic.jwksTimeout() : JwksFetch.UNKNOWN_KEY_WAIT),
              metrics::jwksFetch)
          : KeySources.pem(ic.publicKeyPem(), ic.algorithms()));
    } catch (ConfigException e) {
      jwksClient.close();
      throw e;
    }
    Map<String, Upstream> upstreams = new LinkedHashMap<>();
    config.upstreams().forEach((name, u) -> upstreams.put(name, Upstream.create(vertx, u, problems, metrics)));
    GatewayConfig.Headers h = config.headers();
    return new GatewaySnapshot(config, routes,
        new TokenVerifier(issuers, config.security().tokenCacheSize(), () -> System.currentTimeMillis() / 1000, metrics::tokenCache),
        ConfigCompiler.tenants(config), ConfigCompiler.tenancy(config.tenancy()),
        new HeaderPolicy(h.tenant(), h.user(), h.roles(), h.permissions(), h.appRoles(),
            ConfigCompiler.reservedHeaders(config)),
        Map.copyOf(upstreams), problems, jwksClient, new StateAccess(state, config.state(), metrics::stateUnavailable),
        tracing, vertx);
  }

  public GatewayConfig config() {
    return config;
  }

  public RouteTable routes() {
    return routes;
  }

  public TokenVerifier verifier() {
    return verifier;
  }

  public TenantResolver tenants() {
    return tenants;
  }

  public HeaderPolicy headers() {
    return headers;
  }

  public Upstream upstream(String name) {
    return upstreams.get(name);
  }

  /** The name of an upstream none of whose targets is available (ejected or failing its check), or null. */
  public String upstreamWithoutTarget() {
    for (Upstream upstream : upstreams.values()) {
      if (!upstream.pool().anyAvailable()) {
        return upstream.name();
      }
    }
    return null;
  }

  public ProblemResponder problems() {
    return problems;
  }

  /** The span exporter, or null when tracing is off. */
  public Tracing tracing() {
    return tracing;
  }

  IngressGuard guard() {
    return guard;
  }

  public Tenancy tenancy() {
    return tenancy;
  }

  /** Whether the peer is one of the configured trusted proxies (whose X-Forwarded-* headers are kept). */
  boolean isTrustedProxy(String peerAddress) {
    for (IpRange range : config.security().trustedProxies()) {
      if (range.contains(peerAddress)) {
        return true;
      }
    }
    return false;
  }

  /** Whether every issuer has signing keys (readiness). */
  public boolean hasAllKeys() {
    for (Issuer issuer : verifier.issuers().values()) {
      if (issuer.keys().current().isEmpty()) {
        return false;
      }
    }
    return true;
  }

  /** The longest upstream response timeout: how long an in-flight request may still need this snapshot. */
  public java.time.Duration longestResponseTimeout() {
    java.time.Duration longest = java.time.Duration.ZERO;
    for (var u : config.upstreams().values()) {
      if (u.responseTimeout().compareTo(longest) > 0) {
        longest = u.responseTimeout();
      }
    }
    return longest;
  }

  /** Stops key refreshes, closes the upstream pools and flushes the last spans. */
  public Future<Void> close() {
    List<Future<Void>> closing = new ArrayList<>();
    for (Issuer issuer : verifier.issuers().values()) {
      issuer.keys().close();
    }
    for (Upstream upstream : upstreams.values()) {
      closing.add(upstream.close());
    }
    jwksClient.close();
    if (tracing != null) {
      Promise<Void> flushed = Promise.promise();
      tracing.close().onComplete(done -> flushed.tryComplete());
      vertx.setTimer(SPAN_FLUSH_MILLIS, id -> flushed.tryComplete());
      closing.add(flushed.future());
    }
    return Future.join(closing).mapEmpty();
  }
}
