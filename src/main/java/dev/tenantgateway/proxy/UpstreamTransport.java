package dev.tenantgateway.proxy;

import dev.tenantgateway.config.UpstreamTls;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpConnection;
import io.vertx.core.net.PemKeyCertOptions;
import io.vertx.core.net.PemTrustOptions;
import io.vertx.core.net.PfxOptions;

import java.util.LinkedHashSet;
import java.util.List;

/**
 * How the gateway speaks TLS to an {@code https://} upstream: TLS 1.2 and 1.3 only, the upstream's certificate
 * checked against {@code ca_file} (or the JVM's trust store) and its host name verified, and the client certificate
 * presented when one is configured. Settings only: Vert.x reads the files off the event loop when it builds the TLS
 * context (they were checked when routes.yaml was loaded).
 */
final class UpstreamTransport {

  static final List<String> VERSIONS = List.of("TLSv1.2", "TLSv1.3");

  private UpstreamTransport() {
  }

  static HttpClientOptions apply(HttpClientOptions options, UpstreamTls tls, String urlHost) {
    options.setSsl(true)
        .setEnabledSecureTransportProtocols(new LinkedHashSet<>(VERSIONS))
        .setVerifyHost(tls.verify())
        .setTrustAll(!tls.verify())
        // the JDK leaves SNI out for a name without a dot (a Kubernetes service name such as "orders"), which an
        // upstream's TLS router may need; an address never goes in SNI (RFC 6066 section 3)
        .setForceSni(!isAddress(serverName(tls, urlHost)));
    if (tls.caFile() != null) {
      options.setTrustOptions(new PemTrustOptions().addCertPath(tls.caFile().toString()));
    }
    if (tls.certFile() != null) {
      options.setKeyCertOptions(new PemKeyCertOptions().setCertPath(tls.certFile().toString())
          .setKeyPath(tls.keyFile().toString()));
    } else if (tls.keystoreFile() != null) {
      options.setKeyCertOptions(new PfxOptions().setPath(tls.keystoreFile().toString())
          .setPassword(tls.keystorePassword()));
    }
    return options;
  }

  /**
   * With TLS 1.3 an upstream refuses the gateway's client certificate after the client's side of the handshake is
   * done: the refusal arrives on the connection, and the request waiting on it fails with it (502, logged there).
   * Handled here so the connection does not log it a second time as unhandled.
   */
  static void connected(HttpConnection connection) {
    connection.exceptionHandler(failure -> { });
  }

  static boolean isAddress(String host) {
    return host.indexOf(':') >= 0 || host.chars().allMatch(c -> c == '.' || (c >= '0' && c <= '9'));
  }

  /** The name the upstream's certificate must carry: {@code server_name}, or the URL's host. */
  static String serverName(UpstreamTls tls, String urlHost) {
    return tls != null && tls.serverName() != null ? tls.serverName() : urlHost;
  }
}
