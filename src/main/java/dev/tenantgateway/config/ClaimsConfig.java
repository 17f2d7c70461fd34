package dev.tenantgateway.config;

import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * An issuer's tenancy keys ({@code profile}, {@code claims}, {@code shapes}, {@code roles_template},
 * {@code authorized_parties}, {@code payload_type}) as read and validated, with any preset already expanded: plain
 * values (claim paths and regular expressions as written), compiled to the runtime claim mapping by the compiler.
 * Reload: applies (a new issuer set).
 *
 * @param shapes the shapes in order (the first whose condition holds is used); never empty
 * @param template the issuer's own role template, or null to inherit the global {@code roles:}
 * @param authorizedParties accepted {@code azp} values; empty: any
 * @param payloadTypes accepted values of the payload's {@code typ} claim; empty: any
 */
public record ClaimsConfig(List<Shape> shapes, Template template, Set<String> authorizedParties,
                           Set<String> payloadTypes) {

  public ClaimsConfig {
    shapes = List.copyOf(shapes);
    authorizedParties = Set.copyOf(authorizedParties);
    payloadTypes = Set.copyOf(payloadTypes);
  }

  /** Whether some shape keeps its memberships in the membership store. */
  public boolean usesStore() {
    return shapes.stream().anyMatch(shape -> shape.memberships() instanceof Memberships.Store);
  }

  /**
   * One claim mapping, for the tokens {@code when} admits (null: every token).
   *
   * @param user claim paths of the user id; the first that holds a string wins
   * @param tenant where the token names its active tenant, or null
   * @param memberships where the token lists its tenants, or null
   */
  public record Shape(Condition when, List<String> user, TenantField tenant, Memberships memberships, Values roles,
                      Values permissions, Values appRoles) {
    public Shape {
      user = List.copyOf(user);
    }
  }

  /** A claim equals one of some values, or is present, or is absent. */
  public record Condition(String claim, Kind kind, Set<String> values) {

    public enum Kind {
      EQUALS, PRESENT, ABSENT
    }

    public Condition {
      values = values == null ? Set.of() : Set.copyOf(values);
    }

    /** Whether every token this condition admits is already taken by {@code earlier} (so this one is never chosen). */
    public boolean shadowedBy(Condition earlier) {
      if (!earlier.claim.equals(claim)) {
        return false;
      }
      return switch (earlier.kind) {
        case PRESENT -> kind != Kind.ABSENT;
        case ABSENT -> kind == Kind.ABSENT;
        case EQUALS -> kind == Kind.EQUALS && earlier.values.containsAll(values);
      };
    }

    /** Values both conditions admit, when they test the same claim for equality, or an empty set. */
    public Set<String> sharedValues(Condition other) {
      if (!other.claim.equals(claim) || kind != Kind.EQUALS || other.kind != Kind.EQUALS) {
        return Set.of();
      }
      TreeSet<String> shared = new TreeSet<>(values);
      shared.retainAll(other.values);
      return shared;
    }

    @Override
    public String toString() {
      return switch (kind) {
        case PRESENT -> claim + " present";
        case ABSENT -> claim + " absent";
        case EQUALS -> claim + " in " + new TreeSet<>(values);
      };
    }
  }

  /** Where the token names its active tenant: paths (first with a value wins), a prefix and suffix to remove, an id field. */
  public record TenantField(List<String> paths, String prefix, String suffix, String idField) {
    public TenantField {
      paths = List.copyOf(paths);
    }
  }

  /** How a string value (not an array item) is cut into values. */
  public enum Split {
    SPACE, COMMA, NONE
  }

  /** Values computed from several claims at once, as a provider's SDK does. */
  public enum Decoder {
    CLERK_ORG_PERMISSIONS
  }

  /**
   * A list-valued field (roles, permissions, application roles) and its transforms.
   *
   * @param firstPresent the first present path wins (else all are joined)
   * @param keepPattern a regular expression as written (already checked), or null
   */
  public record Values(List<String> paths, boolean firstPresent, Split split, boolean dropOidcScopes, String keepPrefix,
                       String keepPattern, String stripPrefix, String addPrefix, boolean global, Decoder decoder) {

    /** Nothing. */
    public static final Values NONE = of(List.of());

    public Values {
      paths = List.copyOf(paths);
    }

    /** The plain reading of some paths: all joined, split on white space, OIDC scopes dropped. */
    public static Values of(List<String> paths) {
      return new Values(paths, false, Split.SPACE, true, null, null, null, null, false, null);
    }
  }

  /** Where a token lists the tenants its user belongs to. */
  public sealed interface Memberships {

    /** {@code tenants} ({@code valueIsRoles} false) or {@code tenant_map} (true). */
    record Entries(String path, String idField, Values roles, Values permissions, boolean valueIsRoles)
        implements Memberships {
    }

    /** {@code role_map}. */
    record RoleMap(String path) implements Memberships {
    }

    /**
     * {@code pairs}: strings read by {@code pattern} (a regular expression as written, already checked) or, when it
     * is null, split at the first {@code separator}.
     */
    record Pairs(String path, String pattern, String separator) implements Memberships {
    }

    /** Memberships from one claim, per-tenant roles from pairs in another ({@code tenant_roles}). */
    record Joined(Memberships members, Pairs roles) implements Memberships {
    }

    /** {@code store: true}: kept in the membership store. */
    record Store() implements Memberships {
    }
  }

  /**
   * An issuer's own role template.
   *
   * @param none {@code roles_template: none}: roles grant nothing
   * @param roles each role's permissions and patterns (empty when {@code none})
   */
  public record Template(boolean none, Map<String, List<String>> roles) {
    public Template {
      roles = Map.copyOf(roles);
    }
  }
}
