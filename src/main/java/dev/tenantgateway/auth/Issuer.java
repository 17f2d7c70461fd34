package dev.tenantgateway.auth;

import dev.tenantgateway.tenant.ClaimMapping;

import java.util.Set;

/**
 * One trusted identity provider, compiled from routes.yaml: its {@code iss} value, what its tokens must satisfy,
 * where its keys come from and where its claims put the user, tenant, roles and permissions.
 *
 * @param audiences accepted {@code aud} values; empty means the audience is not checked
 * @param requiredType the {@code typ} header value tokens must carry (for example {@code at+jwt}), or null
 */
public record Issuer(String id, String issuer, Set<String> audiences, Set<String> algorithms, long leewaySeconds,
                     String requiredType, ClaimMapping claims, KeySource keys) {

  public Issuer {
    audiences = Set.copyOf(audiences);
    algorithms = Set.copyOf(algorithms);
  }
}
