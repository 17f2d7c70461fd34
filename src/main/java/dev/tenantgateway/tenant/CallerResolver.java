package dev.tenantgateway.tenant;

import dev.tenantgateway.auth.VerifiedToken;
import dev.tenantgateway.policy.Denial;
import dev.tenantgateway.policy.PermissionSet;
import dev.tenantgateway.routing.Route;

import java.util.ArrayList;
import java.util.List;
import java.util.TreeSet;

/**
 * Stages 4 and 5 of the pipeline: the active tenant from the verified token, then the caller's roles and
 * permissions in it (the token's own permissions plus those of its roles through the role template). Values that
 * cannot travel safely in a header (control characters, commas, non-ASCII) never become trusted values.
 */
public final class CallerResolver {

  private final RoleTemplate roles;

  public CallerResolver(RoleTemplate roles) {
    this.roles = roles;
  }

  /** The caller, or a {@link Denial.DeniedException} (403 {@code tenant_required}, 401 {@code token_invalid}). */
  public Caller resolve(VerifiedToken token, Route route) {
    ClaimMapping mapping = token.issuer().claims();
    Object userValue = mapping.user().first(token.claims());
    String user = userValue instanceof String s ? s : null;
    if (user != null && !isHeaderSafe(user)) {
      throw Denial.tokenInvalid("The token's user claim holds characters that cannot be forwarded.").asException();
    }
    String tenant = null;
    if (mapping.tenant() != null) {
      List<String> tenants = mapping.tenant().tenants(token.claims());
      if (tenants.size() > 1) {
        throw Denial.of(403, "tenant_required", "Tenant required",
            "The token names more than one tenant; use a token for one organization.").asException();
      }
      if (tenants.size() == 1) {
        tenant = tenants.get(0);
        if (!isHeaderSafe(tenant)) {
          throw Denial.tokenInvalid("The token's tenant claim holds characters that cannot be forwarded.").asException();
        }
      }
    }
    if (tenant == null && route.tenantRequired()) {
      throw Denial.tenantRequired().asException();
    }
    TreeSet<String> roleNames = new TreeSet<>();
    for (ClaimPath path : mapping.roles()) {
      for (String role : path.strings(token.claims())) {
        if (isHeaderSafe(role)) {
          roleNames.add(role);
        }
      }
    }
    List<String> tokenPermissions = new ArrayList<>();
    for (ClaimPath path : mapping.permissions()) {
      for (String permission : path.strings(token.claims())) {
        if (isHeaderSafe(permission)) {
          tokenPermissions.add(permission);
        }
      }
    }
    PermissionSet permissions = PermissionSet.literal(tokenPermissions).union(roles.permissionsOf(roleNames));
    return new Caller(user, tenant, List.copyOf(roleNames), permissions);
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
