package dev.tenantgateway.config;

import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * routes.yaml as typed, immutable, already validated values: the model between reading ({@code config.load}) and
 * compiling ({@code compile}). Plain records of text, numbers and durations (an issuer's claim mapping too: see
 * {@link ClaimsConfig}), so every part of the gateway may read it. Each nested record is one section of the file and
 * says what a reload does with it (see {@link ReloadPolicy}).
 */
public record GatewayConfig(String file, Listener listener, List<IssuerConfig> issuers, Map<String, List<String>> roles,
                            Map<String, UpstreamConfig> upstreams, Headers headers, Security security,
                            Tenancy tenancy, Map<String, AppRole> appRoles, Admin admin, State state,
                            List<RouteConfig> routes, TracingSettings tracing, Cors cors) {

  public GatewayConfig {
    issuers = List.copyOf(issuers);
    roles = Map.copyOf(roles);
    upstreams = Map.copyOf(upstreams);
    routes = List.copyOf(routes);
    appRoles = Map.copyOf(appRoles);
  }

  /** Without {@code tracing} and {@code cors} (both off). */
  public GatewayConfig(String file, Listener listener, List<IssuerConfig> issuers, Map<String, List<String>> roles,
                       Map<String, UpstreamConfig> upstreams, Headers headers, Security security, Tenancy tenancy,
                       Map<String, AppRole> appRoles, Admin admin, State state, List<RouteConfig> routes) {
    this(file, listener, issuers, roles, upstreams, headers, security, tenancy, appRoles, admin, state, routes, null,
        null);
  }

  /**
   * Reload: {@code realm} applies; {@code host}, {@code port}, {@code tls} settings and {@code http2} need a restart
   * (the certificate files themselves are watched and reloaded).
   *
   * @param tls null: plain HTTP
   */
  public record Listener(String host, int port, String realm, ListenerTls tls, Http2Settings http2) {
    public Listener(String host, int port, String realm) {
      this(host, port, realm, null, Http2Settings.defaults());
    }
  }

  /**
   * The operator's side: the admin listener (/metrics, /healthz, /readyz), graceful shutdown, hot reload and the
   * access log. Reload: every setting needs a restart.
   *
   * @param port 0 picks a free port
   * @param reloadInterval how often routes.yaml is checked for changes; zero disables watching (SIGHUP still reloads)
   */
  /**
   * @param drainDelay after SIGTERM: how long the gateway keeps serving (not ready, {@code Connection: close} on every
   *     response) so load balancers stop sending before the listener closes
   * @param shutdownGrace after the drain delay: how long in-flight requests may take to finish
   */
  /**
   * @param readinessRequiresUpstreams /readyz also requires every upstream to have a target that is neither ejected
   *     nor failing its health check
   */
  public record Admin(boolean enabled, String host, int port, Duration drainDelay, Duration shutdownGrace,
                      Duration reloadInterval, boolean accessLog, TenantLabel tenantLabel, String apiToken,
                      boolean readinessRequiresUpstreams) {

    public Admin(boolean enabled, String host, int port, Duration drainDelay, Duration shutdownGrace,
                 Duration reloadInterval, boolean accessLog, TenantLabel tenantLabel, String apiToken) {
      this(enabled, host, port, drainDelay, shutdownGrace, reloadInterval, accessLog, tenantLabel, apiToken, false);
    }

    public static Admin defaults() {
      return new Admin(true, "0.0.0.0", 9901, Duration.ofSeconds(5), Duration.ofSeconds(30), Duration.ofSeconds(2),
          true, TenantLabel.off(), null);
    }

    /** The same settings with the drain timings replaced (command-line overrides); null keeps a value. */
    public Admin withDrain(Duration delay, Duration grace) {
      return new Admin(enabled, host, port, delay == null ? drainDelay : delay, grace == null ? shutdownGrace : grace,
          reloadInterval, accessLog, tenantLabel, apiToken, readinessRequiresUpstreams);
    }
  }

  /** How the optional tenant label of the request metrics is bounded. */
  public record TenantLabel(boolean enabled, Set<String> allow, int max) {
    public static TenantLabel off() {
      return new TenantLabel(false, Set.of(), 0);
    }
  }

  /**
   * Where revocations, memberships and rate-limit counters live: Redis when configured, this process's memory
   * otherwise; and what each feature does when its state cannot be read. Reload: the {@code on_failure} policies
   * apply; {@code redis} and {@code memberships.cache_ttl} need a restart.
   */
  public record State(RedisConfig redis, boolean revocationFailClosed, boolean membershipsFailClosed,
                      Duration membershipCacheTtl, String rateLimitsOnFailure, int rateLimitReplicas) {

    public static State defaults() {
      return new State(null, true, true, Duration.ofSeconds(30), "local", 1);
    }

    /** Whether a rate-limit check that cannot reach Redis refuses the request (503). */
    public boolean rateLimitsFailClosed() {
      return rateLimitsOnFailure.equals("closed");
    }
  }

  /**
   * @param type standalone, sentinel or cluster
   * @param endpoints redis:// or rediss:// URLs (one for standalone; the sentinels; some cluster nodes)
   * @param waitReplicas how many replicas must hold an admin write before it is acknowledged (Redis WAIT)
   */
  public record RedisConfig(String type, List<String> endpoints, String masterName, String password,
                            Duration timeout, String keyPrefix, int waitReplicas) {
  }

  /**
   * Reload: applies (keys are loaded again).
   *
   * <p>{@code claims}: the issuer's tenancy keys (profile expanded, shapes, transforms, role template) as validated
   * values; the compiler turns them into the runtime claim mapping.
   *
   * @param jwksUri null when the key comes from {@code publicKeyFile}
   * @param publicKeyPem the PEM text of {@code public_key_file}, read at load time
   * @param jwksTimeout the whole JWKS fetch (connect, head, body) must finish within this
   * @param jwksMaxBytes a larger JWKS is a failed fetch
   * @param jwksSameOriginRedirects follow redirects that stay on the JWKS URI's origin (never any other)
   * @param maxTokenLifetime tokens valid for longer are refused, or null for no limit
   */
  public record IssuerConfig(String id, String issuer, URI jwksUri, Path publicKeyFile, String publicKeyPem,
                             Set<String> audiences, Set<String> algorithms, Duration leeway, String tokenType,
                             Duration jwksRefresh, Duration jwksCooldown, ClaimsConfig claims, Position position,
                             Duration jwksTimeout, long jwksMaxBytes, boolean jwksSameOriginRedirects,
                             Duration maxTokenLifetime) {
  }

  /**
   * Reload: applies (a new pool; the old one closes after in-flight requests).
   *
   * @param connectTimeout the TCP (and TLS) connect
   * @param responseTimeout until the response head arrives
   * @param readTimeout the longest the upstream may stay silent after the head, for the whole response body
   * @param poolTimeout the longest a request waits for a free pooled connection (then 503 with Retry-After)
   * @param maxConnections pooled connections in total (all event loops together)
   * @param requestBodyTimeout a request body up to 64 KiB must arrive within this; a larger one must keep up
   *     {@code requestBodyMinRate} bytes per second on average once this has passed (then 408)
   * @param tls for https targets (never null then: {@link UpstreamTls#DEFAULT} without a section); null for http
   */
  public record UpstreamConfig(String name, URI url, Duration connectTimeout, Duration responseTimeout,
                               Duration readTimeout, Duration poolTimeout, int maxConnections,
                               Duration requestBodyTimeout, long requestBodyMinRate, Position position, Pool pool,
                               UpstreamTls tls) {

    /** One target ({@code url:}), round robin, default passive health, no active check, default TLS for https. */
    public UpstreamConfig(String name, URI url, Duration connectTimeout, Duration responseTimeout,
                          Duration readTimeout, Duration poolTimeout, int maxConnections,
                          Duration requestBodyTimeout, long requestBodyMinRate, Position position) {
      this(name, url, connectTimeout, responseTimeout, readTimeout, poolTimeout, maxConnections, requestBodyTimeout,
          requestBodyMinRate, position, Pool.single(url), UpstreamTls.forUrl(url));
    }

    /** These targets, with the default TLS settings when they are https. */
    public UpstreamConfig(String name, URI url, Duration connectTimeout, Duration responseTimeout,
                          Duration readTimeout, Duration poolTimeout, int maxConnections,
                          Duration requestBodyTimeout, long requestBodyMinRate, Position position, Pool pool) {
      this(name, url, connectTimeout, responseTimeout, readTimeout, poolTimeout, maxConnections, requestBodyTimeout,
          requestBodyMinRate, position, pool, UpstreamTls.forUrl(url));
    }

    /** The same upstream at another URL, as its one target (every bound kept; TLS settings while it stays https). */
    public UpstreamConfig withUrl(URI other) {
      return new UpstreamConfig(name, other, connectTimeout, responseTimeout, readTimeout, poolTimeout, maxConnections,
          requestBodyTimeout, requestBodyMinRate, position, new Pool(List.of(other), pool.balance(),
              pool.passiveHealth(), pool.healthCheck()), UpstreamTls.forUrl(other) == null ? null
              : tls == null ? UpstreamTls.DEFAULT : tls);
    }
  }

  /**
   * The targets of one upstream and how requests are spread over them. {@code url} of {@link UpstreamConfig} is the
   * first target.
   *
   * @param targets one or more, distinct, all with the same scheme
   * @param healthCheck null: no active check
   */
  public record Pool(List<URI> targets, Balance balance, PassiveHealth passiveHealth, HealthCheck healthCheck) {
    public Pool {
      targets = List.copyOf(targets);
    }

    public static Pool single(URI url) {
      return new Pool(url == null ? List.of() : List.of(url), Balance.ROUND_ROBIN, PassiveHealth.defaults(), null);
    }
  }

  /** How a target is chosen: in turn, or the one with the fewest requests in flight from this gateway. */
  public enum Balance {
    ROUND_ROBIN, LEAST_PENDING
  }

  /**
   * Ejection after consecutive connect failures (Envoy's outlier detection, local-origin failures): a target failing
   * {@code consecutiveFailures} connects in a row is skipped for {@code ejectionTime} times the number of ejections in
   * a row, at most {@code maxEjectionTime}.
   *
   * @param consecutiveFailures 0 turns ejection off
   */
  public record PassiveHealth(int consecutiveFailures, Duration ejectionTime, Duration maxEjectionTime) {
    public static PassiveHealth defaults() {
      return new PassiveHealth(5, Duration.ofSeconds(30), Duration.ofMinutes(5));
    }
  }

  /**
   * An active health check: {@code GET path} on every target each {@code interval}, off the request path. A target
   * is down after {@code unhealthyThreshold} failed checks in a row (not 2xx/3xx, or no answer within
   * {@code timeout}) and up again after {@code healthyThreshold} passed checks in a row. Targets start up.
   */
  public record HealthCheck(String path, Duration interval, Duration timeout, int healthyThreshold,
                            int unhealthyThreshold) {
  }

  /** Names of the trusted headers and any further names to strip from clients. Reload: applies. */
  public record Headers(String tenant, String user, String roles, String permissions, String appRoles,
                        List<String> reserved) {
  }

  /**
   * Limits and trust settings of the listener (see docs/security.md). Reload: {@code merge_slashes},
   * {@code trusted_proxies}, {@code max_header_count}, {@code max_body_size}, {@code method_override} and
   * {@code token_cache_size} apply; {@code max_header_bytes}, {@code idle_timeout}, {@code header_timeout} and
   * {@code max_connections} are socket settings and need a restart.
   *
   * @param trustedProxies networks whose {@code X-Forwarded-*} headers are kept and appended to
   * @param maxBodyBytes default request body limit; a route's {@code max_body_size} overrides it
   */
  public record Security(boolean mergeSlashes, List<IpRange> trustedProxies, int maxHeaderCount, int maxHeaderBytes,
                         long maxBodyBytes, Duration idleTimeout, Duration headerTimeout, int maxConnections,
                         boolean stripMethodOverride, int tokenCacheSize, boolean allowPathLookalikes) {

    /** The settings before {@code path_lookalikes} existed: look-alike code points refused. */
    public Security(boolean mergeSlashes, List<IpRange> trustedProxies, int maxHeaderCount, int maxHeaderBytes,
                    long maxBodyBytes, Duration idleTimeout, Duration headerTimeout, int maxConnections,
                    boolean stripMethodOverride, int tokenCacheSize) {
      this(mergeSlashes, trustedProxies, maxHeaderCount, maxHeaderBytes, maxBodyBytes, idleTimeout, headerTimeout,
          maxConnections, stripMethodOverride, tokenCacheSize, false);
    }

    public static Security defaults() {
      return new Security(true, List.of(), 100, 16 * 1024, 10L * 1024 * 1024, Duration.ofSeconds(60),
          Duration.ofSeconds(10), 10_000, false, 10_000, false);
    }
  }

  /**
   * How a request may choose its tenant. Reload: applies.
   *
   * @param header the switcher header, or null when disabled
   * @param subdomainSuffix the host suffix after the {@code {tenant}} label (".app.example.com"), or null
   * @param pathParam the path parameter that names the tenant
   * @param mePath the caller-introspection path, or null when disabled
   * @param defaultToSingleMembership a token listing exactly one membership, with no tenant chosen, acts in it
   */
  public record Tenancy(String header, String subdomainSuffix, String pathParam, String mePath,
                        boolean defaultToSingleMembership) {
    public static Tenancy defaults() {
      return new Tenancy("X-Active-Tenant", null, "tenant", "/_gateway/me", false);
    }
  }

  /** What one application-wide role grants in every tenant, and whether it may act in any tenant. */
  public record AppRole(List<String> permissions, boolean anyTenant) {
    public AppRole {
      permissions = List.copyOf(permissions);
    }
  }

  /** A route's {@code require}: one permission, or nesting all_of / any_of lists. */
  public sealed interface Require {
    record Permission(String name) implements Require {
    }

    record AllOf(List<Require> parts) implements Require {
      public AllOf {
        parts = List.copyOf(parts);
      }
    }

    record AnyOf(List<Require> parts) implements Require {
      public AnyOf {
        parts = List.copyOf(parts);
      }
    }
  }

  /** The path parameter whose value must be listed under {@code claim} in the caller's membership. */
  public record Resource(String param, String claim) {
  }

  /** {@code requests} per {@code per}, counted by tenant, user or tenant_user. */
  public record RateLimit(long requests, Duration per, String by) {
  }

  /**
   * One route. Reload: applies.
   *
   * @param methods upper-case method names
   * @param path the path template as written
   * @param require null only on public routes
   * @param maxBodyBytes this route's request body limit, or -1 for the listener's default
   */
  public record RouteConfig(String id, Set<String> methods, String path, String upstream, Require require,
                            boolean isPublic, boolean tenantRequired, String stripPrefix, boolean forwardAuthorization,
                            long maxBodyBytes, List<String> appRoles, Resource resource, RateLimit rateLimit,
                            Position position, boolean websocket, Cors cors) {
  }

  /**
   * Cross-origin resource sharing for browser front-ends (docs/cors.md): the top-level {@code cors:} and, on a route,
   * the same keys merged over it (each key a route gives replaces the top-level one). Always complete here: the loader
   * has applied the inheritance and the defaults. Reload: applies.
   *
   * @param allowOrigins exact origins ({@code https://app.example.com}), patterns with one {@code {tenant}} host label
   *     ({@code https://{tenant}.app.example.com}), or {@code *}
   * @param tenantOrigin the {@code {tenant}} an Origin matched must be the caller's active tenant
   * @param allowMethods methods a preflight may ask for; empty: the route's own methods
   * @param allowHeaders request headers a preflight may ask for ({@code *}: any)
   * @param maxAge how long a browser may cache a preflight answer, or null to leave it to the browser
   * @param position the {@code cors:} mapping this came from (the route's when it has one)
   */
  public record Cors(List<String> allowOrigins, boolean tenantOrigin, List<String> allowMethods,
                     List<String> allowHeaders, List<String> exposeHeaders, boolean allowCredentials, Duration maxAge,
                     Position position) {
    public Cors {
      allowOrigins = List.copyOf(allowOrigins);
      allowMethods = List.copyOf(allowMethods);
      allowHeaders = List.copyOf(allowHeaders);
      exposeHeaders = List.copyOf(exposeHeaders);
    }
  }
}
