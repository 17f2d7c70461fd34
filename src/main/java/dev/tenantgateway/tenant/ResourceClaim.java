package dev.tenantgateway.tenant;

import dev.tenantgateway.routing.ResourceRule;

/**
 * A resource constraint inside a tenant: the value of path parameter {@code param} must appear in the list the claim
 * path reaches within the caller's membership of the active tenant (or in the whole token, for tokens issued per
 * tenant); {@code *} in the list means every resource. Checked by {@link TenantResolver#checkResource}.
 */
public record ResourceClaim(String param, ClaimPath claim) implements ResourceRule {
}
