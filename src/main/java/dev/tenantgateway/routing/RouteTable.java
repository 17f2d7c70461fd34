package dev.tenantgateway.routing;

import io.vertx.core.http.HttpMethod;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Matches (method, canonical path) to exactly one route, most specific first: at each segment a literal beats a
 * parameter, which beats {@code **}; when the more specific branch has no route for the method, the next one is
 * tried. Two routes that would match the same requests (same shape, a shared method) are refused when the table is
 * built, so the winner never depends on declaration order.
 */
public final class RouteTable {

  private static final class Node {
    final Map<String, Node> literals = new HashMap<>();
    Node param;
    Map<HttpMethod, Route> wildcardRoutes; // routes ending in "**" at this depth
    Map<HttpMethod, Route> routes; // routes ending exactly here (no trailing slash)
    Map<HttpMethod, Route> slashRoutes; // routes ending here with a trailing slash
  }

  /** Thrown when two routes overlap; carries both so the message can point at each. */
  public static final class ConflictException extends IllegalArgumentException {
    private final transient Route first;
    private final transient Route second;

    ConflictException(Route first, Route second, HttpMethod method) {
      super("route '" + second.id() + "' (" + second.path() + ") matches the same " + method + " requests as route '"
          + first.id() + "' (" + first.path() + ", line " + first.line() + ")");
      this.first = first;
      this.second = second;
    }

    public Route first() {
      return first;
    }

    public Route second() {
      return second;
    }
  }

  private final Node root = new Node();
  private final List<Route> routes;

  private RouteTable(List<Route> routes) {
    this.routes = List.copyOf(routes);
  }

  public static RouteTable build(List<Route> routes) {
    RouteTable table = new RouteTable(routes);
    for (Route route : routes) {
      table.add(route);
    }
    return table;
  }

  public List<Route> routes() {
    return routes;
  }

  private void add(Route route) {
    Node node = root;
    Map<HttpMethod, Route> target = null;
    for (PathTemplate.Segment segment : route.path().segments()) {
      if (segment.wildcard()) {
        if (node.wildcardRoutes == null) {
          node.wildcardRoutes = new HashMap<>();
        }
        target = node.wildcardRoutes;
        break;
      }
      if (segment.literal() != null) {
        node = node.literals.computeIfAbsent(segment.literal(), k -> new Node());
      } else {
        if (node.param == null) {
          node.param = new Node();
        }
        node = node.param;
      }
    }
    if (target == null) {
      boolean slash = route.path().trailingSlash() || route.path().segments().isEmpty();
      if (slash) {
        if (node.slashRoutes == null) {
          node.slashRoutes = new HashMap<>();
        }
        target = node.slashRoutes;
      } else {
        if (node.routes == null) {
          node.routes = new HashMap<>();
        }
        target = node.routes;
      }
    }
    for (HttpMethod method : route.methods()) {
      Route existing = target.putIfAbsent(method, route);
      if (existing != null) {
        throw new ConflictException(existing, route, method);
      }
    }
  }

  /** The methods a route may declare, in the order {@code Allow} lists them. */
  public static final List<HttpMethod> IMPLEMENTED = List.of(HttpMethod.GET, HttpMethod.HEAD, HttpMethod.POST,
      HttpMethod.PUT, HttpMethod.PATCH, HttpMethod.DELETE, HttpMethod.OPTIONS);

  /**
   * Whether the gateway implements this method at all. Method names are case-sensitive (RFC 9110 section 9.1):
   * {@code get} is not {@code GET}. TRACE, CONNECT and extension methods (PROPFIND, ...) are never routed.
   */
  public static boolean isImplemented(HttpMethod method) {
    return IMPLEMENTED.contains(method);
  }

