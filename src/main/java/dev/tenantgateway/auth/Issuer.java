package dev.tenantgateway.auth;

import java.util.Set;

/**
 * One trusted identity provider, compiled from routes.yaml: its {@code iss} value, what its tokens must satisfy,
 * where its keys come from and where its claims put the user, tenant, roles and permissions.
 *
 * @param audiences accepted {@code aud} values; empty means the audience is not checked
 * @param requiredType the {@code typ} header value tokens must carry (for example {@code at+jwt}), or null
 * @param maxLifetimeSeconds tokens valid for longer ({@code exp - iat}, or {@code exp - now} without {@code iat}) are
 *     refused; 0 sets no limit
 */
public record Issuer(String id, String issuer, Set<String> audiences, Set<String> algorithms, long leewaySeconds,
                     String requiredType, ClaimRules claims, KeySource keys, long maxLifetimeSeconds) {

  public Issuer {
    audiences = Set.copyOf(audiences);
    algorithms = Set.copyOf(algorithms);
    if (maxLifetimeSeconds < 0) {
      throw new IllegalArgumentException("maxLifetimeSeconds must not be negative");
    }
  }

  /** An issuer without a token lifetime limit. */
  public Issuer(String id, String issuer, Set<String> audiences, Set<String> algorithms, long leewaySeconds,
                String requiredType, ClaimRules claims, KeySource keys) {
    this(id, issuer, audiences, algorithms, leewaySeconds, requiredType, claims, keys, 0);
  }
}
