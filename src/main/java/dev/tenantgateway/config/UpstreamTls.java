package dev.tenantgateway.config;

import java.nio.file.Path;

/**
 * {@code upstreams.NAME.tls}: for an {@code https://} upstream, the CA bundle its certificate is checked against
 * (null: the JVM's default trust store) and the client certificate and key the gateway presents (mutual TLS; both
 * null: none). The host name is always verified.
 */
public record UpstreamTls(Path caFile, Path certFile, Path keyFile) {

  public boolean clientCertificate() {
    return certFile != null;
  }
}
