package dev.tenantgateway.tenant;

import io.vertx.core.json.JsonObject;

import java.util.Set;

/**
 * When a shape of an issuer's tokens applies: a claim equals one of some values (for an array claim, one of its items
 * does), or is present, or is absent. Compiled at load time; {@link #shadows} lets the loader refuse shapes that can
 * never be chosen.
 */
public record Condition(ClaimPath claim, Kind kind, Set<String> values) {

  public enum Kind {
    EQUALS, PRESENT, ABSENT
  }

  public Condition {
    values = values == null ? Set.of() : Set.copyOf(values);
  }

  public boolean holds(JsonObject claims) {
    Object value = claim.first(claims);
    return switch (kind) {
      case PRESENT -> value != null;
      case ABSENT -> value == null;
      case EQUALS -> matches(value);
    };
  }

  private boolean matches(Object value) {
    if (value == null) {
      return false;
    }
    Iterable<?> items = ClaimPath.asIterable(value);
    if (items != null) {
      for (Object item : items) {
        if (item != null && !(item instanceof JsonObject) && values.contains(String.valueOf(item))) {
          return true;
        }
      }
      return false;
    }
    return !(value instanceof JsonObject) && values.contains(String.valueOf(value));
  }

  /** Whether every token this condition admits is already taken by {@code earlier} (so this one is never chosen). */
  public boolean shadowedBy(Condition earlier) {
    if (!earlier.claim.text().equals(claim.text())) {
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
    if (!other.claim.text().equals(claim.text()) || kind != Kind.EQUALS || other.kind != Kind.EQUALS) {
      return Set.of();
    }
    java.util.TreeSet<String> shared = new java.util.TreeSet<>(values);
    shared.retainAll(other.values);
    return shared;
  }

  @Override
  public String toString() {
    return switch (kind) {
      case PRESENT -> claim + " present";
      case ABSENT -> claim + " absent";
      case EQUALS -> claim + " in " + new java.util.TreeSet<>(values);
    };
  }
}
