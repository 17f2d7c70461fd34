package dev.tenantgateway.config.load;

import dev.tenantgateway.config.GatewayConfig.AppRole;
import dev.tenantgateway.config.GatewayConfig.Headers;
import dev.tenantgateway.config.GatewayConfig.Tenancy;
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
      YamlMap o = reader.object(entry.getValue().getValueNode(), path, "url", "connect_timeout", "response_timeout",
          "read_timeout", "pool_timeout", "max_connections", "request_body_timeout", "request_body_min_rate", "tls");
      if (o == null) {
        continue;
      }
      URI url = o.has("url") ? o.httpUrl("url", path + ".url") : null;
      if (!o.has("url")) {
        o.error(o.node, path, "url is missing", "add url: http://service.namespace:8080");
      }
      if (url != null && (url.getRawQuery() != null || url.getRawFragment() != null || url.getRawUserInfo() != null)) {
        o.error(o.get("url"), path + ".url", "an upstream URL may not carry a query, fragment or credentials",
            "write scheme://host:port[/base-path]");
      }
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
      upstreams.put(name, new UpstreamConfig(name, url, connect, response, read, pool, max, body, minRate, tls,
          o.position()));
    }
    return upstreams;
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
