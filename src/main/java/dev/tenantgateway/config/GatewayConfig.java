package dev.tenantgateway.config;

import dev.tenantgateway.policy.Requirement;
import dev.tenantgateway.routing.PathTemplate;
import dev.tenantgateway.tenant.ClaimMapping;
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
                            Map<String, UpstreamConfig> upstreams, Headers headers, List<RouteConfig> routes) {

  public GatewayConfig {
    issuers = List.copyOf(issuers);
    roles = Map.copyOf(roles);
    upstreams = Map.copyOf(upstreams);
    routes = List.copyOf(routes);
  }

  public record Listener(String host, int port, String realm) {
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
  public record Headers(String tenant, String user, String roles, String permissions, List<String> reserved) {
  }

  public record RouteConfig(String id, Set<HttpMethod> methods, PathTemplate path, String upstream,
                            Requirement require, boolean isPublic, boolean tenantRequired, String stripPrefix,
                            boolean forwardAuthorization, Position position) {
  }
}
