package dev.tenantgateway.config.load;

import dev.tenantgateway.config.GatewayConfig.AppRole;
import dev.tenantgateway.config.GatewayConfig.Headers;
import dev.tenantgateway.config.GatewayConfig.Tenancy;
import dev.tenantgateway.config.GatewayConfig.Balance;
import dev.tenantgateway.config.GatewayConfig.HealthCheck;
import dev.tenantgateway.config.GatewayConfig.PassiveHealth;
import dev.tenantgateway.config.GatewayConfig.Pool;
import dev.tenantgateway.config.GatewayConfig.UpstreamConfig;
import dev.tenantgateway.config.UpstreamTls;
import dev.tenantgateway.routing.PathNormalizer;
import org.yaml.snakeyaml.nodes.Node;
import org.yaml.snakeyaml.nodes.NodeTuple;
import org.yaml.snakeyaml.nodes.ScalarNode;

import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * Validates the sections routes refer to: {@code roles:}, {@code app_roles:}, {@code upstreams:}, {@code headers:}
 * and {@code tenancy:}.
 */
final class PolicySections {

  static final Pattern HEADER_NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9-]*");
  static final Pattern PERMISSION_PATTERN = Pattern.compile("[^\\s,*\"]*\\*?");

  private final YamlReader reader;

  PolicySections(YamlReader reader) {
    this.reader = reader;
  }

  Map<String, List<String>> roles(Node node) {
    Map<String, List<String>> roles = new LinkedHashMap<>();
    YamlMap o = node == null ? null : reader.object(node, "roles");
    if (o == null) {
      return roles;
    }
    for (Map.Entry<String, NodeTuple> entry : o.entries.entrySet()) {
      String role = entry.getKey();
      String path = "roles." + role;
      List<String> grants = new ArrayList<>();
      for (Node item : reader.list(entry.getValue().getValueNode(), path)) {
        String grant = item instanceof ScalarNode s ? reader.scalar(s) : null;
        if (grant == null || grant.isEmpty() || !PERMISSION_PATTERN.matcher(grant).matches()) {
          reader.error(item, path, "'" + grant + "' is not a permission or permission pattern",
              "write permissions such as projects:read, or projects:* for every permission starting with projects:");
        } else {
          grants.add(grant);
        }
      }
      roles.put(role, List.copyOf(grants));
    }
    return roles;
  }

  Map<String, AppRole> appRoles(Node node) {
    Map<String, AppRole> grants = new LinkedHashMap<>();
    YamlMap all = node == null ? null : reader.object(node, "app_roles");
    if (all == null) {
      return grants;
    }
    for (Map.Entry<String, NodeTuple> entry : all.entries.entrySet()) {
      String path = "app_roles." + entry.getKey();
      YamlMap o = reader.object(entry.getValue().getValueNode(), path, "permissions", "any_tenant");
      if (o == null) {
        continue;
      }
      List<String> permissions = new ArrayList<>();
      for (String grant : o.stringList("permissions")) {
        if (!PERMISSION_PATTERN.matcher(grant).matches() || grant.isEmpty()) {
          o.error(o.get("permissions"), path + ".permissions", "'" + grant + "' is not a permission or pattern", "such as projects:read or projects:*");
        } else {
          permissions.add(grant);
        }
      }
      grants.put(entry.getKey(), new AppRole(permissions, o.bool("any_tenant", false)));
    }
    return grants;
  }

  Map<String, UpstreamConfig> upstreams(Node node) {
    Map<String, UpstreamConfig> upstreams = new LinkedHashMap<>();
    YamlMap all = node == null ? null : reader.object(node, "upstreams");
    if (all == null) {
      return upstreams;
    }
    for (Map.Entry<String, NodeTuple> entry : all.entries.entrySet()) {
      String name = entry.getKey();
      String path = "upstreams." + name;
      if (!IssuerSection.ID.matcher(name).matches()) {
        reader.error(entry.getValue().getKeyNode(), path, "'" + name + "' is not a valid upstream name",
            "use letters, digits, '-', '_' and '.'");
      }
      YamlMap o = reader.object(entry.getValue().getValueNode(), path, "url", "targets", "balance", "passive_health",
          "health_check", "connect_timeout", "response_timeout", "read_timeout", "pool_timeout", "max_connections",
          "request_body_timeout", "request_body_min_rate", "tls");
      if (o == null) {
        continue;
      }
      List<URI> targets = targets(o, path);
      URI url = targets.isEmpty() ? null : targets.get(0);
      Duration connect = o.duration("connect_timeout", Duration.ofSeconds(5));
      Duration response = o.duration("response_timeout", Duration.ofSeconds(30));
      Duration read = o.duration("read_timeout", Duration.ofSeconds(30));
      Duration pool = o.duration("pool_timeout", Duration.ofSeconds(5));
      int max = o.integer("max_connections", 100, 1, 100_000);
      Duration body = o.duration("request_body_timeout", Duration.ofSeconds(10));
      long minRate = o.size("request_body_min_rate", 1024); // bytes per second; 0 turns the rate check off
      for (String key : List.of("connect_timeout", "response_timeout", "read_timeout", "pool_timeout",
          "request_body_timeout")) {
        if (o.has(key) && o.duration(key, Duration.ZERO).isZero()) {
          o.error(o.get(key), path + "." + key, key + " must be more than 0", "write a duration such as 500ms or 30s");
        }
      }
      UpstreamTls tls = new UpstreamTlsSection(reader).tls(o, path, url);
      Pool targetPool = new Pool(targets, balance(o, path), passiveHealth(o, path), healthCheck(o, path));
      upstreams.put(name, new UpstreamConfig(name, url, connect, response, read, pool, max, body, minRate,
          o.position(), targetPool, tls));
    }
    return upstreams;
  }

  /** {@code url:} (one target) or {@code targets:} (one or more, distinct, one scheme), each a plain origin URL. */
  private List<URI> targets(YamlMap o, String path) {
    List<URI> targets = new ArrayList<>();
    if (o.has("url") && o.has("targets")) {
      o.error(o.get("targets"), path + ".targets", "url and targets are both given",
          "keep url: for one target, or list every target under targets: and remove url:");
      return targets;
    }
    if (o.has("url")) {
      URI url = o.httpUrl("url", path + ".url");
      if (url != null && checkTarget(o, o.get("url"), path + ".url", url)) {
        targets.add(url);
      }
      return targets;
    }
    if (!o.has("targets")) {
      o.error(o.node, path, "url is missing", "add url: http://service.namespace:8080, or targets: [url, ...] for "
          + "several instances of the service");
      return targets;
    }
    List<Node> items = reader.list(o.get("targets"), path + ".targets");
    if (items.isEmpty() && !(o.get("targets") instanceof ScalarNode s && !YamlReader.isNull(s))) {
      o.error(o.get("targets"), path + ".targets", "the pool is empty",
          "list at least one target: targets: [http://10.0.0.1:8080, http://10.0.0.2:8080]");
      return targets;
    }
    Set<String> seen = new HashSet<>();
    for (int i = 0; i < items.size(); i++) {
      Node item = items.get(i);
      String where = path + ".targets[" + i + "]";
      String text = item instanceof ScalarNode s && !YamlReader.isNull(s) ? reader.scalar(s) : null;
      URI url = text == null ? null : parseTargetUrl(text);
      if (url == null) {
        o.error(item, where, "'" + text + "' is not a valid target URL",
            "write an absolute URL such as http://orders-1.internal:8080 (http or https, a host, optional port and base path)");
        continue;
      }
      if (!checkTarget(o, item, where, url)) {
        continue;
      }
      if (!seen.add(targetKey(url))) {
        o.error(item, where, "target " + text + " is listed twice",
            "remove the duplicate: each target appears once (the balancer already spreads requests evenly)");
        continue;
      }
      if (!targets.isEmpty() && !targets.get(0).getScheme().equalsIgnoreCase(url.getScheme())) {
        o.error(item, where, "targets mix http and https",
            "use one scheme for every target of an upstream; declare a second upstream for the other");
        continue;
      }
      targets.add(url);
    }
    return targets;
  }

  private static URI parseTargetUrl(String text) {
    try {
      URI uri = new URI(text.trim());
      boolean http = "http".equalsIgnoreCase(uri.getScheme()) || "https".equalsIgnoreCase(uri.getScheme());
      return http && uri.getHost() != null ? uri : null;
    } catch (java.net.URISyntaxException e) {
      return null;
    }
  }

  private static boolean checkTarget(YamlMap o, Node at, String where, URI url) {
    if (url.getRawQuery() != null || url.getRawFragment() != null || url.getRawUserInfo() != null) {
      o.error(at, where, "an upstream URL may not carry a query, fragment or credentials",
          "write scheme://host:port[/base-path]");
      return false;
    }
    return true;
  }

  /** scheme://host:port with the default port filled in and case folded: two spellings of one target are one. */
  static String targetKey(URI url) {
    String scheme = url.getScheme().toLowerCase(Locale.ROOT);
    int port = url.getPort() > 0 ? url.getPort() : scheme.equals("https") ? 443 : 80;
    String path = url.getRawPath() == null || url.getRawPath().equals("/") ? "" : url.getRawPath();
    return scheme + "://" + url.getHost().toLowerCase(Locale.ROOT) + ":" + port + path;
  }

  private Balance balance(YamlMap o, String path) {
    String text = o.string("balance", "round_robin");
    return switch (text) {
      case "round_robin" -> Balance.ROUND_ROBIN;
      case "least_pending" -> Balance.LEAST_PENDING;
      default -> {
        o.error(o.get("balance"), path + ".balance", "unknown balance '" + text + "'",
            "write round_robin (in turn) or least_pending (the target with the fewest requests in flight)"
                + Suggestions.didYouMean(text, Set.of("round_robin", "least_pending")));
        yield Balance.ROUND_ROBIN;
      }
    };
  }

  private PassiveHealth passiveHealth(YamlMap o, String path) {
    PassiveHealth d = PassiveHealth.defaults();
    if (!o.has("passive_health")) {
      return d;
    }
    String where = path + ".passive_health";
    YamlMap p = reader.object(o.get("passive_health"), where, "consecutive_failures", "ejection_time",
        "max_ejection_time");
    if (p == null) {
      return d;
    }
    int failures = p.integer("consecutive_failures", d.consecutiveFailures(), 0, 1000);
    Duration ejection = positive(p, "ejection_time", d.ejectionTime(), where);
    Duration max = positive(p, "max_ejection_time", ejection.compareTo(d.maxEjectionTime()) > 0 ? ejection
        : d.maxEjectionTime(), where);
    if (max.compareTo(ejection) < 0) {
      p.error(p.get("max_ejection_time"), where + ".max_ejection_time", "max_ejection_time is shorter than ejection_time",
          "make max_ejection_time at least " + ejection.toSeconds() + "s, or shorten ejection_time");
    }
    return new PassiveHealth(failures, ejection, max);
  }

  private HealthCheck healthCheck(YamlMap o, String path) {
    if (!o.has("health_check")) {
      return null;
    }
    String where = path + ".health_check";
    YamlMap h = reader.object(o.get("health_check"), where, "path", "interval", "timeout", "healthy_threshold",
        "unhealthy_threshold");
    if (h == null) {
      return null;
    }
    String checkPath = h.requiredString("path", "add path: /healthz (requested with GET on every target)");
    if (checkPath != null && !checkPath.isBlank() && (!checkPath.startsWith("/") || checkPath.contains("#")
        || checkPath.chars().anyMatch(c -> c <= ' ' || c == 0x7f))) {
      h.error(h.get("path"), where + ".path", "'" + checkPath + "' is not an absolute request path",
          "write a path such as /healthz or /status?probe=1, starting with /");
    }
    Duration interval = positive(h, "interval", Duration.ofSeconds(10), where);
    Duration timeout = positive(h, "timeout", Duration.ofSeconds(2), where);
    if (timeout.compareTo(interval) >= 0) {
      h.error(h.has("timeout") ? h.get("timeout") : h.node, where + ".timeout",
          "timeout (" + timeout.toMillis() + "ms) is not shorter than interval (" + interval.toMillis() + "ms)",
          "a check must end before the next one starts: shorten timeout or lengthen interval");
    }
    int healthy = h.integer("healthy_threshold", 2, 1, 100);
    int unhealthy = h.integer("unhealthy_threshold", 3, 1, 100);
    return new HealthCheck(checkPath, interval, timeout, healthy, unhealthy);
  }

  private static Duration positive(YamlMap o, String key, Duration fallback, String where) {
    Duration d = o.duration(key, fallback);
    if (d.isZero() || d.isNegative()) {
      o.error(o.get(key), where + "." + key, key + " must be more than 0", "write a duration such as 500ms or 30s");
      return fallback;
    }
    return d;
  }

  Headers headers(Node node) {
    Headers defaults = new Headers("X-Tenant-Id", "X-User-Id", "X-User-Roles", "X-User-Permissions", "X-App-Roles",
        List.of());
    YamlMap o = node == null ? null : reader.object(node, "headers", "tenant", "user", "roles", "permissions",
        "app_roles", "reserved");
    if (o == null) {
      return defaults;
    }
    String tenant = headerName(o, "tenant", defaults.tenant());
    String user = headerName(o, "user", defaults.user());
    String roles = headerName(o, "roles", defaults.roles());
    String permissions = headerName(o, "permissions", defaults.permissions());
    String appRoles = headerName(o, "app_roles", defaults.appRoles());
    List<String> reserved = new ArrayList<>();
    for (String name : o.stringList("reserved")) {
      if (!HEADER_NAME.matcher(name).matches()) {
        o.error(o.get("reserved"), "headers.reserved", "'" + name + "' is not a header name", "use letters, digits and '-'");
      } else {
        reserved.add(name);
      }
    }
    Set<String> distinct = new HashSet<>();
    for (String name : List.of(tenant, user, roles, permissions, appRoles)) {
      if (!distinct.add(name.toLowerCase(Locale.ROOT))) {
        o.error(o.node, "headers", "header '" + name + "' is used for two trusted values", "give each value its own header");
      }
    }
    return new Headers(tenant, user, roles, permissions, appRoles, reserved);
  }

  private String headerName(YamlMap o, String key, String fallback) {
    String name = o.string(key, fallback);
    if (!HEADER_NAME.matcher(name).matches()) {
      o.error(o.get(key), "headers." + key, "'" + name + "' is not a header name", "use letters, digits and '-', such as X-Tenant-Id");
      return fallback;
    }
    return name;
  }

  Tenancy tenancy(Node node) {
    Tenancy d = Tenancy.defaults();
    YamlMap o = node == null ? null : reader.object(node, "tenancy", "header", "subdomain", "path_param", "me_path",
        "default_to_single_membership");
    if (o == null) {
      return d;
    }
    String header = o.string("header", d.header());
    if (header.isEmpty()) {
      header = null;
    } else if (!HEADER_NAME.matcher(header).matches()) {
      o.error(o.get("header"), "tenancy.header", "'" + header + "' is not a header name", "such as X-Active-Tenant, or \"\" to disable");
    }
    String suffix = null;
    String subdomain = o.string("subdomain", null);
    if (subdomain != null) {
      if (!subdomain.startsWith("{tenant}.") || subdomain.length() <= 9 || subdomain.substring(9).contains("{")) {
        o.error(o.get("subdomain"), "tenancy.subdomain", "'" + subdomain + "' is not a subdomain template",
            "write {tenant}.app.example.com: the first label names the tenant");
      } else {
        suffix = subdomain.substring(8).toLowerCase(Locale.ROOT);
      }
    }
    String param = o.string("path_param", d.pathParam());
    String me = o.string("me_path", d.mePath());
    if (me.isEmpty()) {
      me = null;
    } else if (!me.startsWith("/") || !PathNormalizer.normalize(me).ok() || !PathNormalizer.normalize(me).path().equals(me)) {
      o.error(o.get("me_path"), "tenancy.me_path", "'" + me + "' is not a canonical path", "such as /_gateway/me, or \"\" to disable");
    }
    return new Tenancy(header, suffix, param, me, o.bool("default_to_single_membership", false));
  }
}
