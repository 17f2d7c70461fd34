package dev.tenantgateway.config.load;

import dev.tenantgateway.config.GatewayConfig;
import dev.tenantgateway.config.GatewayConfig.RateLimit;
import dev.tenantgateway.config.GatewayConfig.Require;
import dev.tenantgateway.config.GatewayConfig.Resource;
import dev.tenantgateway.config.GatewayConfig.RouteConfig;
import dev.tenantgateway.config.GatewayConfig.UpstreamConfig;
import dev.tenantgateway.routing.PathTemplate;
import org.yaml.snakeyaml.nodes.Node;
import org.yaml.snakeyaml.nodes.ScalarNode;
import org.yaml.snakeyaml.nodes.SequenceNode;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

/** Validates {@code routes:}: each route's methods, path template, upstream, require and per-route limits. */
final class RouteSection {

  private static final List<String> METHODS = List.of("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS");
  private static final Pattern PERMISSION = Pattern.compile("[^\\s,*\"]+");

  private final YamlReader reader;
  private final IssuerSection claims;
  private final CorsSection cors;
  private final CorsSection.Given corsGiven;
  private final GatewayConfig.Cors globalCors;

  RouteSection(YamlReader reader, IssuerSection claims, CorsSection cors, CorsSection.Given corsGiven,
               GatewayConfig.Cors globalCors) {
    this.reader = reader;
    this.claims = claims;
    this.cors = cors;
    this.corsGiven = corsGiven;
    this.globalCors = globalCors;
  }

  List<RouteConfig> read(Node node, Node root, Map<String, UpstreamConfig> upstreams, Set<String> appRoleNames) {
    List<RouteConfig> routes = new ArrayList<>();
    if (node == null) {
      reader.error(root, "routes", "no routes are defined", "add a routes: list; requests that match no route get 404");
      return routes;
    }
    Set<String> ids = new HashSet<>();
    List<Node> items = reader.list(node, "routes");
    for (int i = 0; i < items.size(); i++) {
      RouteConfig route = route(items.get(i), "routes[" + i + "]", ids, upstreams, appRoleNames);
      if (route != null) {
        routes.add(route);
      }
    }
    return routes;
  }

  private RouteConfig route(Node node, String path, Set<String> ids, Map<String, UpstreamConfig> upstreams,
                            Set<String> appRoleNames) {
    YamlMap o = reader.object(node, path, "id", "methods", "path", "upstream", "require", "public", "tenant_required",
        "strip_prefix", "forward_authorization", "max_body_size", "app_roles", "resource", "rate_limit", "websocket", "cors");
    if (o == null) {
      return null;
    }
    String id = o.requiredString("id", "give the route a name, such as id: delete-project (metrics and logs use it)");
    if (id != null && !IssuerSection.ID.matcher(id).matches()) {
      o.error(o.get("id"), path + ".id", "'" + id + "' is not a valid route id", "use letters, digits, '-', '_' and '.'");
    } else if (id != null && !ids.add(id)) {
      o.error(o.get("id"), path + ".id", "duplicate route id '" + id + "'", "give each route its own id");
    }
    Set<String> methods = new LinkedHashSet<>();
    if (!o.has("methods")) {
      o.error(o.node, path, "methods is missing", "list the methods this route accepts, such as methods: [GET, HEAD]");
    }
    for (String m : o.stringList("methods")) {
      String upper = m.toUpperCase(Locale.ROOT);
      if (!METHODS.contains(upper)) {
        o.error(o.get("methods"), path + ".methods", "'" + m + "' is not a supported method", "use " + String.join(", ", METHODS));
      } else {
        methods.add(upper);
      }
    }
    PathTemplate template = null;
    String pathText = o.requiredString("path", "add path: /projects/{id}");
    if (pathText != null) {
      try {
        template = PathTemplate.parse(pathText);
      } catch (IllegalArgumentException e) {
        o.error(o.get("path"), path + ".path", e.getMessage(), "templates look like /orgs/{tenant}/projects/** ");
      }
    }
    String upstream = o.requiredString("upstream", "name one of the upstreams: " + String.join(", ", upstreams.keySet()));
    if (upstream != null && !upstreams.containsKey(upstream)) {
      o.error(o.get("upstream"), path + ".upstream", "unknown upstream '" + upstream + "'",
          upstreams.isEmpty() ? "declare it under upstreams:" : "declare it under upstreams: or use one of: "
              + String.join(", ", upstreams.keySet()) + Suggestions.didYouMean(upstream, upstreams.keySet()));
    }
    boolean isPublic = o.bool("public", false);
    Require require = null;
    if (o.has("require")) {
      require = requirement(o.get("require"), path + ".require");
      if (isPublic) {
        o.error(o.get("require"), path + ".require", "a public route cannot require permissions",
            "remove require, or remove public: true");
      }
    } else if (!isPublic) {
      o.error(o.node, path, "require is missing",
          "name the permission this route needs (require: projects:read), use require: [] for any authenticated caller, or mark it public: true");
    }
    boolean tenantRequired = o.bool("tenant_required", !isPublic);
    String stripPrefix = o.string("strip_prefix", null);
    if (stripPrefix != null && template != null) {
      stripPrefix = checkStripPrefix(o.get("strip_prefix"), path + ".strip_prefix", stripPrefix, template);
    }
    boolean forwardAuthorization = o.bool("forward_authorization", false);
    long maxBody = o.size("max_body_size", -1);
    List<String> routeAppRoles = o.stringList("app_roles");
    for (String role : routeAppRoles) {
      if (!appRoleNames.contains(role)) {
        o.error(o.get("app_roles"), path + ".app_roles", "unknown application role '" + role + "'",
            "declare it under app_roles: at the top level" + Suggestions.didYouMean(role, appRoleNames));
      }
    }
    Resource resource = o.has("resource") ? resource(o.get("resource"), path + ".resource", template) : null;
    if (isPublic && (resource != null || !routeAppRoles.isEmpty())) {
      o.error(o.node, path, "a public route has no caller to check", "remove resource and app_roles, or public: true");
    }
    RateLimit rateLimit = o.has("rate_limit") ? rateLimit(o.get("rate_limit"), path + ".rate_limit", isPublic) : null;
    boolean websocket = o.bool("websocket", false);
    if (websocket && !methods.contains("GET")) {
      o.error(o.get("websocket"), path + ".websocket", "a WebSocket handshake is a GET, and this route does not accept GET",
          "add GET to methods, or remove websocket: true");
    }
    GatewayConfig.Cors routeCors = cors.route(o.get("cors"), path + ".cors", corsGiven, globalCors, methods);
    if (template == null || methods.isEmpty()) {
      pathText = null; // not a usable route: reported above, and left out of the overlap check
    }
    return new RouteConfig(id, methods, pathText, upstream, require, isPublic, tenantRequired, stripPrefix,
        forwardAuthorization, maxBody, List.copyOf(routeAppRoles), resource, rateLimit, o.position(), websocket,
        routeCors);
  }

