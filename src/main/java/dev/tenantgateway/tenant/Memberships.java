package dev.tenantgateway.tenant;

import io.vertx.core.json.JsonObject;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Where a token lists the tenants its user belongs to, and what they hold in each. Four shapes cover the identity
 * providers we know of:
 * <ul>
 *   <li>{@code tenant_map}: a map keyed by tenant whose entries hold roles and permissions (Userfront
 *       {@code authorization}, Descope {@code tenants}, PropelAuth {@code org_id_to_org_member_info});</li>
 *   <li>{@code role_map}: a map keyed by role whose values name tenants (Zitadel's project roles claim);</li>
 *   <li>{@code pairs}: {@code "tenant:role"} strings (Logto {@code organization_roles});</li>
 *   <li>{@code tenants}: a plain list (or the keys of a map) of tenant ids, without per-tenant roles
 *       (Logto {@code organizations}, Keycloak {@code organization}, Frontegg {@code tenantIds}).</li>
 * </ul>
 */
public sealed interface Memberships {

  /** What the user holds in one tenant; {@code entry} is the raw membership value, for resource constraints. */
  record Membership(List<String> roles, List<String> permissions, Object entry, boolean perTenant) {
  }

  /** Every membership the token lists, keyed by tenant id, in token order. */
  Map<String, Membership> read(JsonObject claims);

  record TenantMap(ClaimPath path, ClaimPath roles, ClaimPath permissions) implements Memberships {
    @Override
    public Map<String, Membership> read(JsonObject claims) {
      Map<String, Membership> result = new LinkedHashMap<>();
      Object map = path.first(claims);
      if (map instanceof JsonObject object) {
        for (String tenant : object.fieldNames()) {
          Object entry = object.getValue(tenant);
          List<String> roleNames = new ArrayList<>();
          List<String> permissionNames = new ArrayList<>();
          if (entry instanceof JsonObject) {
            if (roles != null) {
              roleNames.addAll(roles.stringsIn(entry));
            }
            if (permissions != null) {
              permissionNames.addAll(permissions.stringsIn(entry));
            }
          } else {
            roleNames.addAll(ClaimPath.parse("value").stringsIn(new JsonObject().put("value", entry)));
          }
          result.put(tenant, new Membership(roleNames, permissionNames, entry, true));
        }
      }
      return result;
    }
  }

  record RoleMap(ClaimPath path) implements Memberships {
    @Override
    public Map<String, Membership> read(JsonObject claims) {
      Map<String, List<String>> rolesByTenant = new LinkedHashMap<>();
      Object map = path.first(claims);
      if (map instanceof JsonObject object) {
        for (String role : object.fieldNames()) {
          Object tenants = object.getValue(role);
          List<String> ids = new ArrayList<>();
          if (tenants instanceof JsonObject byTenant) {
            ids.addAll(byTenant.fieldNames());
          } else {
            ids.addAll(ClaimPath.parse("value").stringsIn(new JsonObject().put("value", tenants)));
          }
          for (String tenant : ids) {
            rolesByTenant.computeIfAbsent(tenant, t -> new ArrayList<>()).add(role);
          }
        }
      }
      Map<String, Membership> result = new LinkedHashMap<>();
      rolesByTenant.forEach((tenant, roleNames) -> result.put(tenant, new Membership(roleNames, List.of(), null, true)));
      return result;
    }
  }

  record Pairs(ClaimPath path, String separator) implements Memberships {
    @Override
    public Map<String, Membership> read(JsonObject claims) {
      Map<String, List<String>> rolesByTenant = new LinkedHashMap<>();
      for (String pair : path.strings(claims)) {
        int at = pair.indexOf(separator);
        if (at > 0 && at + separator.length() < pair.length()) {
          rolesByTenant.computeIfAbsent(pair.substring(0, at), t -> new ArrayList<>()).add(pair.substring(at + separator.length()));
        }
      }
      Map<String, Membership> result = new LinkedHashMap<>();
      rolesByTenant.forEach((tenant, roleNames) -> result.put(tenant, new Membership(roleNames, List.of(), null, true)));
      return result;
    }
  }

  /**
   * Memberships kept outside the token, in the membership store (Redis or memory): the token carries only the
   * identity. The pipeline looks them up and hands them to the resolver.
   */
  record Store() implements Memberships {
    @Override
    public Map<String, Membership> read(JsonObject claims) {
      return Map.of();
    }

    /** The stored roles by tenant, as memberships. */
    public static Map<String, Membership> of(Map<String, List<String>> rolesByTenant) {
      Map<String, Membership> result = new LinkedHashMap<>();
      rolesByTenant.forEach((tenant, roles) -> result.put(tenant, new Membership(List.copyOf(roles), List.of(), null, true)));
      return result;
    }
  }

  record TenantList(ClaimPath path) implements Memberships {
    @Override
    public Map<String, Membership> read(JsonObject claims) {
      Map<String, Membership> result = new LinkedHashMap<>();
      Object value = path.first(claims);
      List<String> ids = value instanceof JsonObject map ? new ArrayList<>(map.fieldNames()) : path.strings(claims);
      for (String tenant : ids) {
        result.put(tenant, new Membership(List.of(), List.of(), null, false));
      }
      return result;
    }
  }
}
