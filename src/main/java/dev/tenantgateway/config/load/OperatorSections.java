package dev.tenantgateway.config.load;

import dev.tenantgateway.config.GatewayConfig.Admin;
import dev.tenantgateway.config.GatewayConfig.Listener;
import dev.tenantgateway.config.GatewayConfig.RedisConfig;
import dev.tenantgateway.config.GatewayConfig.Security;
import dev.tenantgateway.config.GatewayConfig.State;
import dev.tenantgateway.config.GatewayConfig.TenantLabel;
import dev.tenantgateway.config.IpRange;
import org.yaml.snakeyaml.nodes.MappingNode;
import org.yaml.snakeyaml.nodes.Node;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/** Validates the operator's sections: {@code listener:}, {@code admin:}, {@code security:} and {@code state:}. */
final class OperatorSections {

  private final YamlReader reader;

  OperatorSections(YamlReader reader) {
    this.reader = reader;
  }

  Listener listener(Node node) {
    if (node == null) {
      return new Listener("0.0.0.0", 8080, "tenant-gateway");
    }
    YamlMap o = reader.object(node, "listener", "host", "port", "realm", "tls", "http2");
    if (o == null) {
      return new Listener("0.0.0.0", 8080, "tenant-gateway");
    }
    String host = o.string("host", "0.0.0.0");
    int port = o.integer("port", 8080, 0, 65535);
    String realm = o.string("realm", "tenant-gateway");
    if (realm.contains("\"") || realm.contains("\\")) {
      o.error(o.get("realm"), "listener.realm", "the realm must not contain quotes or backslashes", "use plain text");
    }
    ListenerSection transport = new ListenerSection(reader);
    return new Listener(host, port, realm, o.has("tls") ? transport.tls(o.get("tls")) : null,
        o.has("http2") ? transport.http2(o.get("http2")) : dev.tenantgateway.config.Http2Settings.defaults());
  }

  Security security(Node node) {
    Security d = Security.defaults();
    if (node == null) {
      return d;
    }
    YamlMap o = reader.object(node, "security", "merge_slashes", "trusted_proxies", "max_header_count",
        "max_header_bytes", "max_body_size", "idle_timeout", "header_timeout", "max_connections", "method_override",
        "token_cache_size", "path_lookalikes");
    if (o == null) {
      return d;
    }
    List<IpRange> proxies = new ArrayList<>();
    for (String cidr : o.stringList("trusted_proxies")) {
      try {
        proxies.add(IpRange.parse(cidr));
      } catch (IllegalArgumentException e) {
        o.error(o.get("trusted_proxies"), "security.trusted_proxies", e.getMessage(), "write addresses or networks such as 10.0.0.0/8 or ::1");
      }
    }
    String override = o.string("method_override", "refuse");
    if (!override.equals("refuse") && !override.equals("strip")) {
      o.error(o.get("method_override"), "security.method_override", "'" + override + "' is not refuse or strip",
          "refuse answers 400 to X-HTTP-Method-Override and its kin; strip removes them");
    }
    String lookalikes = o.string("path_lookalikes", "refuse");
    if (!lookalikes.equals("refuse") && !lookalikes.equals("allow")) {
      o.error(o.get("path_lookalikes"), "security.path_lookalikes", "'" + lookalikes + "' is not refuse or allow",
          "refuse answers 400 to encoded characters that read as / \\ . % ; or ? after Unicode NFKC; allow only if no upstream normalizes Unicode");
    }
    return new Security(o.bool("merge_slashes", d.mergeSlashes()), List.copyOf(proxies),
        o.integer("max_header_count", d.maxHeaderCount(), 1, 10_000),
        o.integer("max_header_bytes", d.maxHeaderBytes(), 1024, 1024 * 1024),
        o.size("max_body_size", d.maxBodyBytes()),
        o.duration("idle_timeout", d.idleTimeout()),
        o.duration("header_timeout", d.headerTimeout()),
        o.integer("max_connections", d.maxConnections(), 1, 10_000_000),
        override.equals("strip"),
        o.integer("token_cache_size", d.tokenCacheSize(), 0, 10_000_000),
        lookalikes.equals("allow"));
  }

  Admin admin(Node node) {
    Admin d = Admin.defaults();
    if (node == null) {
      return d;
    }
    YamlMap o = reader.object(node, "admin", "enabled", "host", "port", "drain_delay", "shutdown_grace", "reload_interval",
        "access_log", "tenant_label", "api_token", "readiness_requires_upstreams");
    if (o == null) {
      return d;
    }
    TenantLabel label = d.tenantLabel();
    if (o.has("tenant_label")) {
      YamlMap t = reader.object(o.get("tenant_label"), "admin.tenant_label", "enabled", "allow", "max");
      if (t != null) {
        label = new TenantLabel(t.bool("enabled", true), Set.copyOf(t.stringList("allow")),
            t.integer("max", 100, 1, 10_000));
      }
    }
    return new Admin(o.bool("enabled", true), o.string("host", d.host()), o.integer("port", d.port(), 0, 65535),
        o.duration("drain_delay", d.drainDelay()), o.duration("shutdown_grace", d.shutdownGrace()),
        o.duration("reload_interval", d.reloadInterval()),
        o.bool("access_log", true), label, emptyToNull(o.string("api_token", null)),
        o.bool("readiness_requires_upstreams", false));
  }

