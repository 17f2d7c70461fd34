package dev.tenantgateway.auth;

import io.vertx.core.json.JsonObject;

/**
 * An issuer's own checks of a signed token's claims beyond signature, expiry and audience (authorized party, payload
 * type, a shape that admits the token). Defined here, implemented by the tenancy model ({@code tenant.ClaimMapping}),
 * so authentication never imports the stages after it.
 */
public interface ClaimRules {

  /** Why these claims are refused, safe to show the client, or null when they pass. */
  String refusal(JsonObject claims);
}
