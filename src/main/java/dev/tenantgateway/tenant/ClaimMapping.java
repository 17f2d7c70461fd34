package dev.tenantgateway.tenant;

import java.util.List;

/**
 * Which claims of an issuer's tokens hold the user, the tenant they act in, their memberships, their roles and
 * permissions, and their application-wide roles.
 *
 * @param tenant null when the issuer's tokens name no active tenant
 * @param memberships null when the tokens list no memberships
 * @param roles roles in the tenant the token names (or in every tenant of a plain membership list)
 * @param permissions permissions, likewise
 * @param appRoles application-wide roles, never mixed with tenant roles
 */
public record ClaimMapping(ClaimPath user, TenantClaim tenant, Memberships memberships, List<ClaimPath> permissions,
                           List<ClaimPath> roles, List<ClaimPath> appRoles) {

  public ClaimMapping {
    permissions = List.copyOf(permissions);
    roles = List.copyOf(roles);
    appRoles = List.copyOf(appRoles);
  }

  public ClaimMapping(ClaimPath user, TenantClaim tenant, List<ClaimPath> permissions, List<ClaimPath> roles) {
    this(user, tenant, null, permissions, roles, List.of());
  }
}
