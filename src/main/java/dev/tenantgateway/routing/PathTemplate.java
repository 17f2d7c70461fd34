package dev.tenantgateway.routing;

import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;

/**
 * A route's path: literal segments, {@code {name}} segments that match any one non-empty segment, and an optional
 * final {@code **} that matches any number of remaining segments (zero included). Literals are compared with the
 * canonical path, so they are written in canonical form.
 */
public final class PathTemplate {

  private static final Pattern PARAM = Pattern.compile("\\{([A-Za-z_][A-Za-z0-9_]*)}");
  /** The characters a canonical literal segment may hold besides upper-case percent escapes; '*' is not one. */
  private static final String LITERAL_PUNCTUATION = "-._~!$&'()+,=:@";

  /** A segment of the template: a literal, or a parameter (name set), or the tail wildcard. */
  public record Segment(String literal, String param, boolean wildcard) {
  }

  private final String text;
  private final List<Segment> segments;
  private final boolean trailingSlash;

  private final List<String> paramNames;

  private PathTemplate(String text, List<Segment> segments, boolean trailingSlash) {
    this.text = text;
    this.segments = List.copyOf(segments);
    this.trailingSlash = trailingSlash;
    List<String> names = new ArrayList<>();
    for (Segment s : segments) {
      if (s.param() != null) {
        names.add(s.param());
      }
    }
    this.paramNames = List.copyOf(names);
  }

  /** Parses a template or throws {@link IllegalArgumentException} with a message that says how to fix it. */
  public static PathTemplate parse(String text) {
    if (text == null || !text.startsWith("/")) {
      throw new IllegalArgumentException("a path must start with '/', for example /projects/{id}");
    }
    List<Segment> segments = new ArrayList<>();
    List<String> names = new ArrayList<>();
    String[] parts = text.substring(1).split("/", -1);
    boolean trailingSlash = false;
    for (int i = 0; i < parts.length; i++) {
      String part = parts[i];
      boolean last = i == parts.length - 1;
      if (part.isEmpty()) {
        if (last && i > 0) {
          trailingSlash = true;
          continue;
        }
        if (last) {
          continue; // the root "/"
        }
        throw new IllegalArgumentException("empty segment ('//') in path " + text);
      }
      if (part.equals("**")) {
        if (!last) {
          throw new IllegalArgumentException("'**' may only be the last segment, as in /files/**");
        }
        segments.add(new Segment(null, null, true));
      } else if (part.startsWith("{")) {
        var m = PARAM.matcher(part);
        if (!m.matches()) {
          throw new IllegalArgumentException("malformed parameter segment '" + part + "': write {name} with letters, digits and '_'");
        }
        if (names.contains(m.group(1))) {
          throw new IllegalArgumentException("parameter {" + m.group(1) + "} appears twice in " + text);
        }
        names.add(m.group(1));
        segments.add(new Segment(null, m.group(1), false));
      } else if (part.equals(".") || part.equals("..")) {
        throw new IllegalArgumentException("dot segment '" + part + "' in path " + text + ": write the path in canonical form");
      } else if (!isLiteral(part)) {
        throw new IllegalArgumentException("segment '" + part + "' of " + text
            + " has characters a canonical path cannot hold: percent-encode them in upper case (%20) and avoid ';', '*', '{', '}'");
      } else {
        PathNormalizer.Result normalized = PathNormalizer.normalize("/" + part);
        if (normalized.path() == null) {
          throw new IllegalArgumentException("segment '" + part + "' of " + text + " can never match: the gateway refuses "
              + "requests whose path holds it (" + normalized.error() + ")");
        }
        String canonical = normalized.path();
        if (!("/" + part).equals(canonical)) {
          throw new IllegalArgumentException("segment '" + part + "' of " + text + " is not canonical: write it as '"
              + canonical.substring(1) + "'");
        }
        segments.add(new Segment(part, null, false));
      }
    }
    if (trailingSlash && !segments.isEmpty() && segments.get(segments.size() - 1).wildcard()) {
      throw new IllegalArgumentException("'**/' is not a valid ending; write '**'");
    }
    return new PathTemplate(text, segments, trailingSlash);
  }

  /**
   * Whether the segment holds only unreserved characters, sub-delimiters other than '*', ':' and '@', and upper-case
   * percent escapes: a plain scan, since a table of 10,000 routes checks every segment at each load.
   */
  private static boolean isLiteral(String part) {
    int n = part.length();
    for (int i = 0; i < n; i++) {
      char c = part.charAt(i);
      if (c == '%') {
        if (i + 2 >= n || !isUpperHex(part.charAt(i + 1)) || !isUpperHex(part.charAt(i + 2))) {
          return false;
        }
        i += 2;
      } else if (!(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9'
          || LITERAL_PUNCTUATION.indexOf(c) >= 0)) {
        return false;
      }
    }
    return n > 0;
  }

  private static boolean isUpperHex(char c) {
    return c >= '0' && c <= '9' || c >= 'A' && c <= 'F';
  }

  public List<Segment> segments() {
    return segments;
  }

  public boolean trailingSlash() {
    return trailingSlash;
  }

  public boolean endsWithWildcard() {
    return !segments.isEmpty() && segments.get(segments.size() - 1).wildcard();
  }

  /** Parameter names in the order they appear. */
  public List<String> paramNames() {
    return paramNames;
  }

  public int paramCount() {
    return paramNames.size();
  }

  /** The template with parameter names erased: two routes with the same shape match the same paths. */
  public String shape() {
    StringBuilder b = new StringBuilder();
    for (Segment s : segments) {
      b.append('/').append(s.literal() != null ? s.literal() : s.wildcard() ? "**" : "{}");
    }
    if (segments.isEmpty() || trailingSlash) {
      b.append('/');
    }
    return b.toString();
  }

  @Override
  public String toString() {
    return text;
  }
}
