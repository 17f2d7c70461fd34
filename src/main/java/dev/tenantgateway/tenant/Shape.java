package dev.tenantgateway.tenant;

import io.vertx.core.json.JsonObject;

import java.util.List;

/**
 * One complete claim mapping of an issuer, chosen for the tokens its {@code when} admits (null: every token). An
 * issuer that sends user tokens, client-credentials tokens and organization-scoped tokens gives each its own shape.
 *
 * @param user claim paths of the user id; the first that holds a string wins
 * @param tenant where the token names its active tenant, or null
 * @param memberships where the token lists its tenants, or null
 * @param roles roles in the tenant the token names (in every tenant only when {@link ClaimValues#global()})
 * @param permissions permissions, likewise
 * @param appRoles application-wide roles, never mixed with tenant roles
 */
public record Shape(Condition when, List<ClaimPath> user, TenantClaim tenant, Memberships memberships,
                    ClaimValues roles, ClaimValues permissions, ClaimValues appRoles) {

  public Shape {
    user = List.copyOf(user);
  }

  public String userOf(JsonObject claims) {
    for (ClaimPath path : user) {
      if (path.first(claims) instanceof String s) {
        return s;
      }
    }
    return null;
  }
}
