package dev.tenantgateway.server;

import dev.tenantgateway.config.GatewayConfig.Security;
import dev.tenantgateway.policy.Denial;
import dev.tenantgateway.routing.PathNormalizer;
import io.vertx.core.MultiMap;
import io.vertx.core.http.HttpVersion;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.IntRange;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.util.List;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Stage 1 without a socket: a target and headers in, the canonical target or the refusal out. Table-driven cases
 * for every rule, and properties over header names, values, Host spellings and query spellings.
 */
class IngressGuardTest {

  static final IngressGuard GUARD = new IngressGuard(Security.defaults());

  /**
   * @param headers name, value pairs
   * @param expected the canonical target, or "400" / "431" for a refusal with that status
   */
  record Case(String name, String uri, HttpVersion version, List<String> headers, String expected) {
    @Override
    public String toString() {
      return name;
    }
  }

  static Case of(String name, String uri, List<String> headers, String expected) {
    return new Case(name, uri, HttpVersion.HTTP_1_1, headers, expected);
  }

  static Stream<Case> cases() {
    return Stream.of(
        of("plain", "/docs/a?x=1", List.of("Host", "gw"), "/docs/a?x=1"),
        of("dot segments resolved", "/docs/../admin/./x", List.of("Host", "gw"), "/admin/x"),
        of("no Host on HTTP/1.1", "/docs", List.of(), "400"),
        new Case("no Host on HTTP/1.0", "/docs", HttpVersion.HTTP_1_0, List.of(), "/docs"),
        of("two Hosts", "/docs", List.of("Host", "gw", "Host", "gw"), "400"),
        of("Host with userinfo", "/docs", List.of("Host", "a@b"), "400"),
        of("Host with a path", "/docs", List.of("Host", "gw/x"), "400"),
        of("Host with a bad port", "/docs", List.of("Host", "gw:65536"), "400"),
        of("Host IPv6 literal", "/docs", List.of("Host", "[::1]:8443"), "/docs"),
        of("empty Host (RFC 9112 3.2)", "/docs", List.of("Host", ""), "/docs"),
        of("empty field name", "/docs", List.of("Host", "gw", "", "x"), "400"),
        of("space in a field name", "/docs", List.of("Host", "gw", "Bad Header", "x"), "400"),
        of("NUL in a value", "/docs", List.of("Host", "gw", "X-A", "a\u0000b"), "400"),
        of("CR in a value", "/docs", List.of("Host", "gw", "X-A", "a\rb"), "400"),
        of("LF in a value", "/docs", List.of("Host", "gw", "X-A", "a\nb"), "400"),
        of("tab in a value is fine", "/docs", List.of("Host", "gw", "X-A", "a\tb"), "/docs"),
        of("method override", "/docs", List.of("Host", "gw", "X-HTTP-Method-Override", "DELETE"), "400"),
        of("method override, other spelling", "/docs", List.of("Host", "gw", "x-method-override", "DELETE"), "400"),
        of("a look-alike of an override name passes", "/docs", List.of("Host", "gw", "X-HTTP-Methods", "x"), "/docs"),
        of("Host counted under any letter case", "/docs", List.of("Host", "gw", "HOST", "gw"), "400"),
        of("100 fields (the limit)", "/docs", repeated(99), "/docs"),
        of("101 fields of one name count as 101", "/docs", repeated(100), "431"),
        of("query access_token", "/docs?access_token=t", List.of("Host", "gw"), "400"),
        of("query Access%5FToken", "/docs?Access%5FToken=t", List.of("Host", "gw"), "400"),
        of("query access.token (PHP reads access_token)", "/docs?a=1&access.token=t", List.of("Host", "gw"), "400"),
        of("query access_token[]", "/docs?access_token[]=t", List.of("Host", "gw"), "400"),
        of("query look-alike names pass", "/docs?xaccess_token=1&access_tokens=2", List.of("Host", "gw"),
            "/docs?xaccess_token=1&access_tokens=2"),
        of("fullwidth solidus", "/public/..%EF%BC%8Fadmin", List.of("Host", "gw"), "400"),
        of("two dot leader", "/public/%E2%80%A5/admin", List.of("Host", "gw"), "400"),
        of("encoded letters", "/caf%C3%A9", List.of("Host", "gw"), "/caf%C3%A9"),
        of("absolute form for the same host", "http://gw/docs", List.of("Host", "gw"), "/docs"),
        of("absolute form for another host", "http://evil/docs", List.of("Host", "gw"), "400"));
  }

  /** Host and then {@code n} fields all named X-Repeated. */
  static List<String> repeated(int n) {
    List<String> pairs = new java.util.ArrayList<>(List.of("Host", "gw"));
    for (int i = 0; i < n; i++) {
      pairs.add("X-Repeated");
      pairs.add(Integer.toString(i));
    }
    return pairs;
  }