  /**
   * For a request no route matched: the implemented methods some route would accept on this path, as an
   * {@code Allow} value ({@code "GET, HEAD"}), or null when no route matches the path with any method. Only called
   * on a miss, so the hot path never pays for it.
   */
  public String allowedMethods(String canonicalPath) {
    StringBuilder allow = null;
    for (HttpMethod method : IMPLEMENTED) {
      if (match(method, canonicalPath) != null) {
        if (allow == null) {
          allow = new StringBuilder(method.name());
        } else {
          allow.append(", ").append(method.name());
        }
      }
    }
    return allow == null ? null : allow.toString();
  }

  /** The route for this request, or null (deny by default: nothing unmatched is forwarded). */
  public RouteMatch match(HttpMethod method, String canonicalPath) {
    List<String> segments = split(canonicalPath);
    boolean trailingSlash = canonicalPath.length() > 1 && canonicalPath.charAt(canonicalPath.length() - 1) == '/';
    String[] params = new String[segments.size()];
    Route route = match(root, segments, 0, trailingSlash, method, params, 0);
    if (route == null) {
      return null;
    }
    int count = route.paramCount();
    if (count == 0) {
      return new RouteMatch(route, List.of());
    }
    List<String> values = new ArrayList<>(count);
    for (int i = 0; i < count; i++) {
      values.add(params[i]);
    }
    return new RouteMatch(route, values);
  }

  /**
   * Every route that would match this request if it were alone in the table, most specific first: the overlap advice
   * asks this once per route instead of comparing routes pairwise. Not for the hot path.
   */
  public List<Route> matchAll(HttpMethod method, String canonicalPath) {
    List<String> segments = split(canonicalPath);
    boolean trailingSlash = canonicalPath.length() > 1 && canonicalPath.charAt(canonicalPath.length() - 1) == '/';
    List<Route> found = new ArrayList<>();
    collect(root, segments, 0, trailingSlash, method, found);
    return found;
  }

  private static void collect(Node node, List<String> segments, int index, boolean trailingSlash, HttpMethod method,
                              List<Route> found) {
    if (index == segments.size()) {
      Map<HttpMethod, Route> here = trailingSlash || segments.isEmpty() ? node.slashRoutes : node.routes;
      Route route = here == null ? null : here.get(method);
      if (route != null) {
        found.add(route);
      }
    } else {
      Node literal = node.literals.get(segments.get(index));
      if (literal != null) {
        collect(literal, segments, index + 1, trailingSlash, method, found);
      }
      if (node.param != null) {
        collect(node.param, segments, index + 1, trailingSlash, method, found);
      }
    }
    Route wildcard = node.wildcardRoutes == null ? null : node.wildcardRoutes.get(method);
    if (wildcard != null) {
      found.add(wildcard);
    }
  }

  private static Route match(Node node, List<String> segments, int index, boolean trailingSlash, HttpMethod method,
                             String[] params, int paramCount) {
    if (index == segments.size()) {
      Map<HttpMethod, Route> here = trailingSlash || segments.isEmpty() ? node.slashRoutes : node.routes;
      Route found = here == null ? null : here.get(method);
      if (found != null) {
        return found;
      }
    } else {
      Node literal = node.literals.get(segments.get(index));
      if (literal != null) {
        Route found = match(literal, segments, index + 1, trailingSlash, method, params, paramCount);
        if (found != null) {
          return found;
        }
      }
      if (node.param != null) {
        params[paramCount] = segments.get(index);
        Route found = match(node.param, segments, index + 1, trailingSlash, method, params, paramCount + 1);
        if (found != null) {
          return found;
        }
      }
    }
    return node.wildcardRoutes == null ? null : node.wildcardRoutes.get(method);
  }

  private static List<String> split(String path) {
    List<String> segments = new ArrayList<>(8);
    int n = path.length();
    int start = 1;
    while (start < n) {
      int end = path.indexOf('/', start);
      if (end < 0) {
        end = n;
      }
      segments.add(path.substring(start, end));
      start = end + 1;
    }
    return segments;
  }
}
