package dev.tenantgateway.auth;

import java.util.Set;

/**
 * One trusted identity provider, compiled from routes.yaml: its {@code iss} value, what its tokens must satisfy,
 * where its keys come from and where its claims put the user, tenant, roles and permissions.
 *
 * @param audiences accepted {@code aud} values; empty means the audience is not checked
 * @param requiredType the {@code typ} header value tokens must carry (for example {@code at+jwt}), or null
 * @param claims the issuer's claim checks; the tenancy stages read its claim mapping through {@code ClaimMapping.of}
 */
public record Issuer(String id, String issuer, Set<String> audiences, Set<String> algorithms, long leewaySeconds,
                     String requiredType, ClaimRules claims, KeySource keys) {

  public Issuer {
    audiences = Set.copyOf(audiences);
    algorithms = Set.copyOf(algorithms);
  }
}
