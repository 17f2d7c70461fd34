package dev.tenantgateway.tenant;

import dev.tenantgateway.policy.PermissionSet;

import java.util.List;

/**
 * Who is calling, in which tenant, with which roles and permissions there: everything the gateway decides on and
 * everything it vouches for to the upstream.
 *
 * @param tenant null only on routes that do not require a tenant
 * @param roles tenant roles in the active tenant, sorted, distinct
 * @param permissions tenant permissions plus those application-wide roles grant in every tenant
 * @param appRoles application-wide roles, sorted, distinct (never part of {@code roles})
 * @param tenants every tenant the token says the user belongs to (for a tenant switcher)
 * @param membership the raw membership entry of the active tenant, or null (for resource constraints)
 */
public record Caller(String user, String tenant, List<String> roles, PermissionSet permissions, List<String> appRoles,
                     List<String> tenants, Object membership, String rolesHeader, String permissionsHeader,
                     String appRolesHeader) {

  public Caller(String user, String tenant, List<String> roles, PermissionSet permissions, List<String> appRoles,
                List<String> tenants, Object membership) {
    // the header encodings are computed once: a memoized caller serves every request of its token
    this(user, tenant, roles, permissions, appRoles, tenants, membership, String.join(",", roles),
        String.join(",", permissions.sortedGrants()), String.join(",", appRoles));
  }

  public Caller(String user, String tenant, List<String> roles, PermissionSet permissions) {
    this(user, tenant, roles, permissions, List.of(), tenant == null ? List.of() : List.of(tenant), null);
  }
}
