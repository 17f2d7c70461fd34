package dev.tenantgateway.auth;

import io.vertx.core.json.JsonObject;

/**
 * A token whose signature, issuer, audience and lifetime have been checked. Claims are read-only by convention:
 * a cached instance is shared by every request that presents the same token.
 *
 * @param token the compact token as it was verified
 * @param expiresAt the {@code exp} claim, in epoch seconds
 * @param key the key that verified the signature; a cached token is trusted only while its issuer still has it
 */
public record VerifiedToken(String token, Issuer issuer, JsonObject claims, long expiresAt, SigningKey key, Memo memo) {

  public VerifiedToken(String token, Issuer issuer, JsonObject claims, long expiresAt, SigningKey key) {
    this(token, issuer, claims, expiresAt, key, new Memo());
  }

  /**
   * The last result derived from this token (the caller it resolves to), with the inputs it was derived from; a
   * client reusing its token then pays for claim walking once. Racy by design: a lost update only recomputes.
   */
  public static final class Memo {
    private volatile Object[] last;

    public Object get(Object resolver, String requested, boolean tenantRequired) {
      Object[] entry = last;
      return entry != null && entry[0] == resolver && java.util.Objects.equals(entry[1], requested)
          && entry[2].equals(tenantRequired) ? entry[3] : null;
    }

    public void put(Object resolver, String requested, boolean tenantRequired, Object value) {
      last = new Object[] {resolver, requested, tenantRequired, value};
    }
  }
}
