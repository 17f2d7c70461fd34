package dev.tenantgateway.tenant;

import dev.tenantgateway.config.ClaimPathSyntax;
import dev.tenantgateway.config.ClaimPathSyntax.Step;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;

/**
 * Where a value sits in a token's claims, parsed once at load time; the syntax is {@link ClaimPathSyntax}'s (the
 * model's), so the validator checks exactly what this class walks.
 */
public final class ClaimPath {

  private final String text;
  private final List<Step> steps;

  private ClaimPath(String text, List<Step> steps) {
    this.text = text;
    this.steps = List.copyOf(steps);
  }

  /** The path {@code text} names; a malformed one is an {@link IllegalArgumentException} (see {@link ClaimPathSyntax}). */
  public static ClaimPath parse(String text) {
    return new ClaimPath(text, ClaimPathSyntax.steps(text));
  }

  /** Every value the path reaches (an array at the end is returned as one value; {@code []} flattens). */
  public void forEach(JsonObject claims, Consumer<Object> sink) {
    walk(claims, 0, sink);
  }

  /** Every value the path reaches from {@code root}: the token's claims, or one value inside them. */
  public void walkFrom(Object root, Consumer<Object> sink) {
    walk(root, 0, sink);
  }

  private void walk(Object node, int index, Consumer<Object> sink) {
    if (node == null) {
      return;
    }
    if (index == steps.size()) {
      sink.accept(node);
      return;
    }
    Step step = steps.get(index);
    Object child = child(node, step.key());
    if (child == null) {
      return;
    }
    if (step.each()) {
      Iterable<?> elements = asIterable(child);
      if (elements != null) {
        for (Object element : elements) {
          walk(element, index + 1, sink);
        }
      }
    } else {
      walk(child, index + 1, sink);
    }
  }

  static Object child(Object node, String key) {
    if (node instanceof JsonObject object) {
      return object.getValue(key);
    }
    if (node instanceof Map<?, ?> map) {
      return map.get(key);
    }
    return null;
  }

  static Iterable<?> asIterable(Object value) {
    if (value instanceof JsonArray array) {
      return array;
    }
    if (value instanceof List<?> list) {
      return list;
    }
    return null;
  }

  /** The strings this path reaches inside one value (a membership entry) rather than in the whole claims. */
  public List<String> stringsIn(Object root) {
    List<String> out = new ArrayList<>();
    walk(root, 0, value -> addStrings(value, out));
    return out;
  }

  /** The first value the path reaches, or null. */
  public Object first(JsonObject claims) {
    Object[] found = new Object[1];
    forEach(claims, value -> {
      if (found[0] == null) {
        found[0] = value;
      }
    });
    return found[0];
  }

  /**
   * Every string the path reaches: array items are taken whole, and a single string is split on white space, so an
   * array claim ({@code permissions}) and a space-delimited one ({@code scope}, {@code scp}) read alike while an array
   * item such as {@code "Tenant Admin"} stays one value. Non-strings are skipped.
   */
  public List<String> strings(JsonObject claims) {
    List<String> out = new ArrayList<>();
    forEach(claims, value -> addStrings(value, out));
    return out;
  }

  private static void addStrings(Object value, List<String> out) {
    if (value instanceof String s) {
      splitOnWhitespace(s, out);
    } else if (asIterable(value) != null) {
      for (Object element : asIterable(value)) {
        if (element instanceof String s) {
          out.add(s);
        }
      }
    }
  }

  /** Adds the parts of {@code s} between white space, or between {@code separator}s when it is not 0. */
  static void split(String s, char separator, List<String> out) {
    int n = s.length();
    int start = -1;
    for (int i = 0; i <= n; i++) {
      boolean boundary = i == n || (separator == 0 ? Character.isWhitespace(s.charAt(i)) : s.charAt(i) == separator);
      if (boundary) {
        if (start >= 0) {
          String part = s.substring(start, i);
          if (separator != 0) {
            part = part.strip();
          }
          if (!part.isEmpty()) {
            out.add(part);
          }
          start = -1;
        }
      } else if (start < 0) {
        start = i;
      }
    }
  }

  static void splitOnWhitespace(String s, List<String> out) {
    split(s, (char) 0, out);
  }

  /** The path's text, as written in the configuration. */
  public String text() {
    return text;
  }

  @Override
  public String toString() {
    return text;
  }
}
