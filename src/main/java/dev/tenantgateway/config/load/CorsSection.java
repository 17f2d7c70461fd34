package dev.tenantgateway.config.load;

import dev.tenantgateway.config.GatewayConfig.Cors;
import dev.tenantgateway.config.Position;
import dev.tenantgateway.policy.AllowedOrigin;
import org.yaml.snakeyaml.nodes.Node;
import org.yaml.snakeyaml.nodes.ScalarNode;

import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * Validates {@code cors:}, at the top level and on a route, and resolves the inheritance once: a route's keys replace
 * the top-level ones, the rest is inherited, {@code cors: false} turns CORS off for the route. Each combination a
 * browser would refuse or that would open more than meant is an error here: {@code *} with credentials, a malformed
 * origin or pattern, {@code tenant_origin} without a {@code {tenant}} pattern, an unknown method or header name.
 */
final class CorsSection {

  static final List<String> KEYS = List.of("allow_origins", "tenant_origin", "allow_methods", "allow_headers",
      "expose_headers", "allow_credentials", "max_age");
  static final List<String> DEFAULT_HEADERS = List.of("Authorization", "Content-Type");
  private static final List<String> METHODS = List.of("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS");
  private static final Duration LONGEST_MAX_AGE = Duration.ofHours(24);
  private static final String ORIGIN_HINT = "write origins as browsers send them: https://app.example.com, "
      + "https://{tenant}.app.example.com, or * (never with allow_credentials)";

  /** What one {@code cors:} mapping says; null fields were not given. */
  record Given(List<String> allowOrigins, Boolean tenantOrigin, List<String> allowMethods, List<String> allowHeaders,
               List<String> exposeHeaders, Boolean allowCredentials, Duration maxAge, Node node, Position position) {
  }

  private final YamlReader reader;

  CorsSection(YamlReader reader) {
    this.reader = reader;
  }

  /** The top-level section as given (null when absent); {@link #resolve} makes it a policy. */
  Given read(Node node, String path) {
    if (node == null || YamlReader.isNull(node)) {
      return null;
    }
    YamlMap o = reader.object(node, path, KEYS.toArray(new String[0]));
    if (o == null) {
      return null;
    }
    List<String> origins = null;
    if (o.has("allow_origins")) {
      origins = new ArrayList<>();
      for (String origin : o.stringList("allow_origins")) {
        try {
          AllowedOrigin.parse(origin);
          origins.add(origin);
        } catch (IllegalArgumentException e) {
          o.error(o.get("allow_origins"), o.sub("allow_origins"), e.getMessage(), ORIGIN_HINT);
        }
      }
    }
    List<String> methods = null;
    if (o.has("allow_methods")) {
      methods = new ArrayList<>();
      for (String m : o.stringList("allow_methods")) {
        String upper = m.toUpperCase(Locale.ROOT);
        if (!METHODS.contains(upper)) {
          o.error(o.get("allow_methods"), o.sub("allow_methods"), "'" + m + "' is not a method the gateway routes",
              "use " + String.join(", ", METHODS) + Suggestions.didYouMean(upper, METHODS));
        } else if (!methods.contains(upper)) {
          methods.add(upper);
        }
      }
    }
    List<String> headers = o.has("allow_headers") ? headerNames(o, "allow_headers") : null;
    List<String> expose = o.has("expose_headers") ? headerNames(o, "expose_headers") : null;
    Boolean tenantOrigin = o.has("tenant_origin") ? o.bool("tenant_origin", false) : null;
    Boolean credentials = o.has("allow_credentials") ? o.bool("allow_credentials", false) : null;
    Duration maxAge = null;
    if (o.has("max_age")) {
      maxAge = o.duration("max_age", null);
      if (maxAge != null && maxAge.compareTo(LONGEST_MAX_AGE) > 0) {
        o.error(o.get("max_age"), o.sub("max_age"), "max_age " + o.string("max_age", "") + " is longer than 24h",
            "browsers cap it (Chromium at 2h, Firefox at 24h); write 10m or 2h");
        maxAge = LONGEST_MAX_AGE;
      }
    }
    return new Given(origins, tenantOrigin, methods, headers, expose, credentials, maxAge, node, o.position());
  }

  private static List<String> headerNames(YamlMap o, String key) {
    List<String> names = new ArrayList<>();
    Set<String> seen = new LinkedHashSet<>();
    for (String name : o.stringList(key)) {
      if (!name.equals("*") && !PolicySections.HEADER_NAME.matcher(name).matches()) {
        o.error(o.get(key), o.sub(key), "'" + name + "' is not a header name",
            "write header names such as Authorization, Content-Type, X-Request-Id (or * for any)");
      } else if (seen.add(name.toLowerCase(Locale.ROOT))) {
        names.add(name);
      }
    }
    return names;
  }

