package dev.tenantgateway.tenant;

import dev.tenantgateway.auth.VerifiedToken;
import dev.tenantgateway.policy.Denial;
import dev.tenantgateway.policy.DenialCode;
import dev.tenantgateway.policy.PermissionSet;
import dev.tenantgateway.tenant.Memberships.Membership;
import io.vertx.core.json.JsonObject;

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
 * the role template (the issuer's own, or the global one), and those application-wide roles grant everywhere. A role or
 * permission counts in a tenant only if the token ties it to that tenant (the token names the tenant, or the
 * membership of that tenant holds it), unless the configuration declares its claim global. Tenant and user ids with
 * control characters, commas, spaces or non-ASCII, and roles or permissions with control characters or non-ASCII,
 * never become trusted values.
 */
public final class TenantResolver {

  private final RoleTemplate roles;
  private final AppRoles appRoles;
  private final Tenancy tenancy;
  private final Denial.DeniedException chooseTenant;

  public TenantResolver(RoleTemplate roles, AppRoles appRoles) {
    this(roles, appRoles, Tenancy.defaults());
  }

  public TenantResolver(RoleTemplate roles, AppRoles appRoles, Tenancy tenancy) {
    this.roles = roles;
    this.appRoles = appRoles;
    this.tenancy = tenancy;
    this.chooseTenant = Denial.of(DenialCode.TENANT_REQUIRED, tenancy.howToChoose()).asException();
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
    ClaimMapping mapping = ClaimMapping.of(token);
    JsonObject claims = token.claims();
    Shape shape = mapping.shapeFor(claims);
    if (shape == null) {
      throw Denial.tokenInvalid("The token has none of the shapes configured for its issuer.").asException();
    }
    String user = shape.userOf(claims);
    if (user != null && !isHeaderSafe(user)) {
      throw Denial.tokenInvalid("The token's user claim holds characters that cannot be forwarded.").asException();
    }
    String named = tokenTenant(shape, claims);
    Map<String, Membership> memberships = stored != null ? stored
        : shape.memberships() == null ? Map.of() : shape.memberships().read(claims);
    List<String> callerAppRoles = listSafeSorted(shape.appRoles(), claims);

    if (requested != null && named != null && !requested.equals(named)) {
      throw Denial.of(DenialCode.TENANT_MISMATCH,
          "The request names a different tenant than the token; use a token for that tenant.").asException();
    }
    String tenant = requested != null ? requested : named;
    if (tenant == null && tenancy.defaultToSingleMembership() && memberships.size() == 1) {
      tenant = memberships.keySet().iterator().next();
    }
    if (tenant != null && !isHeaderSafe(tenant)) {
      throw (requested != null ? Denial.badRequest("The requested tenant id is malformed.")
          : Denial.tokenInvalid("The token's tenant claim holds characters that cannot be forwarded.")).asException();
    }
    Membership membership = tenant == null ? null : memberships.get(tenant);
    if (requested != null && named == null && membership == null && !appRoles.mayActInAnyTenant(callerAppRoles)) {
      throw Denial.of(DenialCode.TENANT_FORBIDDEN,
          "The caller is not a member of the requested tenant.").asException();
    }
    if (tenant == null && tenantRequired) {
      throw (memberships.isEmpty() ? Denial.tenantRequired().asException() : chooseTenant);
    }

    TreeSet<String> roleNames = new TreeSet<>();
    List<String> granted = new ArrayList<>();
    // A role counts in a tenant only if the token ties it to that tenant: the token names the tenant (or no tenant is
    // involved at all), or the membership of that tenant holds it. Roles the configuration declares global count too.
    boolean tiedByToken = tenant == null || tenant.equals(named);
    if (tiedByToken || shape.roles().global()) {
      addListSafe(shape.roles().read(claims), roleNames);
    }
    if (tiedByToken || shape.permissions().global()) {
      addListSafe(shape.permissions().read(claims), granted);
    }
    if (membership != null) {
      addListSafe(membership.roles(), roleNames);
      addListSafe(membership.permissions(), granted);
    }
    RoleTemplate template = mapping.template() != null ? mapping.template() : roles;
    PermissionSet permissions = PermissionSet.literal(granted)
        .union(template.permissionsOf(roleNames))
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
  public static void checkResource(ResourceClaim rule, String value, Caller caller, VerifiedToken token) {
    List<String> allowed = caller.membership() != null ? rule.claim().stringsIn(caller.membership())
        : rule.claim().strings(token.claims());
    if (value == null || !(allowed.contains("*") || allowed.contains(value))) {
      throw Denial.of(DenialCode.RESOURCE_FORBIDDEN,
          "The caller may not use this " + rule.param() + " in the active tenant.").asException();
    }
  }

  private static String tokenTenant(Shape shape, JsonObject claims) {
    if (shape.tenant() == null) {
      return null;
    }
    List<String> tenants = shape.tenant().tenants(claims);
    if (tenants.size() > 1) {
      throw Denial.of(DenialCode.TENANT_REQUIRED,
          "The token names more than one tenant; use a token for one organization.").asException();
    }
    return tenants.isEmpty() ? null : tenants.get(0);
  }

  private static List<String> listSafeSorted(ClaimValues field, JsonObject claims) {
    TreeSet<String> values = new TreeSet<>();
    addListSafe(field.read(claims), values);
    return List.copyOf(values);
  }

  private static void addListSafe(List<String> values, java.util.Collection<String> out) {
    for (int i = 0, n = values.size(); i < n; i++) {
      String value = values.get(i);
      if (isListSafe(value)) {
        out.add(value);
      }
    }
  }

  /**
   * Printable ASCII, spaces and commas included, 1 to 256 characters: a role or permission the trusted headers can
   * carry as an RFC 8941 string. Control characters and non-ASCII never become trusted values.
   */
  static boolean isListSafe(String value) {
    int n = value.length();
    if (n == 0 || n > 256 || value.isBlank()) {
      return false;
    }
    for (int i = 0; i < n; i++) {
      char c = value.charAt(i);
      if (c < 0x20 || c >= 0x7F) {
        return false;
      }
    }
    return true;
  }

  /** Visible ASCII without commas, 1 to 256 characters: a tenant or user id that travels in a header as it is. */
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
