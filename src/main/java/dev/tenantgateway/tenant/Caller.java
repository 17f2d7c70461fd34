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
    this(user, tenant, roles, permissions, appRoles, tenants, membership, headerList(roles),
        headerList(permissions.sortedGrants()), headerList(appRoles));
  }

  /**
   * An RFC 8941 list: members that are structured-field tokens ({@code admin}, {@code projects:read},
   * {@code https://api.example.com/invoices.read}) as they are, any other ({@code "Tenant Admin"}, a value with a
   * comma, or one starting with a digit) as a quoted string with {@code \} before {@code "} and {@code \}. Members are
   * separated by a comma alone, which RFC 8941 parsers accept and which keeps plain lists as they always were.
   */
  public static String headerList(List<String> values) {
    StringBuilder out = new StringBuilder();
    for (int i = 0, n = values.size(); i < n; i++) {
      if (i > 0) {
        out.append(',');
      }
      String value = values.get(i);
      if (isToken(value)) {
        out.append(value);
      } else {
        out.append('"');
        for (int j = 0; j < value.length(); j++) {
          char c = value.charAt(j);
          if (c == '"' || c == '\\') {
            out.append('\\');
          }
          out.append(c);
        }
        out.append('"');
      }
    }
    return out.toString();
  }

  /** RFC 8941 sf-token: ( ALPHA / "*" ) *( tchar / ":" / "/" ). */
  static boolean isToken(String value) {
    if (value.isEmpty()) {
      return false;
    }
    char first = value.charAt(0);
    if (!((first >= 'a' && first <= 'z') || (first >= 'A' && first <= 'Z') || first == '*')) {
      return false;
    }
    for (int i = 1; i < value.length(); i++) {
      char c = value.charAt(i);
      boolean ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')
          || "!#$%&'*+-.^_`|~:/".indexOf(c) >= 0;
      if (!ok) {
        return false;
      }
    }
    return true;
  }

  public Caller(String user, String tenant, List<String> roles, PermissionSet permissions) {
    this(user, tenant, roles, permissions, List.of(), tenant == null ? List.of() : List.of(tenant), null);
  }
}
