package dev.tenantgateway.routing;

import dev.tenantgateway.policy.Requirement;
import io.vertx.core.http.HttpMethod;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.util.List;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class RouteTableTest {

  static Route route(String id, String path, HttpMethod... methods) {
    return new Route(id, Set.of(methods), PathTemplate.parse(path), "app", Requirement.allOf(List.of()), false, true,
        null, false, -1, List.of(), null, null, 1);
  }

  static final RouteTable TABLE = RouteTable.build(List.of(
      route("root", "/", HttpMethod.GET),
      route("list", "/orgs/{tenant}/projects", HttpMethod.GET),
      route("one", "/orgs/{tenant}/projects/{id}", HttpMethod.GET, HttpMethod.DELETE),
      route("export", "/orgs/{tenant}/projects/export", HttpMethod.GET),
      route("acme-special", "/orgs/acme/projects", HttpMethod.GET),
      route("files", "/files/**", HttpMethod.GET),
      route("files-meta", "/files/{name}/meta", HttpMethod.GET),
      route("slash", "/dir/", HttpMethod.GET),
      route("post-any", "/orgs/{tenant}/**", HttpMethod.POST)));

  @ParameterizedTest(name = "{0} {1} -> {2}")
  @CsvSource(delimiter = '|', nullValues = "none", value = {
      "GET|/|root",
      "GET|/orgs/startup/projects|list",
      "GET|/orgs/acme/projects|acme-special",
      "GET|/orgs/acme/projects/7|one",
      "DELETE|/orgs/acme/projects/7|one",
      "GET|/orgs/acme/projects/export|export",
      "DELETE|/orgs/acme/projects/export|one",
      "GET|/files|files",
      "GET|/files/|files",
      "GET|/files/a/b/c|files",
      "GET|/files/a/meta|files-meta",
      "GET|/files/a/meta/x|files",
      "GET|/dir/|slash",
      "GET|/dir|none",
      "GET|/orgs/acme/projects/|none",
      "PUT|/orgs/acme/projects/7|none",
      "POST|/orgs/acme/projects/7|post-any",
      "GET|/nowhere|none",
  })
  void mostSpecificRouteWins(String method, String path, String expected) {
    RouteMatch match = TABLE.match(HttpMethod.valueOf(method), path);
    if (expected == null) {
      assertNull(match, () -> "matched " + match.route().id());
    } else {
      assertEquals(expected, match.route().id());
    }
  }

  @Test
  void parametersAreCaptured() {
    RouteMatch match = TABLE.match(HttpMethod.GET, "/orgs/acme/projects/42");
    assertEquals("acme", match.param("tenant"));
    assertEquals("42", match.param("id"));
    assertNull(match.param("nope"));
  }

  @Test
  void routesThatMatchTheSameRequestsAreRefused() {
    RouteTable.ConflictException e = assertThrows(RouteTable.ConflictException.class, () -> RouteTable.build(List.of(
        route("a", "/orgs/{tenant}/projects", HttpMethod.GET, HttpMethod.POST),
        route("b", "/orgs/{org}/projects", HttpMethod.POST))));
    assertEquals("a", e.first().id());
    assertEquals("b", e.second().id());
    assertTrue(e.getMessage().contains("POST"));
  }

  @Test
  void sameShapeWithDisjointMethodsIsFine() {
    RouteTable table = RouteTable.build(List.of(
        route("read", "/p/{id}", HttpMethod.GET), route("write", "/p/{x}", HttpMethod.PUT)));
    assertEquals("write", table.match(HttpMethod.PUT, "/p/1").route().id());
  }

  @Test
  void malformedTemplatesAreRefusedWithAHint() {
    for (String bad : List.of("projects", "/a//b", "/a/**/b", "/{id", "/{1x}", "/a/{id}/{id}", "/a b", "/a/./b",
        "/a;b", "/x*", "/%2f", "/%7e", "/a%2Fb", "/%00")) {
      IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> PathTemplate.parse(bad), bad);
      assertTrue(e.getMessage().length() > 10);
    }
  }

  @ParameterizedTest(name = "{0} {1} -> Allow {2}")
  @CsvSource(delimiter = '|', nullValues = "none", value = {
      "PUT|/orgs/acme/projects/7|GET, POST, DELETE",
      "DELETE|/orgs/acme/projects|GET, POST",
      "POST|/|GET",
      "PUT|/files/a/meta|GET",
      "GET|/nowhere|none",
      "GET|/dir|none"})
  void aMissNamesTheMethodsThePathAccepts(String method, String path, String allow) {
    assertNull(TABLE.match(HttpMethod.valueOf(method), path), "the request itself misses");
    assertEquals(allow, TABLE.allowedMethods(path));
  }

  @ParameterizedTest
  @CsvSource({"GET,true", "HEAD,true", "POST,true", "PUT,true", "PATCH,true", "DELETE,true", "OPTIONS,true",
      "get,false", "Get,false", "TRACE,false", "CONNECT,false", "PROPFIND,false", "FOO,false"})
  void onlyTheSevenRoutableMethodsAreImplementedAndNamesAreCaseSensitive(String method, boolean implemented) {
    assertEquals(implemented, RouteTable.isImplemented(HttpMethod.valueOf(method)), method);
  }
}