  private Resource resource(Node node, String path, PathTemplate template) {
    YamlMap r = reader.object(node, path, "param", "claim");
    if (r == null) {
      return null;
    }
    String param = r.requiredString("param", "name the path parameter, such as param: channel");
    String claimText = r.requiredString("claim", "name the list in the membership, such as claim: channels");
    String claim = claimText == null ? null : claims.claimPath(r.get("claim"), path + ".claim", claimText);
    if (param != null && template != null && !template.paramNames().contains(param)) {
      r.error(r.get("param"), path + ".param", "the path " + template + " has no parameter {" + param + "}",
          "use one of: " + template.paramNames());
    }
    return param != null && claim != null ? new Resource(param, claim) : null;
  }

  private RateLimit rateLimit(Node node, String path, boolean isPublic) {
    YamlMap r = reader.object(node, path, "requests", "per", "by");
    if (r == null) {
      return null;
    }
    int requests = r.integer("requests", 0, 1, Integer.MAX_VALUE);
    Duration per = r.duration("per", Duration.ofMinutes(1));
    String by = r.string("by", "tenant");
    if (!List.of("tenant", "user", "tenant_user").contains(by)) {
      r.error(r.get("by"), path + ".by", "'" + by + "' is not tenant, user or tenant_user", "count per tenant, per user, or per user within a tenant");
    }
    if (!r.has("requests")) {
      r.error(r.node, path, "requests is missing", "such as { requests: 100, per: 1m, by: tenant }");
    }
    if (isPublic && !by.equals("tenant")) {
      r.error(r.node, path, "a public route has no user to count", "public routes are not rate limited per user");
    }
    return new RateLimit(requests, per.isZero() ? Duration.ofSeconds(1) : per, by);
  }

  private String checkStripPrefix(Node node, String path, String prefix, PathTemplate template) {
    String normalized = prefix.endsWith("/") && prefix.length() > 1 ? prefix.substring(0, prefix.length() - 1) : prefix;
    List<PathTemplate.Segment> segments = template.segments();
    String[] parts = normalized.substring(normalized.startsWith("/") ? 1 : 0).split("/");
    boolean ok = normalized.startsWith("/") && normalized.length() > 1 && parts.length <= segments.size();
    for (int i = 0; ok && i < parts.length; i++) {
      ok = parts[i].equals(segments.get(i).literal());
    }
    if (!ok) {
      reader.error(node, path, "strip_prefix '" + prefix + "' is not a literal prefix of the route path " + template,
          "use the leading literal segments of path, such as /api for /api/projects/**");
      return null;
    }
    return normalized;
  }

  private Require requirement(Node node, String path) {
    if (node instanceof ScalarNode s) {
      String name = reader.scalar(s);
      if (name == null || !PERMISSION.matcher(name).matches()) {
        reader.error(node, path, "'" + name + "' is not a permission name",
            "write one permission such as projects:read (wildcards belong in roles:, not in require)");
        return new Require.AllOf(List.of(new Require.Permission("\u0000invalid")));
      }
      return new Require.Permission(name);
    }
    if (node instanceof SequenceNode seq) {
      return new Require.AllOf(parts(seq, path));
    }
    YamlMap o = reader.object(node, path, "all_of", "any_of");
    if (o == null) {
      return new Require.AnyOf(List.of());
    }
    if (o.entries.size() != 1) {
      reader.error(node, path, "write exactly one of all_of and any_of", "nest them to combine: all_of: [a, {any_of: [b, c]}]");
      return new Require.AnyOf(List.of());
    }
    if (o.has("all_of")) {
      Node list = o.get("all_of");
      return new Require.AllOf(list instanceof SequenceNode seq ? parts(seq, path + ".all_of") : List.of(requirement(list, path + ".all_of")));
    }
    Node list = o.get("any_of");
    if (!(list instanceof SequenceNode seq) || seq.getValue().isEmpty()) {
      reader.error(list, path + ".any_of", "any_of needs a non-empty list", "write any_of: [projects:read, projects:admin]");
      return new Require.AnyOf(List.of());
    }
    return new Require.AnyOf(parts(seq, path + ".any_of"));
  }

  private List<Require> parts(SequenceNode seq, String path) {
    List<Require> parts = new ArrayList<>();
    List<Node> items = seq.getValue();
    for (int i = 0; i < items.size(); i++) {
      parts.add(requirement(items.get(i), path + "[" + i + "]"));
    }
    return parts;
  }
}
