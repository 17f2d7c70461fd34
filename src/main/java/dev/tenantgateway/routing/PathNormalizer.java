package dev.tenantgateway.routing;

import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.text.Normalizer;
import java.util.ArrayList;
import java.util.List;

/**
 * Turns a raw request target into the one canonical path the gateway matches and forwards (RFC 3986 section 6):
 * escapes of characters a path may carry literally are decoded (unreserved characters, sub-delimiters, ':' and '@',
 * so no character has two spellings that a decoding upstream would read alike), other escapes kept in upper case,
 * dot segments resolved (never above the root), duplicate slashes merged. Anything with two readings is refused rather than guessed: an encoded {@code /} or
 * {@code \}, NUL and control characters, {@code ;} path parameters, backslashes, malformed escapes, invalid UTF-8,
 * and targets not in origin form.
 */
public final class PathNormalizer {

  /** The outcome: a canonical path and the raw query (null when absent), or the reason for a 400. */
  public record Result(String path, String query, String error) {
    public boolean ok() {
      return error == null;
    }

    /** The target to forward: the canonical path and the query exactly as received. */
    public String target() {
      return query == null ? path : path + "?" + query;
    }
  }

  private static final boolean[] PCHAR = new boolean[128];
  private static final boolean[] QUERY = new boolean[128];
  private static final boolean[] UNRESERVED = new boolean[128];

  static {
    String alphaNum = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
    for (char c : (alphaNum + "-._~").toCharArray()) {
      UNRESERVED[c] = true;
    }
    // pchar = unreserved / pct-encoded / sub-delims / ":" / "@", without ";" (path parameters are refused)
    for (char c : (alphaNum + "-._~" + "!$&'()*+,=" + ":@").toCharArray()) {
      PCHAR[c] = true;
    }
    for (char c : (alphaNum + "-._~" + "!$&'()*+,;=" + ":@" + "/?%").toCharArray()) {
      QUERY[c] = true;
    }
  }

  private PathNormalizer() {
  }

  /** Normalizes with look-alike code points refused (the default). */
  public static Result normalize(String rawTarget) {
    return normalize(rawTarget, false);
  }

  /**
   * @param allowLookalikes accept encoded code points whose Unicode compatibility form (NFKC) holds a character that
   *     structures a path ({@code / \ . % ; ?}), such as U+FF0F FULLWIDTH SOLIDUS or U+2025 TWO DOT LEADER: an
   *     upstream that applies NFKC would read {@code ..%EF%BC%8Fadmin} as {@code ../admin}
   */
  public static Result normalize(String rawTarget, boolean allowLookalikes) {
    if (rawTarget == null || rawTarget.isEmpty() || rawTarget.charAt(0) != '/') {
      return error("The request target must be a path starting with '/'.");
    }
    int queryStart = rawTarget.indexOf('?');
    String rawPath = queryStart < 0 ? rawTarget : rawTarget.substring(0, queryStart);
    String query = queryStart < 0 ? null : rawTarget.substring(queryStart + 1);
    if (query != null && !validQuery(query)) {
      return error("The query string contains characters that must be percent-encoded.");
    }
    if (isAlreadyCanonical(rawPath)) {
      return new Result(rawPath, query, null);
    }
    return normalizePath(rawPath, query, allowLookalikes);
  }

  /** The common case: plain characters, no escapes, no empty or dot segments. */
  private static boolean isAlreadyCanonical(String path) {
    int n = path.length();
    char previous = 0;
    for (int i = 0; i < n; i++) {
      char c = path.charAt(i);
      if (c == '/') {
        if (previous == '/') {
          return false;
        }
      } else if (c >= 128 || !PCHAR[c] || c == '%') {
        return false;
      } else if (c == '.' && previous == '/') {
        return false;
      }
      previous = c;
    }
    return true;
  }

