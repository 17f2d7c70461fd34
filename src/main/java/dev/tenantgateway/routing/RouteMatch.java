package dev.tenantgateway.routing;

import java.util.List;

/**
 * The route a request matched and the values of its path parameters, in template order.
 */
public record RouteMatch(Route route, List<String> paramValues) {

  /** The value of a path parameter, still in canonical (percent-encoded) form, or null. */
  public String param(String name) {
    List<String> names = route.path().paramNames();
    int index = names.indexOf(name);
    return index < 0 ? null : paramValues.get(index);
  }
}
