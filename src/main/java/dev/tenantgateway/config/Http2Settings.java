package dev.tenantgateway.config;

/**
 * {@code listener.http2}: HTTP/2 offered through ALPN ({@code h2}) on a TLS listener, and optionally with prior
 * knowledge (h2c) on a plain one; at most {@code maxConcurrentStreams} streams open at once per connection.
 */
public record Http2Settings(boolean enabled, boolean h2c, int maxConcurrentStreams) {

  public static Http2Settings defaults() {
    return new Http2Settings(false, false, 100);
  }
}
