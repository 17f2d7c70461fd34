package dev.tenantgateway.tenant;

import dev.tenantgateway.auth.ClaimRules;
import dev.tenantgateway.auth.VerifiedToken;
import io.vertx.core.json.JsonObject;

import java.util.List;
import java.util.Set;

/**
 * How the gateway reads one issuer's tokens, compiled at load time: the shapes its tokens come in (the first whose
 * condition holds is used), the role template for its roles (null: the global {@code roles:}), and the claim checks
 * that refuse tokens not meant for this gateway (authorized party, payload {@code typ}).
 *
 * @param template the issuer's own role template, {@link RoleTemplate#NONE} for none, or null to inherit the global one
 * @param authorizedParties accepted {@code azp} values (or {@code client_id} when a token has no azp); empty: any
 * @param payloadTypes accepted values of the payload's {@code typ} claim (Keycloak: {@code Bearer}); empty: any
 */
public final class ClaimMapping implements ClaimRules {

  private final List<Shape> shapes;
  private final RoleTemplate template;
  private final Set<String> authorizedParties;
  private final Set<String> payloadTypes;
  private final boolean usesStore;

  /** The claim mapping of the issuer that signed this token. */
  public static ClaimMapping of(VerifiedToken token) {
    return (ClaimMapping) token.issuer().claims();
  }

  public ClaimMapping(List<Shape> shapes, RoleTemplate template, Set<String> authorizedParties,
                      Set<String> payloadTypes) {
    this.shapes = List.copyOf(shapes);
    this.template = template;
    this.authorizedParties = Set.copyOf(authorizedParties);
    this.payloadTypes = Set.copyOf(payloadTypes);
    this.usesStore = this.shapes.stream().anyMatch(shape -> shape.memberships() instanceof Memberships.Store);
  }

  public List<Shape> shapes() {
    return shapes;
  }

  public RoleTemplate template() {
    return template;
  }

  public Set<String> authorizedParties() {
    return authorizedParties;
  }

  public Set<String> payloadTypes() {
    return payloadTypes;
  }

  /** One shape for every token, with the given user, tenant, permissions and roles. */
  public ClaimMapping(ClaimPath user, TenantClaim tenant, List<ClaimPath> permissions, List<ClaimPath> roles) {
    this(List.of(new Shape(null, List.of(user), tenant, null, ClaimValues.of(roles), ClaimValues.of(permissions),
        ClaimValues.NONE)), null, Set.of(), Set.of());
  }

  /** The shape for these claims, or null when none admits them. */
  public Shape shapeFor(JsonObject claims) {
    for (int i = 0, n = shapes.size(); i < n; i++) {
      Shape shape = shapes.get(i);
      if (shape.when() == null || shape.when().holds(claims)) {
        return shape;
      }
    }
    return null;
  }

  /** Why a verified token is still not accepted from this issuer, or null when it is. */
  @Override
  public String refusal(JsonObject claims) {
    if (!payloadTypes.isEmpty()) {
      Object typ = claims.getValue("typ");
      if (!(typ instanceof String t) || payloadTypes.stream().noneMatch(t::equalsIgnoreCase)) {
        return "The token's type is not accepted here; present an access token.";
      }
    }
    if (!authorizedParties.isEmpty()) {
      Object azp = claims.getValue("azp");
      if (azp == null) {
        azp = claims.getValue("client_id");
      }
      if (!(azp instanceof String party) || !authorizedParties.contains(party)) {
        return "The token was issued to a client this gateway does not accept.";
      }
    }
    if (shapeFor(claims) == null) {
      return "The token has none of the shapes configured for its issuer.";
    }
    return null;
  }

  /** Whether some shape keeps its memberships in the membership store (decided at load: the hot path asks). */
  public boolean usesStore() {
    return usesStore;
  }

  /** Whether the shape for these claims keeps its memberships in the membership store. */
  public boolean usesStore(JsonObject claims) {
    Shape shape = shapeFor(claims);
    return shape != null && shape.memberships() instanceof Memberships.Store;
  }

  /** The user id of these claims, or null. */
  public String userOf(JsonObject claims) {
    Shape shape = shapeFor(claims);
    return shape == null ? null : shape.userOf(claims);
  }
}
