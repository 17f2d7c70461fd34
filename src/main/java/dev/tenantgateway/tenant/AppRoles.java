package dev.tenantgateway.tenant;

import dev.tenantgateway.policy.PermissionSet;

import java.util.Collection;
import java.util.Map;

/**
 * Application-wide roles (a platform {@code support} role, say), read from their own claim: the permissions each
 * grants in every tenant, and whether it may act in tenants its holder is not a member of. They never count as
 * tenant roles, so a tenant role and an application role of the same name never mix.
 */
public final class AppRoles {

  /** What one application role grants. */
  public record Grant(PermissionSet permissions, boolean anyTenant) {
  }

  public static final AppRoles NONE = new AppRoles(Map.of());

  private final Map<String, Grant> grants;

  public AppRoles(Map<String, Grant> grants) {
    this.grants = Map.copyOf(grants);
  }

  public boolean defines(String role) {
    return grants.containsKey(role);
  }

  public PermissionSet permissionsOf(Collection<String> roles) {
    PermissionSet result = PermissionSet.EMPTY;
    for (String role : roles) {
      Grant grant = grants.get(role);
      if (grant != null) {
        result = result.union(grant.permissions());
      }
    }
    return result;
  }

  public boolean mayActInAnyTenant(Collection<String> roles) {
    for (String role : roles) {
      Grant grant = grants.get(role);
      if (grant != null && grant.anyTenant()) {
        return true;
      }
    }
    return false;
  }
}
