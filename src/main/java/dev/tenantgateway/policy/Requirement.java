package dev.tenantgateway.policy;

import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * What a route's {@code require} asks of the caller's permissions in the active tenant: one permission, or
 * {@code all_of} / {@code any_of} lists that nest. An empty {@code all_of} is satisfied by any authenticated caller.
 */
public sealed interface Requirement {

  boolean isSatisfiedBy(PermissionSet permissions);

  /** Every permission named anywhere in this requirement, in declaration order (for 403 bodies and docs). */
  default List<String> permissionNames() {
    Set<String> names = new LinkedHashSet<>();
    collectNames(names);
    return List.copyOf(names);
  }

  void collectNames(Set<String> into);

  static Requirement permission(String name) {
    return new Permission(name);
  }

  static Requirement allOf(List<Requirement> parts) {
    return new AllOf(parts);
  }

  static Requirement anyOf(List<Requirement> parts) {
    return new AnyOf(parts);
  }

  record Permission(String name) implements Requirement {
    @Override
    public boolean isSatisfiedBy(PermissionSet permissions) {
      return permissions.grants(name);
    }

    @Override
    public void collectNames(Set<String> into) {
      into.add(name);
    }

    @Override
    public String toString() {
      return name;
    }
  }

  record AllOf(List<Requirement> parts) implements Requirement {
    public AllOf {
      parts = List.copyOf(parts);
    }

    @Override
    public boolean isSatisfiedBy(PermissionSet permissions) {
      for (Requirement part : parts) {
        if (!part.isSatisfiedBy(permissions)) {
          return false;
        }
      }
      return true;
    }

    @Override
    public void collectNames(Set<String> into) {
      parts.forEach(part -> part.collectNames(into));
    }

    @Override
    public String toString() {
      return "all_of" + parts;
    }
  }

  record AnyOf(List<Requirement> parts) implements Requirement {
    public AnyOf {
      parts = List.copyOf(parts);
    }

    @Override
    public boolean isSatisfiedBy(PermissionSet permissions) {
      for (Requirement part : parts) {
        if (part.isSatisfiedBy(permissions)) {
          return true;
        }
      }
      return false;
    }

    @Override
    public void collectNames(Set<String> into) {
      parts.forEach(part -> part.collectNames(into));
    }

    @Override
    public String toString() {
      return "any_of" + parts;
    }
  }
}
