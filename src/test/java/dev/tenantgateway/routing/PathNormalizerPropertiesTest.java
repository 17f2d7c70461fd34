package dev.tenantgateway.routing;

import dev.tenantgateway.policy.Requirement;
import io.vertx.core.http.HttpMethod;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * For random paths in random spellings: a path is either refused, or the gateway's reading of it (the route it
 * matches) agrees with how a decoding upstream would read it. No spelling can reach a route the upstream would not
 * attribute to that path.
 */
class PathNormalizerPropertiesTest {

  static final RouteTable TABLE = RouteTable.build(List.of(
      route("admin", "/admin/**"), route("docs", "/docs/**"), route("doc", "/docs/{id}"), route("root", "/")));

  static Route route(String id, String path) {
    return new Route(id, Set.of(HttpMethod.GET), PathTemplate.parse(path), "app", Requirement.allOf(List.of()), false,
        true, null, false, -1, List.of(), null, null, 1);
  }

  @Provide
  Arbitrary<String> rawPaths() {
    Arbitrary<String> segment = Arbitraries.oneOf(
        Arbitraries.of("admin", "docs", "a", "b", "ADMIN", "", ".", "..", "~x", "caf\u00e9", "x;y", "a b", "\\"),
        Arbitraries.strings().withChars("abcdefghijklmnopqrstuvwxyz0123456789-._~!$&'()*+,=:@%/;\\ ").ofMaxLength(6));
    Arbitrary<String> encodedSegment = Combinators.combine(segment, Arbitraries.integers().between(0, 3))
        .as(PathNormalizerPropertiesTest::spell);
    return encodedSegment.list().ofMaxSize(6).map(parts -> "/" + String.join("/", parts));
  }

  /** Writes a segment with a random choice of escapes: none, unreserved ones, everything, or hex in lower case. */
  static String spell(String segment, int style) {
    StringBuilder out = new StringBuilder();
    for (byte b : segment.getBytes(StandardCharsets.UTF_8)) {
      int c = b & 0xFF;
      boolean unreserved = Character.isLetterOrDigit(c) && c < 128 || "-._~".indexOf(c) >= 0;
      boolean encode = switch (style) {
        case 0 -> c >= 128 || c == ' ';
        case 1 -> unreserved && (c % 2 == 0) || c >= 128 || c == ' ';
        default -> true;
      };
      if (encode) {
        String hex = String.format("%%%02X", c);
        out.append(style == 3 ? hex.toLowerCase() : hex);
      } else {
        out.append((char) c);
      }
    }
    return out.toString();
  }

  @Property(tries = 3000)
  void refusedOrReadTheSameWayAsADecodingUpstream(@ForAll("rawPaths") String raw) {
    PathNormalizer.Result result = PathNormalizer.normalize(raw);
    if (!result.ok()) {
      return;
    }
    String canonical = result.path();
    assertEquals(canonical, PathNormalizer.normalize(canonical).path(), "normalizing is idempotent");
    assertFalse(canonical.contains("//") || canonical.contains("/./") || canonical.contains("/../")
        || canonical.endsWith("/.") || canonical.endsWith("/.."), canonical);
    String upstreamView = upstreamView(raw);
    assertNotNull(upstreamView, "anything a decoding upstream cannot read is refused");
    assertEquals(upstreamView, upstreamView(canonical), "the upstream reads the raw and the canonical path alike");
    RouteMatch match = TABLE.match(HttpMethod.GET, canonical);
    boolean upstreamSeesAdmin = upstreamView.equals("/admin") || upstreamView.startsWith("/admin/");
    assertEquals(upstreamSeesAdmin, match != null && match.route().id().equals("admin"),
        () -> raw + " -> " + canonical + " upstream reads " + upstreamView);
  }

  /**
   * How a lenient upstream reads a path: decode every escape (as UTF-8), then resolve dot segments and merge
   * slashes. Null when it cannot be read.
   */
  static String upstreamView(String path) {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    for (int i = 0; i < path.length(); i++) {
      char c = path.charAt(i);
      if (c == '%' && i + 2 < path.length()) {
        int hi = Character.digit(path.charAt(i + 1), 16);
        int lo = Character.digit(path.charAt(i + 2), 16);
        if (hi < 0 || lo < 0) {
          return null;
        }
        bytes.write((hi << 4) | lo);
        i += 2;
      } else {
        byte[] encoded = String.valueOf(c).getBytes(StandardCharsets.UTF_8);
        bytes.write(encoded, 0, encoded.length);
      }
    }
    String decoded = bytes.toString(StandardCharsets.UTF_8);
    List<String> out = new ArrayList<>();
    boolean trailing = false;
    for (String segment : decoded.substring(1).split("/", -1)) {
      if (segment.equals("..")) {
        if (!out.isEmpty()) {
          out.remove(out.size() - 1);
        }
        trailing = true;
      } else if (segment.equals(".") || segment.isEmpty()) {
        trailing = true;
      } else {
        out.add(segment);
        trailing = false;
      }
    }
    return "/" + String.join("/", out) + (trailing && !out.isEmpty() ? "/" : "");
  }

  @Property(tries = 1000)
  void everySpellingOfAPathHasTheSameCanonicalForm(@ForAll("rawPaths") String raw) {
    PathNormalizer.Result plain = PathNormalizer.normalize(raw);
    if (!plain.ok()) {
      return;
    }
    // the same path as the upstream reads it, written with every byte percent-encoded
    String decoded = upstreamView(raw);
    StringBuilder encoded = new StringBuilder();
    for (String segment : decoded.substring(1).split("/", -1)) {
      encoded.append('/').append(spell(segment, 2));
    }
    PathNormalizer.Result respelled = PathNormalizer.normalize(encoded.toString());
    assertTrue(respelled.ok(), encoded::toString);
    assertEquals(plain.path(), respelled.path(), () -> raw + " vs " + encoded);
  }
}
