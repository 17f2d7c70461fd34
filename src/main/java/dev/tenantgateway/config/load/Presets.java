package dev.tenantgateway.config.load;

import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * Issuer settings for common identity providers, written in the same language as an issuer's own keys
 * ({@code claims}, {@code shapes}, {@code payload_type}). {@code profile: <name>} starts from one; every key the
 * issuer sets under {@code claims:} replaces the preset's in every shape, and the issuer's own {@code shapes:} replace
 * the preset's. Each follows the tokens the provider documents (docs/tenancy.md lists the shapes and the settings
 * needed on the provider's side). Every preset reads roles only where the token ties them to one tenant.
 *
 * <p>Presets are configuration, not code: {@link ClaimsReader} reads the preset's text as if the issuer had written
 * it, so a preset is validated and modelled ({@code config.ClaimsConfig}) exactly like an issuer's own keys.
 */
public final class Presets {

  private static final Map<String, String> PRESETS = Map.ofEntries(
      // Kinde: one token per organization (org_code); roles are objects with a key (roles must be added to the access
      // token in the Kinde dashboard); machine-to-machine tokens carry gty [client_credentials] and scopes
      Map.entry("kinde", """
          claims: { tenant: org_code, roles: 'roles[].key', permissions: permissions }
          shapes:
            - when: { claim: gty, equals: client_credentials }
              claims: { roles: [], permissions: { first: [permissions, scp, scope] } }
            - claims: {}
          """),
      // Auth0 Organizations: org_id names the organization the user logged in through; RBAC permissions in the
      // access token; member roles of that organization through a post-login Action (docs/tenancy.md); M2M tokens
      // (gty client-credentials) carry scopes, and org_id when issued for an organization
      Map.entry("auth0", """
          claims: { tenant: org_id, roles: 'https://tenant-gateway/roles', permissions: { first: [permissions, scope] } }
          shapes:
            - when: { claim: gty, equals: client-credentials }
              claims: { user: [azp, sub], roles: [] }
            - claims: {}
          """),
      // Logto: organization tokens name the organization in the audience (urn:logto:organization:<id>) or, for an
      // API resource in an organization, in organization_id; permissions in scope. User tokens list
      // organization_roles as "<organization id>:<role name>"
      Map.entry("logto", """
          claims: { permissions: scope }
          shapes:
            - when: { claim: organization_id, present: true }
              claims: { tenant: organization_id }
            - claims:
                tenant: { claim: aud, prefix: 'urn:logto:organization:' }
                memberships: { pairs: organization_roles, separator: ':' }
          """),
      // Clerk: session token v2 (v: 2) carries the active organization in o: id, rol (role without its org: prefix),
      // per (permission names) and fpm (feature permission bitmasks) with fea (features); v1 used org_id, org_role,
      // org_permissions
      Map.entry("clerk", """
          claims: { tenant: org_id, roles: { claim: org_role, split: none }, permissions: org_permissions }
          shapes:
            - when: { claim: v, equals: '2' }
              claims:
                tenant: o.id
                roles: { claim: o.rol, split: none, add_prefix: 'org:' }
                permissions: { decode: clerk_org_permissions }
            - claims: {}
          """),
      // WorkOS AuthKit: org_id, role (and roles for several), permissions
      Map.entry("workos", """
          claims: { tenant: org_id, roles: { first: [roles, role], split: none }, permissions: permissions }
          """),
      // Keycloak 26 organizations: the organization claim lists the member's organizations by alias (a list, a
      // single alias, or a map {alias: {id, groups, attributes}} depending on the mapper); per-tenant roles come from
      // group paths /<organization alias>/<role> of the group membership mapper, or from the organization's own
      // groups in the map; realm roles are global in Keycloak and never count in a tenant. Keycloak marks access
      // tokens with typ Bearer in the payload; ID tokens (typ ID) are refused
      Map.entry("keycloak", """
          payload_type: Bearer
          claims:
            memberships:
              tenants: organization
              roles: { claim: groups, split: none, strip_prefix: '/' }
              tenant_roles: { pairs: groups, pattern: '^/(?<tenant>[^/]+)/(?<role>[^/]+)$' }
            permissions: scope
          """),
      // Zitadel: the project roles claim maps each role to the organizations it is granted in; scopes other than
      // Zitadel's reserved ones are permissions
      Map.entry("zitadel", """
          claims:
            memberships: { role_map: 'urn:zitadel:iam:org:project:roles' }
            permissions: { claim: scope, keep_pattern: '^(?!urn:zitadel:).*' }
          """),
      // Microsoft Entra ID: one token per directory (tid); app roles and delegated scopes (scp) for users; application
      // permissions in roles for app-only tokens (idtyp app)
      Map.entry("entra", """
          claims: { user: oid, tenant: tid, roles: { claim: roles, split: none }, permissions: scp }
          shapes:
            - when: { claim: idtyp, equals: app }
              claims: { user: [oid, azp, appid], roles: [], permissions: { claim: roles, split: none } }
            - claims: {}
          """),
      // Amazon Cognito: access tokens only (token_use access; ID tokens are refused). The active tenant in a custom
      // attribute added by a pre token generation trigger; groups named "<tenant>:<role>" give roles in that tenant
      // only; scopes are permissions; machine-to-machine tokens (no username) carry resource-server scopes
      Map.entry("cognito", """
          claims:
            user: [username, sub]
            tenant: 'custom:tenant_id'
            memberships: { pairs: 'cognito:groups', separator: ':' }
            permissions: { claim: scope, keep_pattern: '^(?!aws\\.cognito\\.).*' }
          shapes:
            - when: { claim: token_use, equals: access }
              claims: {}
          """),
      // Okta (custom authorization server): groups claim filtered to "tenant:<tenant>:<role>" groups; scp array
      Map.entry("okta", """
          claims:
            user: [uid, sub]
            memberships: { pairs: groups, pattern: '^tenant:(?<tenant>[^:]+):(?<role>.+)$' }
            permissions: scp
          """),
      // FusionAuth: tid is the FusionAuth tenant the user signed in to; roles of the user's registration for the
      // application; scope
      Map.entry("fusionauth", """
          claims: { tenant: tid, roles: { claim: roles, split: none }, permissions: scope }
          """),
      // Stytch B2B: the session JWT names the member's organization and the member's roles there
      Map.entry("stytch", """
          claims:
            tenant: '"https://stytch.com/organization".organization_id'
            roles: { claim: '"https://stytch.com/session".roles', split: none }
            permissions: []
          """),
      // Userfront: authorization maps each tenant to the user's roles there
      Map.entry("userfront", """
          claims: { user: userUuid, memberships: { tenant_map: authorization, roles: roles } }
          """),
      // Descope: tenants maps each tenant to roles and permissions; dct is the tenant the user selected
      Map.entry("descope", """
          claims: { tenant: dct, memberships: { tenant_map: tenants, roles: roles, permissions: permissions } }
          """),
      // PropelAuth: org_id_to_org_member_info maps each organization to the member's role and permissions
      Map.entry("propelauth", """
          claims:
            user: user_id
            memberships:
              tenant_map: org_id_to_org_member_info
              roles: { claim: inherited_user_roles_plus_current_role, split: none }
              permissions: user_permissions
          """),
      // Frontegg: the active tenant, the tenants the user belongs to, roles and permissions in the active one
      Map.entry("frontegg", """
          claims: { tenant: tenantId, roles: roles, permissions: permissions, memberships: { tenants: tenantIds } }
          """),
      // SuperTokens: tId names the tenant; roles and permissions claims hold their values under v
      Map.entry("supertokens", """
          claims: { tenant: tId, roles: st-role.v, permissions: st-perm.v }
          """),
      // Firebase / Identity Platform multi-tenancy: firebase.tenant; roles as custom claims
      Map.entry("firebase", """
          claims: { user: user_id, tenant: firebase.tenant, roles: roles, permissions: permissions }
          """));

  private Presets() {
  }

  /** The preset as YAML text (keys claims, shapes, payload_type), or null for an unknown name. */
  public static String claims(String profile) {
    return PRESETS.get(profile);
  }

  public static Set<String> names() {
    return new TreeSet<>(PRESETS.keySet());
  }
}
