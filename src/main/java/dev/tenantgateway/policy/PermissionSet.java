package dev.tenantgateway.policy;

import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;

/**
 * The permissions a caller holds in one tenant. Exact names are looked up in a hash set; wildcard grants
 * ({@code projects:*}, or {@code *} for everything) come only from the operator's role template and are kept as
 * prefixes. Immutable, so role sets expanded at load time can be shared by every request.
 */
public final class PermissionSet {

  public static final PermissionSet EMPTY = new PermissionSet(Set.of(), List.of(), false);

  private final Set<String> exact;
  private final List<String> prefixes;
  private final boolean all;

  private PermissionSet(Set<String> exact, List<String> prefixes, boolean all) {
    this.exact = exact;
    this.prefixes = prefixes;
    this.all = all;
  }

  /** Literal permission names, as a token carries them: a {@code *} in them has no special meaning. */
  public static PermissionSet literal(Collection<String> names) {
    return names.isEmpty() ? EMPTY : new PermissionSet(Set.copyOf(names), List.of(), false);
  }

  /** Patterns from the role template: a trailing {@code *} grants every permission with that prefix. */
  public static PermissionSet patterns(Collection<String> patterns) {
    Set<String> exact = new java.util.HashSet<>();
    List<String> prefixes = new ArrayList<>();
    boolean all = false;
    for (String pattern : patterns) {
      if (pattern.equals("*")) {
        all = true;
      } else if (pattern.endsWith("*")) {
        prefixes.add(pattern.substring(0, pattern.length() - 1));
      } else {
        exact.add(pattern);
      }
    }
    return new PermissionSet(Set.copyOf(exact), List.copyOf(prefixes), all);
  }

  public boolean grants(String permission) {
    if (all || exact.contains(permission)) {
      return true;
    }
    for (int i = 0; i < prefixes.size(); i++) {
      if (permission.startsWith(prefixes.get(i))) {
        return true;
      }
    }
    return false;
  }

  public PermissionSet union(PermissionSet other) {
    if (other == EMPTY || other == this) {
      return this;
    }
    if (this == EMPTY) {
      return other;
    }
    Set<String> names = new java.util.HashSet<>(exact);
    names.addAll(other.exact);
    List<String> merged = new ArrayList<>(prefixes);
    for (String prefix : other.prefixes) {
      if (!merged.contains(prefix)) {
        merged.add(prefix);
      }
    }
    return new PermissionSet(Set.copyOf(names), List.copyOf(merged), all || other.all);
  }

  public boolean isEmpty() {
    return !all && exact.isEmpty() && prefixes.isEmpty();
  }

  /** The grants as written (wildcards shown with their {@code *}), sorted: the encoding of the trusted header. */
  public List<String> sortedGrants() {
    TreeSet<String> sorted = new TreeSet<>(exact);
    for (String prefix : prefixes) {
      sorted.add(prefix + "*");
    }
    if (all) {
      sorted.add("*");
    }
    return List.copyOf(sorted);
  }

  @Override
  public String toString() {
    return String.join(",", sortedGrants());
  }
}