  private static Result normalizePath(String rawPath, String query, boolean allowLookalikes) {
    List<String> segments = new ArrayList<>();
    int n = rawPath.length();
    int start = 1;
    boolean trailingSlash = false;
    while (start <= n) {
      int end = rawPath.indexOf('/', start);
      if (end < 0) {
        end = n;
      }
      String decoded = decodeSegment(rawPath, start, end, allowLookalikes);
      if (decoded == LOOKALIKE) {
        return error("The path contains an encoded character that reads as '/', '\\\\', '.', '%', ';' or '?' after "
            + "Unicode compatibility normalization (NFKC).");
      }
      if (decoded == null) {
        return error("The path contains a character or escape that is not allowed (encoded '/', '\\\\' or control "
            + "characters, ';', backslashes, invalid UTF-8 or malformed percent-encoding).");
      }
      boolean last = end == n;
      if (decoded.equals("..")) {
        if (segments.isEmpty()) {
          return error("The path climbs above the root with '..'.");
        }
        segments.remove(segments.size() - 1);
        trailingSlash = true;
      } else if (decoded.equals(".") || decoded.isEmpty()) {
        trailingSlash = true;
      } else {
        segments.add(decoded);
        trailingSlash = false;
      }
      if (last) {
        break;
      }
      start = end + 1;
    }
    StringBuilder canonical = new StringBuilder(rawPath.length());
    for (String segment : segments) {
      canonical.append('/').append(segment);
    }
    if (segments.isEmpty() || trailingSlash) {
      canonical.append('/');
    }
    return new Result(canonical.toString(), query, null);
  }

  /** Returned (by identity) for a segment refused because of a look-alike code point. */
  private static final String LOOKALIKE = new String("lookalike");

  /** One segment in canonical form, or null (or {@link #LOOKALIKE}) when it holds something refused. */
  private static String decodeSegment(String raw, int from, int to, boolean allowLookalikes) {
    StringBuilder out = null;
    ByteBuffer nonAscii = null;
    for (int i = from; i < to; i++) {
      char c = raw.charAt(i);
      if (c == '%') {
        if (i + 2 >= to) {
          return null;
        }
        int hi = Character.digit(raw.charAt(i + 1), 16);
        int lo = Character.digit(raw.charAt(i + 2), 16);
        if (hi < 0 || lo < 0) {
          return null;
        }
        int b = (hi << 4) | lo;
        if (b < 0x20 || b == 0x7F || b == '/' || b == '\\' || b == ';') {
          return null;
        }
        if (out == null) {
          out = new StringBuilder(to - from).append(raw, from, i);
        }
        if (b < 128 && PCHAR[b]) {
          out.append((char) b); // one spelling per character: "%21" and "!" are the same to a decoding upstream
        } else {
          out.append('%').append(Character.toUpperCase(raw.charAt(i + 1))).append(Character.toUpperCase(raw.charAt(i + 2)));
        }
        if (b >= 128 && nonAscii == null) {
          nonAscii = ByteBuffer.allocate(to - from);
        }
        if (nonAscii != null) {
          nonAscii.put((byte) b);
        }
        i += 2;
      } else if (c < 128 && PCHAR[c]) {
        if (out != null) {
          out.append(c);
        }
        if (nonAscii != null) {
          nonAscii.put((byte) c);
        }
      } else {
        return null;
      }
    }
    if (nonAscii != null) {
      String text = utf8(nonAscii);
      if (text == null) {
        return null;
      }
      if (!allowLookalikes && hasLookalike(text)) {
        return LOOKALIKE;
      }
    }
    return out == null ? raw.substring(from, to) : out.toString();
  }

  /** The bytes as strict UTF-8, or null when they are not. */
  private static String utf8(ByteBuffer bytes) {
    bytes.flip();
    try {
      return StandardCharsets.UTF_8.newDecoder()
          .onMalformedInput(CodingErrorAction.REPORT)
          .onUnmappableCharacter(CodingErrorAction.REPORT)
          .decode(bytes)
          .toString();
    } catch (CharacterCodingException e) {
      return null;
    }
  }

  /** Whether a non-ASCII code point of the text becomes a path-structuring ASCII character under NFKC. */
  static boolean hasLookalike(String text) {
    for (int i = 0; i < text.length(); ) {
      int cp = text.codePointAt(i);
      i += Character.charCount(cp);
      if (cp < 128) {
        continue;
      }
      String compatible = Normalizer.normalize(new String(Character.toChars(cp)), Normalizer.Form.NFKC);
      for (int j = 0; j < compatible.length(); j++) {
        if ("/\\.%;?".indexOf(compatible.charAt(j)) >= 0) {
          return true;
        }
      }
    }
    return false;
  }

  private static boolean validQuery(String query) {
    int n = query.length();
    for (int i = 0; i < n; i++) {
      char c = query.charAt(i);
      if (c >= 128 || !QUERY[c]) {
        return false;
      }
      if (c == '%' && (i + 2 >= n || Character.digit(query.charAt(i + 1), 16) < 0
          || Character.digit(query.charAt(i + 2), 16) < 0)) {
        return false;
      }
    }
    return true;
  }

  private static Result error(String message) {
    return new Result(null, null, message);
  }
}
