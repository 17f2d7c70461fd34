package dev.tenantgateway.tenant;

import io.vertx.core.json.JsonObject;

import java.util.Set;

/**
 * When a shape of an issuer's tokens applies: a claim equals one of some values (for an array claim, one of its items
 * does), or is present, or is absent. Compiled at load time from the model's condition, which is where shapes that can
 * never be chosen are found.
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

  @Override
  public String toString() {
    return switch (kind) {
      case PRESENT -> claim + " present";
      case ABSENT -> claim + " absent";
      case EQUALS -> claim + " in " + new java.util.TreeSet<>(values);
    };
  }
}
