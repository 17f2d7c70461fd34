package dev.tenantgateway.routing;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

class PathNormalizerTest {

  @ParameterizedTest(name = "{0} -> {1}")
  @CsvSource(delimiter = '|', value = {
      "/|/",
      "/projects|/projects",
      "/projects/|/projects/",
      "//projects///a|/projects/a",
      "/a/./b|/a/b",
      "/a/b/..|/a/",
      "/a/b/../c|/a/c",
      "/a/%2e%2E/c|/c",
      "/%70rojects|/projects",
      "/a%7eb|/a~b",
      "/caf%c3%a9|/caf%C3%A9",
      "/a%20b|/a%20b",
      "/a%21%3a%40%2B|/a!:@+",
      "/a%25b|/a%25b",
      "/a%3Fb|/a%3Fb",
      "/a/.|/a/",
      "/..a/b|/..a/b",
      "/a:b@c!$&'()*+,=|/a:b@c!$&'()*+,=",
  })
  void canonicalForms(String raw, String canonical) {
    PathNormalizer.Result result = PathNormalizer.normalize(raw);
    assertTrue(result.ok(), () -> result.error());
    assertEquals(canonical, result.path());
    assertNull(result.query());
  }

  @ParameterizedTest
  @ValueSource(strings = {
      "/..", "/a/../..", "/%2e%2e/admin", "/a%2fb", "/a%2Fb", "/a%5cb", "/a\\b", "/a%00b", "/a;jsessionid=1", "/a%3bb",
      "/a%zz", "/a%4", "/a%", "/caf%c3", "/%ff", "/a b", "http://evil.test/admin", "*", "", "admin", "/a%0d%0ab",
      "/a\u00e9", "/a#frag", "/a%7f"})
  void refusedTargets(String raw) {
    PathNormalizer.Result result = PathNormalizer.normalize(raw);
    assertFalse(result.ok(), () -> raw + " was accepted as " + result.path());
  }

  @ParameterizedTest(name = "{0}")
  @CsvSource(delimiter = '|', value = {
      "/p?a=1&b=2|/p|a=1&b=2",
      "/p?|/p|''",
      "/x/../p?q=%20|/p|q=%20",
  })
  void queriesAreKeptAsReceived(String raw, String path, String query) {
    PathNormalizer.Result result = PathNormalizer.normalize(raw);
    assertEquals(path, result.path());
    assertEquals(query, result.query());
    assertEquals(path + "?" + query, result.target());
  }

  @ParameterizedTest
  @ValueSource(strings = {"/p?a b", "/p?a=%zz", "/p?a=\u00e9", "/p?a=1#x"})
  void malformedQueriesAreRefused(String raw) {
    assertFalse(PathNormalizer.normalize(raw).ok());
  }
}
