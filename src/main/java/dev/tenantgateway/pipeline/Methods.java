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

  private static int rank(String method) {
    int i = ORDER.indexOf(method);
    return i < 0 ? ORDER.size() : i;
  }
}