  /**
   * The policy a route gets: the top-level one when it says nothing, none for {@code cors: false}, or its own keys
   * over the top-level ones.
   *
   * @param global the top-level section as given, or null
   * @param globalPolicy the top-level section resolved, or null
   */
  Cors route(Node node, String path, Given global, Cors globalPolicy, Set<String> routeMethods) {
    if (node == null) {
      return globalPolicy;
    }
    if (node instanceof ScalarNode s && !YamlReader.isNull(node)) {
      String value = reader.scalar(s);
      if (!"false".equals(value)) {
        reader.error(node, path, "'" + value + "' is not a cors policy",
            "write cors: false to turn CORS off for this route, or a mapping with the keys to change: "
                + String.join(", ", KEYS));
      }
      return null;
    }
    Given own = read(node, path);
    if (own == null) {
      return globalPolicy;
    }
    if (own.allowMethods() != null) {
      for (String m : own.allowMethods()) {
        if (!routeMethods.isEmpty() && !routeMethods.contains(m)) {
          reader.error(own.node(), path + ".allow_methods", "allow_methods lists " + m
              + ", which this route does not accept", "list only the route's methods: " + routeMethods);
        }
      }
    }
    Given merged = global == null ? own : new Given(
        own.allowOrigins() != null ? own.allowOrigins() : global.allowOrigins(),
        own.tenantOrigin() != null ? own.tenantOrigin() : global.tenantOrigin(),
        own.allowMethods() != null ? own.allowMethods() : global.allowMethods(),
        own.allowHeaders() != null ? own.allowHeaders() : global.allowHeaders(),
        own.exposeHeaders() != null ? own.exposeHeaders() : global.exposeHeaders(),
        own.allowCredentials() != null ? own.allowCredentials() : global.allowCredentials(),
        own.maxAge() != null ? own.maxAge() : global.maxAge(),
        own.node(), own.position());
    return resolve(merged, path, own.tenantOrigin() != null);
  }

  /** A complete policy with the defaults applied, after the checks that need every key; null when unusable. */
  Cors resolve(Given given, String path) {
    return resolve(given, path, true);
  }

  /** @param tenantOriginHere {@code tenant_origin} was written in this mapping (inherited, it may not apply) */
  private Cors resolve(Given given, String path, boolean tenantOriginHere) {
    if (given == null) {
      return null;
    }
    Node at = given.node();
    List<String> origins = given.allowOrigins() == null ? List.of() : given.allowOrigins();
    boolean credentials = Boolean.TRUE.equals(given.allowCredentials());
    boolean tenantOrigin = Boolean.TRUE.equals(given.tenantOrigin());
    boolean anyPattern = origins.stream().anyMatch(o -> o.contains(AllowedOrigin.TENANT));
    List<String> expose = given.exposeHeaders() == null ? List.of() : given.exposeHeaders();
    boolean ok = true;
    if (origins.isEmpty()) {
      reader.error(at, path, given.allowOrigins() == null ? "allow_origins is missing" : "allow_origins is empty",
          "list the origins of the browser apps that call the gateway, such as allow_origins: [https://app.example.com]");
      ok = false;
    }
    if (origins.contains("*") && credentials) {
      reader.error(at, path + ".allow_origins", "allow_origins '*' with allow_credentials: true would let every "
          + "website read responses made with the user's credentials (browsers refuse the combination too)",
          "list the allowed origins instead of *, or set allow_credentials: false");
      ok = false;
    }
    if (expose.contains("*") && credentials) {
      reader.error(at, path + ".expose_headers", "expose_headers '*' is no wildcard on credentialed requests",
          "name the headers, such as expose_headers: [X-Request-Id], or set allow_credentials: false");
      ok = false;
    }
    if (tenantOrigin && !tenantOriginHere && !anyPattern) {
      tenantOrigin = false; // inherited by a route that lists its own origins, none a pattern: nothing to bind
    }
    if (tenantOrigin) {
      if (origins.contains("*")) {
        reader.error(at, path + ".tenant_origin", "tenant_origin: true with allow_origins '*' binds nothing: every "
            + "origin is allowed anyway", "list {tenant} patterns such as https://{tenant}.app.example.com");
        ok = false;
      } else if (!anyPattern) {
        reader.error(at, path + ".tenant_origin", "tenant_origin: true needs an origin pattern with {tenant}",
            "add a pattern such as https://{tenant}.app.example.com to allow_origins, or remove tenant_origin");
        ok = false;
      }
    }
    if (!ok) {
      return null;
    }
    return new Cors(origins, tenantOrigin, given.allowMethods() == null ? List.of() : given.allowMethods(),
        given.allowHeaders() == null ? DEFAULT_HEADERS : given.allowHeaders(), expose, credentials, given.maxAge(),
        given.position());
  }
}
