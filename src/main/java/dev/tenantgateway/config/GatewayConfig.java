package dev.tenantgateway.config;

import dev.tenantgateway.observe.Metrics;
import dev.tenantgateway.policy.Requirement;
import dev.tenantgateway.routing.PathTemplate;
import dev.tenantgateway.state.RateLimitRule;
import dev.tenantgateway.tenant.AppRoles;
import dev.tenantgateway.tenant.ClaimMapping;
import dev.tenantgateway.tenant.ResourceRule;
import dev.tenantgateway.tenant.Tenancy;
import io.vertx.core.http.HttpMethod;

import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * routes.yaml as typed, immutable, already validated values. Each nested record is one section of the file.
 */
public record GatewayConfig(String file, Listener listener, List<IssuerConfig> issuers, Map<String, List<String>> roles,
                            Map<String, UpstreamConfig> upstreams, Headers headers, Security security,
                            Tenancy tenancy, Map<String, AppRoles.Grant> appRoles, Admin admin, State state,
                            List<RouteConfig> routes) {

  public GatewayConfig {
    issuers = List.copyOf(issuers);
    roles = Map.copyOf(roles);
    upstreams = Map.copyOf(upstreams);
    routes = List.copyOf(routes);
    appRoles = Map.copyOf(appRoles);
  }

  /**
   * @param tls null: plain HTTP
   */
  public record Listener(String host, int port, String realm, ListenerTls tls, Http2Settings http2) {
    public Listener(String host, int port, String realm) {
      this(host, port, realm, null, Http2Settings.defaults());
    }
  }

  /**
   * The operator's side: the admin listener (/metrics, /healthz, /readyz), graceful shutdown, hot reload and the
   * access log.
   *
   * @param port 0 picks a free port
   * @param reloadInterval how often routes.yaml is checked for changes; zero disables watching (SIGHUP still reloads)
   */
  public record Admin(boolean enabled, String host, int port, Duration shutdownGrace, Duration reloadInterval,
                      boolean accessLog, Metrics.TenantLabel tenantLabel, String apiToken) {

    public static Admin defaults() {
      return new Admin(true, "0.0.0.0", 9901, Duration.ofSeconds(30), Duration.ofSeconds(2), true,
          Metrics.TenantLabel.off(), null);
    }
  }

  /**
   * Where revocations, memberships and rate-limit counters live: Redis when configured, this process's memory
   * otherwise; and what each feature does when its state cannot be read.
   */
  public record State(RedisConfig redis, boolean revocationFailClosed, boolean membershipsFailClosed,
                      Duration membershipCacheTtl, boolean rateLimitsFailClosed) {

    public static State defaults() {
      return new State(null, true, true, Duration.ofSeconds(30), false);
    }
  }

  /**
   * @param type standalone, sentinel or cluster
   * @param endpoints redis:// or rediss:// URLs (one for standalone)
   */
  public record RedisConfig(String type, List<String> endpoints, String masterName, String password,
                            Duration timeout, String keyPrefix) {
  }



  /**
   * @param jwksUri null when the key comes from {@code publicKeyFile}
   * @param publicKeyPem the PEM text of {@code public_key_file}, read at load time
   */
  public record IssuerConfig(String id, String issuer, URI jwksUri, Path publicKeyFile, String publicKeyPem,
                             Set<String> audiences, Set<String> algorithms, Duration leeway, String tokenType,
                             Duration jwksRefresh, Duration jwksCooldown, ClaimMapping claims, Position position) {
  }

  public record UpstreamConfig(String name, URI url, Duration connectTimeout, Duration responseTimeout,
                               int maxConnections, Position position) {
  }

  /** Names of the trusted headers and any further names to strip from clients. */
  public record Headers(String tenant, String user, String roles, String permissions, String appRoles,
                        List<String> reserved) {
  }

  /**
   * Limits and trust settings of the listener (see docs/security.md).
   *
   * @param trustedProxies networks whose {@code X-Forwarded-*} headers are kept and appended to
   * @param maxBodyBytes default request body limit; a route's {@code max_body_size} overrides it
   */
  public record Security(boolean mergeSlashes, List<IpRange> trustedProxies, int maxHeaderCount, int maxHeaderBytes,
                         long maxBodyBytes, Duration idleTimeout, Duration headerTimeout, int maxConnections,
                         boolean stripMethodOverride, int tokenCacheSize) {

    public static Security defaults() {
      return new Security(true, List.of(), 100, 16 * 1024, 10L * 1024 * 1024, Duration.ofSeconds(60),
          Duration.ofSeconds(10), 10_000, false, 10_000);
    }
  }

  /**
   * @param maxBodyBytes this route's request body limit, or -1 for the listener's default
   */
  public record RouteConfig(String id, Set<HttpMethod> methods, PathTemplate path, String upstream,
                            Requirement require, boolean isPublic, boolean tenantRequired, String stripPrefix,
                            boolean forwardAuthorization, long maxBodyBytes, List<String> appRoles,
                            ResourceRule resource, RateLimitRule rateLimit, Position position) {
  }
}
