package dev.tenantgateway.tenant;

/**
 * A resource constraint inside a tenant: the value of path parameter {@code param} must appear in the list the claim
 * path reaches within the caller's membership of the active tenant (or in the whole token, for tokens issued per
 * tenant); {@code *} in the list means every resource.
 */
public record ResourceRule(String param, ClaimPath claim) {
}
