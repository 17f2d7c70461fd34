package dev.tenantgateway.state;

import io.vertx.core.Future;

/**
 * Tokens that must stop working before they expire: one token by {@code jti} (kept until its {@code exp}), every token
 * of a user issued before a time (logout everywhere), every token for a tenant issued before a time (tenant
 * suspended).
 */
public interface RevocationStore {

  /**
   * @param jti null when the token has none
   * @param issuedAt the token's {@code iat}; 0 when absent, so a user- or tenant-wide revocation covers it
   */
  Future<Boolean> isRevoked(String jti, String user, String tenant, long issuedAt);

  Future<Void> revokeToken(String jti, long expiresAt);

  Future<Void> revokeUser(String user, long before);

  Future<Void> revokeTenant(String tenant, long before);
}
