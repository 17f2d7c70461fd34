package dev.tenantgateway.config;

import java.nio.file.Path;

/**
 * {@code upstreams.NAME.tls}: for an {@code https://} upstream, the CA bundle its certificate is checked against
 * (null: the JVM's default trust store), the client certificate the gateway presents for mutual TLS (PEM
 * {@code cert_file} and {@code key_file}, or a PKCS#12 {@code keystore_file}; none: no client certificate), the name
 * its certificate must carry when it differs from the URL's host ({@code server_name}, also sent as SNI and in
 * {@code Host}), and whether the certificate is checked at all ({@code verify}, true unless turned off explicitly).
 */
public record UpstreamTls(Path caFile, Path certFile, Path keyFile, Path keystoreFile, String keystorePassword,
                          String serverName, boolean verify) {

  /** An {@code https://} upstream without a {@code tls:} section: the JVM's trust store, host name verified. */
  public static final UpstreamTls DEFAULT = new UpstreamTls(null, null, null, null, null, null, true);

  /** {@link #DEFAULT} for an {@code https://} URL, null for anything else. */
  public static UpstreamTls forUrl(java.net.URI url) {
    return url != null && "https".equalsIgnoreCase(url.getScheme()) ? DEFAULT : null;
  }

  public boolean clientCertificate() {
    return certFile != null || keystoreFile != null;
  }
}