  static MultiMap headers(List<String> pairs) {
    MultiMap headers = MultiMap.caseInsensitiveMultiMap();
    for (int i = 0; i < pairs.size(); i += 2) {
      headers.add(pairs.get(i), pairs.get(i + 1));
    }
    return headers;
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("cases")
  void table(Case c) {
    MultiMap headers = headers(c.headers());
    if (c.expected().matches("\\d{3}")) {
      Denial.DeniedException denied = assertThrows(Denial.DeniedException.class,
          () -> GUARD.check(c.uri(), c.version(), headers), c.name());
      assertEquals(Integer.parseInt(c.expected()), denied.denial().status(), c.name());
      assertEquals("bad_request", denied.denial().code());
    } else {
      PathNormalizer.Result result = GUARD.check(c.uri(), c.version(), headers);
      assertEquals(c.expected(), result.target(), c.name());
    }
  }

  @org.junit.jupiter.api.Test
  void lookAlikesPassWhenTheOperatorAllowsThem() {
    Security allow = new Security(true, List.of(), 100, 16 * 1024, 1024, java.time.Duration.ofSeconds(1),
        java.time.Duration.ofSeconds(1), 10, false, 10, true);
    assertEquals("/public/..%EF%BC%8Fadmin",
        new IngressGuard(allow).check("/public/..%EF%BC%8Fadmin", HttpVersion.HTTP_1_1, headers(List.of("Host", "gw"))).path());
  }

  // -------------------------------------------------------------------------------------------------------------
  // Properties

  static final String TCHARS = "!#$%&'*+-.^_`|~0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ";

  @Provide
  Arbitrary<String> tokens() {
    return Arbitraries.strings().withChars(TCHARS).ofMinLength(1).ofMaxLength(30);
  }

  @Provide
  Arbitrary<String> fieldValues() {
    return Arbitraries.strings().withCharRange(' ', '~').withChars('\t', '\u00e9').ofMaxLength(60);
  }

  @Property(tries = 500)
  void everyTokenNameWithAPlainValueIsAccepted(@ForAll("tokens") String name, @ForAll("fieldValues") String value) {
    IngressGuard.checkFields(headers(List.of(name, value)));
  }

  @Property(tries = 500)
  void aNameWithAnyNonTokenCharacterIsRefused(@ForAll("tokens") String name, @ForAll @IntRange(max = 30) int at,
                                              @ForAll("nonTokenChars") char bad) {
    String spoiled = name.substring(0, Math.min(at, name.length())) + bad + name.substring(Math.min(at, name.length()));
    assertFalse(IngressGuard.isToken(spoiled), spoiled);
  }

  @Provide
  Arbitrary<Character> nonTokenChars() {
    return Arbitraries.chars().range('\u0000', '\u00ff').filter(c -> TCHARS.indexOf(c) < 0);
  }

  @Property(tries = 500)
  void aValueWithCrLfOrNulIsRefused(@ForAll("tokens") String name, @ForAll("fieldValues") String value,
                                    @ForAll @IntRange(max = 60) int at, @ForAll("breakers") char bad) {
    String spoiled = value.substring(0, Math.min(at, value.length())) + bad + value.substring(Math.min(at, value.length()));
    Denial.DeniedException denied = assertThrows(Denial.DeniedException.class,
        () -> IngressGuard.checkFields(headers(List.of("Host", "gw", name, spoiled))));
    assertEquals(400, denied.denial().status());
  }

  @Provide
  Arbitrary<Character> breakers() {
    return Arbitraries.of('\r', '\n', '\u0000');
  }

  @Provide
  Arbitrary<String> hostNames() {
    Arbitrary<String> label = Arbitraries.strings().withChars("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-")
        .ofMinLength(1).ofMaxLength(12);
    return label.list().ofMinSize(1).ofMaxSize(4).map(labels -> String.join(".", labels));
  }

  @Property(tries = 500)
  void hostsAreHostAndOptionalPortOnly(@ForAll("hostNames") String host, @ForAll @IntRange(max = 65535) int port,
                                       @ForAll boolean withPort, @ForAll @IntRange(max = 40) int at,
                                       @ForAll("hostBreakers") char bad) {
    String valid = withPort ? host + ":" + port : host;
    assertTrue(IngressGuard.isUriHostAndPort(valid), valid);
    String spoiled = host.substring(0, Math.min(at, host.length())) + bad + host.substring(Math.min(at, host.length()));
    assertFalse(IngressGuard.isUriHostAndPort(spoiled), spoiled);
  }

  @Provide
  Arbitrary<Character> hostBreakers() {
    return Arbitraries.of('@', '/', '?', '#', ' ', '\\', '"', '<', '>', '{', '}', '^', '`', '|', '\u00e9');
  }

  /** access_token in a random spelling: any letter case, any character percent-encoded (upper or lower hex). */
  @Provide
  Arbitrary<String> accessTokenSpellings() {
    return Combinators.combine(Arbitraries.longs(), Arbitraries.longs(), Arbitraries.of("", "a=1&", "x&"),
        Arbitraries.of("=t", "", "=", "[]=t")).as((caseBits, escapeBits, before, after) -> {
          String name = "access_token";
          StringBuilder out = new StringBuilder(before);
          for (int i = 0; i < name.length(); i++) {
            char c = ((caseBits >>> i) & 1) == 1 ? Character.toUpperCase(name.charAt(i)) : name.charAt(i);
            if (((escapeBits >>> i) & 1) == 1) {
              String hex = String.format("%%%02X", (int) c);
              out.append(((escapeBits >>> (i + 20)) & 1) == 1 ? hex.toLowerCase() : hex);
            } else {
              out.append(c);
            }
          }
          return out.append(after).toString();
        });
  }

  @Property(tries = 1000)
  void everySpellingOfAccessTokenInTheQueryIsRefused(@ForAll("accessTokenSpellings") String query) {
    assertTrue(IngressGuard.hasAccessTokenParameter(query), query);
    Denial.DeniedException denied = assertThrows(Denial.DeniedException.class,
        () -> GUARD.check("/docs?" + query, HttpVersion.HTTP_1_1, headers(List.of("Host", "gw"))));
    assertEquals(400, denied.denial().status());
  }
}
