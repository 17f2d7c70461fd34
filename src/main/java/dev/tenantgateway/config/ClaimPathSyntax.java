package dev.tenantgateway.config;

import java.util.ArrayList;
import java.util.List;

/**
 * The grammar of a claim path as written in routes.yaml, shared by the validator (which only checks it) and the
 * runtime path that walks a token's claims (which keeps the steps).
 *
 * <p>Syntax: keys separated by dots ({@code realm_access.roles}); a key in double quotes may hold dots and slashes
 * ({@code "https://app.example.com/claims".org}); a key followed by {@code []} walks every element of an array
 * ({@code roles[].key}). A path that starts with {@code http://}, {@code https://} or {@code urn:} and has no quotes
 * is one key as a whole, because namespaced custom claims look like that.
 */
public final class ClaimPathSyntax {

  /** One key of a path; {@code each}: the key was followed by {@code []}. */
  public record Step(String key, boolean each) {
  }

  private ClaimPathSyntax() {
  }

  /** The steps of {@code text}; a malformed path is an {@link IllegalArgumentException} with a readable message. */
  public static List<Step> steps(String text) {
    if (text == null || text.isBlank()) {
      throw new IllegalArgumentException("a claim path must not be empty");
    }
    List<Step> steps = new ArrayList<>();
    if (!text.contains("\"") && (text.startsWith("http://") || text.startsWith("https://") || text.startsWith("urn:"))) {
      steps.add(new Step(text, false));
      return steps;
    }
    int i = 0;
    int n = text.length();
    while (i < n) {
      String key;
      if (text.charAt(i) == '"') {
        int close = text.indexOf('"', i + 1);
        if (close < 0) {
          throw new IllegalArgumentException("unclosed quote in claim path '" + text + "'");
        }
        key = text.substring(i + 1, close);
        i = close + 1;
      } else {
        int j = i;
        while (j < n && text.charAt(j) != '.' && text.charAt(j) != '[') {
          j++;
        }
        key = text.substring(i, j);
        i = j;
      }
      if (key.isEmpty()) {
        throw new IllegalArgumentException("empty key in claim path '" + text + "' (use \"...\" to quote keys with dots)");
      }
      boolean each = false;
      if (text.startsWith("[]", i)) {
        each = true;
        i += 2;
      }
      steps.add(new Step(key, each));
      if (i < n) {
        if (text.charAt(i) != '.') {
          throw new IllegalArgumentException("expected '.' at position " + i + " of claim path '" + text + "'");
        }
        i++;
        if (i == n) {
          throw new IllegalArgumentException("claim path '" + text + "' ends with '.'");
        }
      }
    }
    return steps;
  }
}
