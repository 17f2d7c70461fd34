package dev.tenantgateway.pipeline;

import io.vertx.core.http.HttpMethod;

import java.util.Collection;
import java.util.List;

/** Methods in one stable order (the order of HTTP's method registry as routes.yaml lists them), for messages. */
final class Methods {

  private static final List<String> ORDER = List.of("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS");

  private Methods() {
  }

  static List<String> sorted(Collection<HttpMethod> methods) {
    return methods.stream().map(HttpMethod::name)
        .sorted((a, b) -> Integer.compare(rank(a), rank(b)) != 0 ? Integer.compare(rank(a), rank(b)) : a.compareTo(b))
        .toList();
  }

  /** Whether a method name is an HTTP token (RFC 9110 section 5.6.2), short enough to be a method. */
  static boolean isToken(String method) {
    if (method.isEmpty() || method.length() > 32) {
      return false;
    }
    for (int i = 0; i < method.length(); i++) {
      char c = method.charAt(i);
      if (!(c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || "!#$%&'*+-.^_`|~".indexOf(c) >= 0)) {
        return false;
      }
    }
    return true;
  }

  private static int rank(String method) {
    int i = ORDER.indexOf(method);
    return i < 0 ? ORDER.size() : i;
  }
}
