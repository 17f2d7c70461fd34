package dev.tenantgateway.tenant;

import dev.tenantgateway.auth.VerifiedToken;
import dev.tenantgateway.policy.Denial;
import dev.tenantgateway.policy.PermissionSet;
import dev.tenantgateway.tenant.Memberships.Membership;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;

/**
 * Stages 4 and 5 of the pipeline: which tenant the caller acts in, and their roles and permissions there.
 *
 * <p>The tenant comes from the token (a tenant claim) or from the request (path, switcher header, subdomain). A
 * tenant named by the request is only accepted when the token lists the caller as a member of it (or the caller holds
 * an application role that may act in any tenant); when both the token and the request name a tenant they must be
 * the same. The permissions are the ones the token grants in that tenant, those of the caller's roles there through
 * the role template, and those application-wide roles grant everywhere. Values that cannot travel safely in a header
 * (control characters, commas, non-ASCII) never become trusted values.
 */
public final class TenantResolver {

  private final RoleTemplate roles;
  private final AppRoles appRoles;

  public TenantResolver(RoleTemplate roles, AppRoles appRoles) {
    this.roles = roles;
    this.appRoles = appRoles;
  }

  /**
   * @param requested the tenant the request names (already checked to be unambiguous), or null
   * @param tenantRequired whether a request without any tenant is refused (403 {@code tenant_required})
   * @throws Denial.DeniedException 403 {@code tenant_required}, {@code tenant_forbidden}, {@code tenant_mismatch}, or
   *     401 {@code token_invalid} for claims that cannot be forwarded
   */
  public Caller resolve(VerifiedToken token, String requested, boolean tenantRequired) {
    Object memo = token.memo().get(this, requested, tenantRequired);
    if (memo instanceof Caller caller) {
      return caller;
    }
    Caller caller = resolve(token, requested, tenantRequired, null);
    token.memo().put(this, requested, tenantRequired, caller);
    return caller;
  }

  /** @param stored memberships from the membership store, or null when the issuer does not use it */
  public Caller resolve(VerifiedToken token, String requested, boolean tenantRequired, Map<String, Membership> stored) {
    ClaimMapping mapping = token.issuer().claims();
    var claims = token.claims();
    Object userValue = mapping.user().first(claims);
    String user = userValue instanceof String s ? s : null;
    if (user != null && !isHeaderSafe(user)) {
      throw Denial.tokenInvalid("The token's user claim holds characters that cannot be forwarded.").asException();
    }
    String named = tokenTenant(mapping, claims);
    Map<String, Membership> memberships = stored != null ? stored
        : mapping.memberships() == null ? Map.of() : mapping.memberships().read(claims);
    List<String> callerAppRoles = safeSorted(mapping.appRoles(), claims);

    if (requested != null && named != null && !requested.equals(named)) {
      throw Denial.of(403, "tenant_mismatch", "Tenant mismatch",
          "The request names a different tenant than the token; use a token for that tenant.").asException();
    }
    String tenant = requested != null ? requested : named;
    if (tenant != null && !isHeaderSafe(tenant)) {
      throw (requested != null ? Denial.badRequest("The requested tenant id is malformed.")
          : Denial.tokenInvalid("The token's tenant claim holds characters that cannot be forwarded.")).asException();
    }
    Membership membership = tenant == null ? null : memberships.get(tenant);
    if (requested != null && named == null && membership == null && !appRoles.mayActInAnyTenant(callerAppRoles)) {
      throw Denial.of(403, "tenant_forbidden", "Tenant forbidden",
          "The caller is not a member of the requested tenant.").asException();
    }
    if (tenant == null && tenantRequired) {
      throw Denial.tenantRequired().asException();
    }

    TreeSet<String> roleNames = new TreeSet<>();
    List<String> granted = new ArrayList<>();
    boolean tokenScoped = tenant != null && (tenant.equals(named) || (membership != null && !membership.perTenant()));
    if (tokenScoped || tenant == null) {
      // the token's own roles and permissions hold in the tenant it was issued for (or when no tenant is involved)
      roleNames.addAll(safeSorted(mapping.roles(), claims));
      for (ClaimPath path : mapping.permissions()) {
        for (String permission : path.strings(claims)) {
          if (isHeaderSafe(permission)) {
            granted.add(permission);
          }
        }
      }
    }
    if (membership != null) {
      for (String role : membership.roles()) {
        if (isHeaderSafe(role)) {
          roleNames.add(role);
        }
      }
      for (String permission : membership.permissions()) {
        if (isHeaderSafe(permission)) {
          granted.add(permission);
        }
      }
    }
    PermissionSet permissions = PermissionSet.literal(granted)
        .union(roles.permissionsOf(roleNames))
        .union(appRoles.permissionsOf(callerAppRoles));
    List<String> tenants = new ArrayList<>();
    if (named != null) {
      tenants.add(named);
    }
    for (String member : memberships.keySet()) {
      if (!tenants.contains(member) && isHeaderSafe(member)) {
        tenants.add(member);
      }
    }
    return new Caller(user, tenant, List.copyOf(roleNames), permissions, callerAppRoles, List.copyOf(tenants),
        membership == null ? null : membership.entry());
  }

  /**
   * Checks a resource constraint: 403 {@code resource_forbidden} unless the value is listed for the active tenant.
   */
  public static void checkResource(ResourceRule rule, String value, Caller caller, VerifiedToken token) {
    List<String> allowed = caller.membership() != null ? rule.claim().stringsIn(caller.membership())
        : rule.claim().strings(token.claims());
    if (value == null || !(allowed.contains("*") || allowed.contains(value))) {
      throw Denial.of(403, "resource_forbidden", "Resource forbidden",
          "The caller may not use this " + rule.param() + " in the active tenant.").asException();
    }
  }

  private static String tokenTenant(ClaimMapping mapping, io.vertx.core.json.JsonObject claims) {
    if (mapping.tenant() == null) {
      return null;
    }
    List<String> tenants = mapping.tenant().tenants(claims);
    if (tenants.size() > 1) {
      throw Denial.of(403, "tenant_required", "Tenant required",
          "The token names more than one tenant; use a token for one organization.").asException();
    }
    return tenants.isEmpty() ? null : tenants.get(0);
  }

  private static List<String> safeSorted(List<ClaimPath> paths, io.vertx.core.json.JsonObject claims) {
    TreeSet<String> values = new TreeSet<>();
    for (ClaimPath path : paths) {
      for (String value : path.strings(claims)) {
        if (isHeaderSafe(value)) {
          values.add(value);
        }
      }
    }
    return List.copyOf(values);
  }

  /** Visible ASCII without commas (the list separator of the trusted headers), 1 to 256 characters. */
  static boolean isHeaderSafe(String value) {
    int n = value.length();
    if (n == 0 || n > 256) {
      return false;
    }
    for (int i = 0; i < n; i++) {
      char c = value.charAt(i);
      if (c <= 0x20 || c >= 0x7F || c == ',') {
        return false;
      }
    }
    return true;
  }
}
