package dev.tenantgateway.tenant;

import dev.tenantgateway.policy.PermissionSet;

import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The organization template: each role is a bundle of permissions (wildcards allowed), defined once and valid in
 * every tenant. Expanded into {@link PermissionSet}s at load time; roles the template does not know grant nothing.
 */
public final class RoleTemplate {

  /** No template: roles grant nothing (for issuers whose tokens carry the permissions themselves). */
  public static final RoleTemplate NONE = new RoleTemplate(Map.of());

  private final Map<String, PermissionSet> roles;

  public RoleTemplate(Map<String, List<String>> definitions) {
    Map<String, PermissionSet> expanded = new LinkedHashMap<>();
    definitions.forEach((role, grants) -> expanded.put(role, PermissionSet.patterns(grants)));
    this.roles = Map.copyOf(expanded);
  }

  public boolean defines(String role) {
    return roles.containsKey(role);
  }

  public PermissionSet permissionsOf(Collection<String> callerRoles) {
    PermissionSet result = PermissionSet.EMPTY;
    for (String role : callerRoles) {
      PermissionSet grants = roles.get(role);
      if (grants != null) {
        result = result.union(grants);
      }
    }
    return result;
  }
}
