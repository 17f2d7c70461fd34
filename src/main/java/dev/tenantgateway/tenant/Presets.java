package dev.tenantgateway.tenant;

import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * Claim mappings for common identity providers, written in the same language as an issuer's {@code claims:} block.
 * {@code profile: <name>} starts from one; any key the issuer sets itself replaces the preset's. Each follows the
 * token the provider documents (see docs/tenancy.md for the shapes and sources).
 */
public final class Presets {

  private static final Map<String, String> CLAIMS = Map.ofEntries(
      // Kinde: one token per organization; roles are objects with a key
      Map.entry("kinde", "{tenant: org_code, roles: 'roles[].key', permissions: permissions}"),
      // Auth0 Organizations: org_id; RBAC permissions in the access token; roles only through a custom claim
      Map.entry("auth0", "{tenant: org_id, permissions: permissions}"),
      // Logto: organization tokens carry the organization in the audience and permissions in scope; user tokens
      // list organization_roles as "<organization>:<role>"
      Map.entry("logto", "{tenant: {claim: aud, prefix: 'urn:logto:organization:'}, permissions: scope,"
          + " memberships: {pairs: organization_roles, separator: ':'}}"),
      // Clerk session token v2: the active organization in o (id, rol, per); v1 used org_id / org_role / org_permissions
      Map.entry("clerk", "{tenant: [o.id, org_id], roles: [o.rol, org_role], permissions: [o.per, org_permissions]}"),
      // WorkOS AuthKit: org_id, role (and roles), permissions
      Map.entry("workos", "{tenant: org_id, roles: [role, roles], permissions: permissions}"),
      // Keycloak 26 organizations: the organization claim lists the member's organizations (list or map)
      Map.entry("keycloak", "{roles: realm_access.roles, permissions: scope, memberships: {tenants: organization}}"),
      // Zitadel: the project roles claim maps each role to the organizations it is granted in
      Map.entry("zitadel", "{tenant: 'urn:zitadel:iam:user:resourceowner:id',"
          + " memberships: {role_map: 'urn:zitadel:iam:org:project:roles'}, permissions: scope}"),
      // Microsoft Entra ID: the directory (tenant) id, app roles, delegated scopes
      Map.entry("entra", "{user: oid, tenant: tid, roles: roles, permissions: scp}"),
      // Amazon Cognito: a custom tenant attribute, groups as roles, scopes
      Map.entry("cognito", "{tenant: 'custom:tenant_id', roles: 'cognito:groups', permissions: scope}"),
      // Userfront: authorization maps each tenant to the user's roles there
      Map.entry("userfront", "{user: userUuid, memberships: {tenant_map: authorization, roles: roles}}"),
      // Descope: tenants maps each tenant to roles and permissions; dct is the tenant the user selected
      Map.entry("descope", "{tenant: dct, memberships: {tenant_map: tenants, roles: roles, permissions: permissions}}"),
      // PropelAuth: org_id_to_org_member_info maps each organization to the member's role and permissions
      Map.entry("propelauth", "{user: user_id, memberships: {tenant_map: org_id_to_org_member_info,"
          + " roles: inherited_user_roles_plus_current_role, permissions: user_permissions}}"),
      // Frontegg: the active tenant, the tenants the user belongs to, roles and permissions in the active one
      Map.entry("frontegg", "{tenant: tenantId, roles: roles, permissions: permissions, memberships: {tenants: tenantIds}}"),
      // SuperTokens: tId names the tenant; roles and permissions claims hold their values under v
      Map.entry("supertokens", "{tenant: tId, roles: st-role.v, permissions: st-perm.v}"),
      // Firebase / Identity Platform multi-tenancy: firebase.tenant; roles as custom claims
      Map.entry("firebase", "{user: user_id, tenant: firebase.tenant, roles: roles, permissions: permissions}"));

  private Presets() {
  }

  /** The preset's claims block as YAML flow text, or null for an unknown name. */
  public static String claims(String profile) {
    return CLAIMS.get(profile);
  }

  public static Set<String> names() {
    return new TreeSet<>(CLAIMS.keySet());
  }
}
