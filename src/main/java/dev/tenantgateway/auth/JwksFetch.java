package dev.tenantgateway.auth;

import java.time.Duration;

/**
 * How an issuer's JWKS is fetched. Redirects are refused unless {@code sameOriginRedirects} allows those that stay on
 * the JWKS URI's scheme, host and port; the body must be JSON and at most {@code maxBytes}; the whole fetch (connect,
 * head, body) must finish within {@code timeout}. A request that waits for a refetch caused by an unknown {@code kid}
 * waits at most {@code unknownKeyWait}, then is refused.
 */
public record JwksFetch(Duration timeout, long maxBytes, boolean sameOriginRedirects, Duration unknownKeyWait) {

  public static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(5);
  public static final long DEFAULT_MAX_BYTES = 512 * 1024;
  public static final Duration UNKNOWN_KEY_WAIT = Duration.ofSeconds(2);

  public static JwksFetch defaults() {
    return new JwksFetch(DEFAULT_TIMEOUT, DEFAULT_MAX_BYTES, false, UNKNOWN_KEY_WAIT);
  }

  /** At most this many same-origin redirects are followed. */
  static final int MAX_REDIRECTS = 3;
}
