package dev.tenantgateway.server;

import dev.tenantgateway.config.GatewayConfig;
import dev.tenantgateway.config.ListenerTls;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.http.HttpVersion;
import io.vertx.core.net.KeyCertOptions;
import io.vertx.core.net.ServerSSLOptions;

import java.util.LinkedHashSet;
import java.util.List;

/**
 * How the listener speaks: plain HTTP/1.1, TLS (1.2 and 1.3 with modern AEAD suites only), HTTP/2 through ALPN on
 * TLS, and optionally h2c with prior knowledge on a plain listener. Settings only; the certificate comes from
 * {@link dev.tenantgateway.config.TlsMaterial} and is replaced by {@link CertificateReloader}.
 */
final class ListenerTransport {

  /**
   * TLS 1.3's suites, then TLS 1.2's forward-secret AEAD suites (Mozilla's "intermediate" list): no CBC, no RSA key
   * exchange, no SHA-1 MACs.
   */
  static final List<String> CIPHER_SUITES = List.of(
      "TLS_AES_128_GCM_SHA256", "TLS_AES_256_GCM_SHA384", "TLS_CHACHA20_POLY1305_SHA256",
      "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256", "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256",
      "TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384", "TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384",
      "TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256", "TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256");

  private ListenerTransport() {
  }

  /** Adds TLS and HTTP/2 to the listener's options; {@code keyCert} is null for a plain listener. */
  static HttpServerOptions apply(HttpServerOptions options, GatewayConfig.Listener listener, KeyCertOptions keyCert) {
    var http2 = listener.http2();
    options.setInitialSettings(new io.vertx.core.http.Http2Settings()
        .setMaxConcurrentStreams(http2.maxConcurrentStreams()));
    ListenerTls tls = listener.tls();
    if (tls == null) {
      return options.setHttp2ClearTextEnabled(http2.h2c());
    }
    options.setHttp2ClearTextEnabled(false)
        .setSsl(true)
        .setKeyCertOptions(keyCert)
        .setEnabledSecureTransportProtocols(new LinkedHashSet<>(tls.versions()))
        .setUseAlpn(http2.enabled())
        .setAlpnVersions(http2.enabled() ? List.of(HttpVersion.HTTP_2, HttpVersion.HTTP_1_1)
            : List.of(HttpVersion.HTTP_1_1));
    CIPHER_SUITES.forEach(options::addEnabledCipherSuite);
    return options;
  }

  /** The same TLS settings with a new certificate, for {@code HttpServer.updateSSLOptions}. */
  static ServerSSLOptions sslOptions(ListenerTls tls, boolean http2, KeyCertOptions keyCert) {
    ServerSSLOptions ssl = new ServerSSLOptions()
        .setKeyCertOptions(keyCert)
        .setEnabledSecureTransportProtocols(new LinkedHashSet<>(tls.versions()))
        .setUseAlpn(http2)
        .setApplicationLayerProtocols(http2 ? List.of("h2", "http/1.1") : List.of("http/1.1"));
    CIPHER_SUITES.forEach(ssl::addEnabledCipherSuite);
    return ssl;
  }
}