  State state(Node node) {
    State d = State.defaults();
    if (node == null) {
      return d;
    }
    YamlMap o = reader.object(node, "state", "redis", "revocation", "memberships", "rate_limits");
    if (o == null) {
      return d;
    }
    RedisConfig redis = o.has("redis") ? redis(o.get("redis")) : null;
    boolean revocationClosed = failurePolicy(o, "revocation", true);
    boolean membershipsClosed = failurePolicy(o, "memberships", true);
    Duration ttl = d.membershipCacheTtl();
    if (o.get("memberships") instanceof MappingNode) {
      YamlMap m = reader.object(o.get("memberships"), "state.memberships", "on_failure", "cache_ttl");
      ttl = m == null ? ttl : m.duration("cache_ttl", ttl);
    }
    String rateLimitPolicy = d.rateLimitsOnFailure();
    int rateLimitReplicas = d.rateLimitReplicas();
    if (o.has("rate_limits")) {
      YamlMap rl = reader.object(o.get("rate_limits"), "state.rate_limits", "on_failure", "replicas");
      if (rl != null) {
        rateLimitPolicy = rl.string("on_failure", rateLimitPolicy);
        if (!List.of("local", "open", "closed").contains(rateLimitPolicy)) {
          rl.error(rl.get("on_failure"), "state.rate_limits.on_failure", "'" + rateLimitPolicy
                  + "' is not local, open or closed", "local counts a share of the limit in each replica while Redis "
                  + "cannot answer; open lets requests through; closed answers 503 state_unavailable");
        }
        rateLimitReplicas = rl.integer("replicas", rateLimitReplicas, 1, 10_000);
      }
    }
    return new State(redis, revocationClosed, membershipsClosed, ttl, rateLimitPolicy, rateLimitReplicas);
  }

  private RedisConfig redis(Node node) {
    YamlMap r = reader.object(node, "state.redis", "url", "type", "endpoints", "master_name", "password", "timeout",
        "key_prefix", "wait_replicas");
    if (r == null) {
      return null;
    }
    String type = r.string("type", "");
    if (type.isBlank()) {
      type = "standalone"; // an empty ${REDIS_TYPE:-} means the default
    }
    if (!List.of("standalone", "sentinel", "cluster").contains(type)) {
      r.error(r.get("type"), "state.redis.type", "'" + type + "' is not a Redis deployment type", "use standalone, sentinel or cluster");
    }
    // a list, or one comma-separated string (as an environment variable gives it)
    List<String> endpoints = new ArrayList<>();
    String url = r.string("url", "").trim();
    if (!url.isEmpty()) {
      endpoints.add(url);
    }
    for (String item : r.stringList("endpoints")) {
      for (String endpoint : item.split(",")) {
        if (!endpoint.isBlank()) {
          endpoints.add(endpoint.trim());
        }
      }
    }
    if (endpoints.isEmpty()) {
      r.error(r.node, "state.redis", "no Redis address", "add url: redis://redis:6379 (or endpoints: [...] for sentinel and cluster)");
    }
    for (String endpoint : endpoints) {
      if (!endpoint.startsWith("redis://") && !endpoint.startsWith("rediss://")) {
        r.error(r.node, "state.redis", "'" + endpoint + "' is not a redis:// or rediss:// URL", "such as redis://redis:6379");
      }
    }
    String masterName = emptyToNull(r.string("master_name", null));
    if (type.equals("sentinel") && masterName == null) {
      r.error(r.node, "state.redis", "sentinel needs master_name", "add master_name: mymaster");
    }
    int waitReplicas = r.integer("wait_replicas", type.equals("standalone") ? 0 : 1, 0, 16);
    return new RedisConfig(type, List.copyOf(endpoints), masterName,
        emptyToNull(r.string("password", null)), r.duration("timeout", Duration.ofMillis(250)),
        r.string("key_prefix", "tg:"), waitReplicas);
  }

  private boolean failurePolicy(YamlMap o, String feature, boolean closedByDefault) {
    if (!o.has(feature)) {
      return closedByDefault;
    }
    YamlMap f = reader.object(o.get(feature), "state." + feature, "on_failure", "cache_ttl");
    if (f == null) {
      return closedByDefault;
    }
    String policy = f.string("on_failure", closedByDefault ? "closed" : "open");
    if (!policy.equals("closed") && !policy.equals("open")) {
      f.error(f.get("on_failure"), "state." + feature + ".on_failure", "'" + policy + "' is not open or closed",
          "closed answers 503 state_unavailable when the state cannot be read; open lets the request through");
    }
    return policy.equals("closed");
  }

  static String emptyToNull(String s) {
    return s == null || s.isEmpty() ? null : s;
  }
}
