package dev.tenantgateway.auth;

import io.vertx.core.json.JsonObject;

/**
 * A token whose signature, issuer, audience and lifetime have been checked. Claims are read-only by convention:
 * a cached instance is shared by every request that presents the same token.
 *
 * @param expiresAt the {@code exp} claim, in epoch seconds
 * @param key the key that verified the signature; a cached token is trusted only while its issuer still has it
 */
public record VerifiedToken(Issuer issuer, JsonObject claims, long expiresAt, SigningKey key) {
}
