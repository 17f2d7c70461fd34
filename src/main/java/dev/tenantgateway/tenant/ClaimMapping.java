package dev.tenantgateway.tenant;

import java.util.List;

/**
 * Which claims of an issuer's tokens hold the user, the active tenant, the permissions and the roles.
 *
 * @param tenant null when the issuer's tokens name no tenant
 */
public record ClaimMapping(ClaimPath user, TenantClaim tenant, List<ClaimPath> permissions, List<ClaimPath> roles) {

  public ClaimMapping {
    permissions = List.copyOf(permissions);
    roles = List.copyOf(roles);
  }
}
