package dev.tenantgateway.tenant;

import io.vertx.core.json.JsonObject;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Where a token lists the tenants its user belongs to, and what they hold in each. Every role and permission read
 * here is tied to one tenant by the token itself; nothing read here counts in another tenant.
 * <ul>
 *   <li>{@code tenants} / {@code tenant_map}: a list of tenant ids, a single id, or a map keyed by tenant whose
 *       entries may hold roles and permissions (Keycloak {@code organization}, Userfront {@code authorization},
 *       Descope {@code tenants}, PropelAuth {@code org_id_to_org_member_info}); the id may come from a field of the
 *       entry instead of the key (Keycloak's organization {@code id} beside its alias);</li>
 *   <li>{@code role_map}: a map keyed by role whose values name tenants (Zitadel's project roles claim);</li>
 *   <li>{@code pairs}: strings read by a pattern with the named groups {@code tenant} and {@code role}
 *       ({@code "acme:admin"}, Okta groups {@code tenant:acme:admin}, Keycloak group paths {@code /acme/admin});</li>
 *   <li>{@link Joined}: memberships from one claim, per-tenant roles from another; a role counts only where both
 *       hold.</li>
 * </ul>
 */
public sealed interface Memberships {

  /**
   * What the user holds in one tenant.
   *
   * @param key the tenant's key in the token when the id came from a field of the entry (an alias), else null
   * @param entry the raw membership value, for resource constraints
   */
  record Membership(List<String> roles, List<String> permissions, Object entry, String key) {

    public Membership(List<String> roles, List<String> permissions, Object entry) {
      this(roles, permissions, entry, null);
    }

    Membership withRoles(List<String> more) {
      List<String> all = new ArrayList<>(roles);
      all.addAll(more);
      return new Membership(all, permissions, entry, key);
    }
  }

  /** Every membership the token lists, keyed by tenant id, in token order. */
  Map<String, Membership> read(JsonObject claims);

  /**
   * A list, a single id, or a map keyed by tenant.
   *
   * @param idField the entry field that holds the tenant id (instead of the key), or null
   * @param roles roles inside each entry, or {@link ClaimValues#NONE}
   * @param permissions permissions inside each entry, or {@link ClaimValues#NONE}
   * @param valueIsRoles a map value that is not an object (a string or a list) is the tenant's roles
   */
  record Entries(ClaimPath path, ClaimPath idField, ClaimValues roles, ClaimValues permissions, boolean valueIsRoles)
      implements Memberships {
    @Override
    public Map<String, Membership> read(JsonObject claims) {
      Map<String, Membership> result = new LinkedHashMap<>();
      Object value = path.first(claims);
      if (value instanceof String id) {
        if (!id.isEmpty()) {
          result.put(id, new Membership(List.of(), List.of(), null));
        }
      } else if (value instanceof JsonObject map) {
        for (String key : map.fieldNames()) {
          add(result, key, map.getValue(key));
        }
      } else if (ClaimPath.asIterable(value) != null) {
        for (Object item : ClaimPath.asIterable(value)) {
          if (item instanceof String id && !id.isEmpty()) {
            result.put(id, new Membership(List.of(), List.of(), null));
          } else if (item instanceof JsonObject && idField != null) {
            add(result, null, item);
          }
        }
      }
      return result;
    }

    private void add(Map<String, Membership> result, String key, Object entry) {
      String id = key;
      if (idField != null) {
        Object found = idField.first(entry instanceof JsonObject o ? o : new JsonObject());
        if (found instanceof String s && !s.isEmpty()) {
          id = s;
        } else if (key == null) {
          return;
        }
      }
      List<String> roleNames = new ArrayList<>();
      List<String> permissionNames = new ArrayList<>();
      if (entry instanceof JsonObject) {
        roles.read(entry, roleNames);
        permissions.read(entry, permissionNames);
      } else if (valueIsRoles && entry != null) {
        ClaimValues.of(List.of(VALUE)).read(new JsonObject().put("value", entry), roleNames);
      }
      result.put(id, new Membership(roleNames, permissionNames, entry, id.equals(key) ? null : key));
    }
  }

  ClaimPath VALUE = ClaimPath.parse("value");

  /** {@code {role: {tenant: ...}}} or {@code {role: [tenant, ...]}}. */
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
            ids.addAll(VALUE.stringsIn(new JsonObject().put("value", tenants)));
          }
          for (String tenant : ids) {
            rolesByTenant.computeIfAbsent(tenant, t -> new ArrayList<>()).add(role);
          }
        }
      }
      Map<String, Membership> result = new LinkedHashMap<>();
      rolesByTenant.forEach((tenant, roleNames) -> result.put(tenant, new Membership(roleNames, List.of(), null)));
      return result;
    }
  }

  /**
   * Strings read by a pattern whose named groups {@code tenant} and {@code role} say which role in which tenant;
   * strings the pattern does not match are ignored. Array items are taken whole; a single string is split on white
   * space.
   */
  record Pairs(ClaimPath path, Pattern pattern) implements Memberships {

    /** {@code <tenant><separator><role>}, split at the first separator. */
    public static Pattern separatedBy(String separator) {
      return Pattern.compile("^(?<tenant>.+?)" + Pattern.quote(separator) + "(?<role>.+)$", Pattern.DOTALL);
    }

    @Override
    public Map<String, Membership> read(JsonObject claims) {
      Map<String, List<String>> rolesByTenant = new LinkedHashMap<>();
      for (String pair : path.strings(claims)) {
        Matcher m = pattern.matcher(pair);
        if (m.matches()) {
          String tenant = m.group("tenant");
          String role = m.group("role");
          if (tenant != null && !tenant.isEmpty() && role != null && !role.isEmpty()) {
            rolesByTenant.computeIfAbsent(tenant, t -> new ArrayList<>()).add(role);
          }
        }
      }
      Map<String, Membership> result = new LinkedHashMap<>();
      rolesByTenant.forEach((tenant, roleNames) -> result.put(tenant, new Membership(roleNames, List.of(), null)));
      return result;
    }
  }

  /**
   * Membership from one claim ({@code organization}), per-tenant roles from another ({@code groups} such as
   * {@code /acme/admin}): a role counts in a tenant only when the first lists the user as a member there. The
   * tenant part of a pair may name the membership by its id or by its key (a Keycloak alias).
   */
  record Joined(Memberships members, Pairs roles) implements Memberships {
    @Override
    public Map<String, Membership> read(JsonObject claims) {
      Map<String, Membership> result = new LinkedHashMap<>(members.read(claims));
      if (result.isEmpty()) {
        return result;
      }
      Map<String, Membership> pairs = roles.read(claims);
      if (pairs.isEmpty()) {
        return result;
      }
      for (Map.Entry<String, Membership> member : result.entrySet()) {
        Membership m = member.getValue();
        Membership byId = pairs.get(member.getKey());
        Membership byKey = m.key() == null ? null : pairs.get(m.key());
        if (byId != null) {
          m = m.withRoles(byId.roles());
        }
        if (byKey != null) {
          m = m.withRoles(byKey.roles());
        }
        member.setValue(m);
      }
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
      rolesByTenant.forEach((tenant, roles) -> result.put(tenant, new Membership(List.copyOf(roles), List.of(), null)));
      return result;
    }
  }
}
