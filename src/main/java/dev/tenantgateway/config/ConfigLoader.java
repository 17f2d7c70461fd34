package dev.tenantgateway.config;

import dev.tenantgateway.config.GatewayConfig.Admin;
import dev.tenantgateway.config.GatewayConfig.Headers;
import dev.tenantgateway.config.GatewayConfig.RedisConfig;
import dev.tenantgateway.config.GatewayConfig.State;
import dev.tenantgateway.config.GatewayConfig.IssuerConfig;
import dev.tenantgateway.config.GatewayConfig.Listener;
import dev.tenantgateway.config.GatewayConfig.RouteConfig;
import dev.tenantgateway.config.GatewayConfig.Security;
import dev.tenantgateway.config.GatewayConfig.UpstreamConfig;
import dev.tenantgateway.policy.Requirement;
import dev.tenantgateway.routing.PathTemplate;
import dev.tenantgateway.routing.Route;
import dev.tenantgateway.routing.RouteTable;
import dev.tenantgateway.tenant.ClaimMapping;
import dev.tenantgateway.observe.Metrics;
import dev.tenantgateway.policy.PermissionSet;
import dev.tenantgateway.routing.PathNormalizer;
import dev.tenantgateway.state.RateLimitRule;
import dev.tenantgateway.tenant.AppRoles;
import dev.tenantgateway.tenant.ClaimPath;
import dev.tenantgateway.tenant.ResourceRule;
import dev.tenantgateway.tenant.Tenancy;
import io.vertx.core.http.HttpMethod;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.error.Mark;
import org.yaml.snakeyaml.error.MarkedYAMLException;
import org.yaml.snakeyaml.nodes.MappingNode;
import org.yaml.snakeyaml.nodes.Node;
import org.yaml.snakeyaml.nodes.NodeTuple;
import org.yaml.snakeyaml.nodes.ScalarNode;
import org.yaml.snakeyaml.nodes.SequenceNode;
import org.yaml.snakeyaml.nodes.Tag;

import java.io.IOException;
import java.io.StringReader;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Reads routes.yaml strictly: unknown keys, wrong types, missing references, malformed templates and URLs, and
 * overlapping routes are all reported together, each with {@code file:line:col}, its YAML path and a hint. Values
 * may use {@code ${VAR}} and {@code ${VAR:-default}}; {@code $${} writes a literal {@code ${}.
 */
public final class ConfigLoader {

  static final Set<String> ASYMMETRIC_ALGORITHMS = Set.of(
      "RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256", "ES384", "ES512", "EdDSA");
  private static final Set<String> METHODS = Set.of("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS");
  private static final Pattern ENV = Pattern.compile("\\$\\$\\{|\\$\\{([A-Za-z_][A-Za-z0-9_]*)(?::-([^}]*))?}");
  private static final Pattern DURATION = Pattern.compile("(\\d+)(ms|s|m|h)");
  private static final Pattern SIZE = Pattern.compile("(\\d{1,12})(b|kb|mb|gb)?");
  private static final Pattern ID = Pattern.compile("[A-Za-z0-9][A-Za-z0-9_.-]*");
  private static final Pattern HEADER_NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9-]*");
  private static final Pattern PERMISSION = Pattern.compile("[^\\s,*\"]+");
  private static final Pattern PERMISSION_PATTERN = Pattern.compile("[^\\s,*\"]*\\*?");

  private final String file;
  private final Path baseDir;
  private final Function<String, String> env;
  private final List<ConfigError> errors = new ArrayList<>();

  private ConfigLoader(String file, Path baseDir, Function<String, String> env) {
    this.file = file;
    this.baseDir = baseDir;
    this.env = env;
  }

  /** Loads a routes.yaml file, substituting from the process environment. */
  public static GatewayConfig load(Path path) throws ConfigException {
    String text;
    try {
      text = Files.readString(path, StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new ConfigException(List.of(new ConfigError(path.toString(), 0, 0, "", "cannot read the file: " + e,
          "check the path given to --config")));
    }
    Path dir = path.toAbsolutePath().getParent();
    return parse(text, path.toString(), dir, System::getenv);
  }

  public static GatewayConfig parse(String text, String fileName, Path baseDir, Function<String, String> env)
      throws ConfigException {
    ConfigLoader loader = new ConfigLoader(fileName, baseDir, env);
    GatewayConfig config = loader.read(text);
    if (!loader.errors.isEmpty()) {
      throw new ConfigException(loader.errors);
    }
    return config;
  }

  // ---------------------------------------------------------------------------------------------------------------
  // Top level

  private GatewayConfig read(String text) {
    Node root;
    try {
      LoaderOptions options = new LoaderOptions();
      options.setAllowDuplicateKeys(false);
      options.setMaxAliasesForCollections(20);
      options.setNestingDepthLimit(40);
      root = new Yaml(options).compose(new StringReader(text));
    } catch (MarkedYAMLException e) {
      Mark mark = e.getProblemMark() != null ? e.getProblemMark() : e.getContextMark();
      errors.add(new ConfigError(file, mark == null ? 0 : mark.getLine() + 1, mark == null ? 0 : mark.getColumn() + 1,
          "", "YAML syntax error: " + e.getProblem(), "fix the indentation or quoting near this position"));
      return null;
    } catch (RuntimeException e) {
      errors.add(new ConfigError(file, 0, 0, "", "YAML error: " + e.getMessage(), "check that the file is valid YAML"));
      return null;
    }
    if (root == null) {
      errors.add(new ConfigError(file, 0, 0, "", "the file is empty",
          "start from the commented routes.yaml in the project root"));
      return null;
    }
    Obj top = object(root, "", "listener", "admin", "issuers", "roles", "app_roles", "upstreams", "headers", "security",
        "tenancy", "state", "routes");
    if (top == null) {
      return null;
    }
    Listener listener = readListener(top.get("listener"));
    List<IssuerConfig> issuers = readIssuers(top.get("issuers"));
    Map<String, List<String>> roles = readRoles(top.get("roles"));
    Map<String, UpstreamConfig> upstreams = readUpstreams(top.get("upstreams"));
    Headers headers = readHeaders(top.get("headers"));
    Security security = readSecurity(top.get("security"));
    Tenancy tenancy = readTenancy(top.get("tenancy"));
    Admin admin = readAdmin(top.get("admin"));
    State state = readState(top.get("state"));
    Map<String, AppRoles.Grant> appRoles = readAppRoles(top.get("app_roles"));
    List<RouteConfig> routes = readRoutes(top.get("routes"), top.node, upstreams, appRoles.keySet(), tenancy);
    if (issuers.isEmpty() && routes.stream().anyMatch(r -> !r.isPublic())) {
      error(root, "issuers", "no issuer is configured but some routes need a token",
          "add an entry under issuers: (issuer, jwks_uri or public_key_file)");
    }
    checkOverlaps(routes);
    return new GatewayConfig(file, listener, issuers, roles, upstreams, headers, security, tenancy, appRoles, admin,
        state, routes);
  }

  private Listener readListener(Node node) {
    if (node == null) {
      return new Listener("0.0.0.0", 8080, "tenant-gateway");
    }
    Obj o = object(node, "listener", "host", "port", "realm", "tls", "http2");
    if (o == null) {
      return new Listener("0.0.0.0", 8080, "tenant-gateway");
    }
    String host = o.string("host", "0.0.0.0");
    int port = o.integer("port", 8080, 0, 65535);
    String realm = o.string("realm", "tenant-gateway");
    if (realm.contains("\"") || realm.contains("\\")) {
      error(o.get("realm"), "listener.realm", "the realm must not contain quotes or backslashes", "use plain text");
    }
    ListenerTls tls = o.has("tls") ? readListenerTls(o.get("tls")) : null;
    Http2Settings http2 = Http2Settings.defaults();
    if (o.has("http2")) {
      Obj h = object(o.get("http2"), "listener.http2", "enabled", "h2c", "max_concurrent_streams");
      if (h != null) {
        http2 = new Http2Settings(h.bool("enabled", true), h.bool("h2c", false),
            h.integer("max_concurrent_streams", http2.maxConcurrentStreams(), 1, 10_000));
        if (http2.h2c() && !http2.enabled()) {
          error(h.get("h2c"), "listener.http2.h2c", "h2c is HTTP/2 and http2.enabled is false",
              "set enabled: true, or remove h2c");
        }
      }
    }
    return new Listener(host, port, realm, tls, http2);
  }

  /** {@code listener.tls}: the files are read and checked now, so a bad certificate stops the start. */
  private ListenerTls readListenerTls(Node node) {
    Obj t = object(node, "listener.tls", "cert_file", "key_file", "keystore_file", "keystore_password", "versions");
    if (t == null) {
      return null;
    }
    boolean pem = t.has("cert_file") || t.has("key_file");
    if (pem == t.has("keystore_file")) {
      error(t.node, "listener.tls", pem ? "give PEM files or a keystore, not both" : "no certificate is given",
          "use cert_file: tls.crt and key_file: tls.key (PEM), or keystore_file: gateway.p12 and keystore_password");
      return null;
    }
    if (pem && !(t.has("cert_file") && t.has("key_file"))) {
      error(t.node, "listener.tls", "cert_file and key_file go together",
          "give both: the certificate chain and its private key (PEM)");
      return null;
    }
    if (!pem && t.has("keystore_password") == false) {
      error(t.node, "listener.tls", "keystore_password is missing", "give the PKCS#12 password, e.g. \"${KEYSTORE_PASSWORD}\"");
      return null;
    }
    List<String> versions = t.has("versions") ? t.stringList("versions") : ListenerTls.VERSIONS;
    for (String version : versions) {
      if (!ListenerTls.VERSIONS.contains(version)) {
        error(t.get("versions"), "listener.tls.versions", "'" + version + "' is not offered",
            "use TLSv1.2 and/or TLSv1.3; older versions are broken and never enabled");
      }
    }
    if (t.has("versions") && versions.isEmpty()) {
      error(t.get("versions"), "listener.tls.versions", "the list is empty", "name TLSv1.3, TLSv1.2 or both");
    }
    ListenerTls tls = new ListenerTls(resolve(t.string("cert_file", null)), resolve(t.string("key_file", null)),
        resolve(t.string("keystore_file", null)), t.string("keystore_password", null),
        versions.stream().filter(ListenerTls.VERSIONS::contains).toList());
    try {
      TlsMaterial.listener(tls);
    } catch (TlsMaterial.TlsProblem p) {
      error(t.has(p.key()) ? t.get(p.key()) : t.node, "listener.tls." + p.key(), p.getMessage(), p.hint());
    }
    return tls;
  }

  private Path resolve(String file) {
    return file == null ? null : baseDir == null ? Path.of(file) : baseDir.resolve(file);
  }

  // ---------------------------------------------------------------------------------------------------------------
  // Issuers

  private List<IssuerConfig> readIssuers(Node node) {
    List<IssuerConfig> result = new ArrayList<>();
    if (node == null) {
      return result;
    }
    List<Node> items = list(node, "issuers");
    Set<String> ids = new LinkedHashSet<>();
    Set<String> issuerValues = new LinkedHashSet<>();
    for (int i = 0; i < items.size(); i++) {
      String path = "issuers[" + i + "]";
      Obj o = object(items.get(i), path, "id", "issuer", "jwks_uri", "public_key_file", "audiences", "algorithms",
          "leeway", "token_type", "jwks_refresh", "jwks_cooldown", "profile", "claims", "shapes", "roles_template",
          "authorized_parties", "payload_type");
      if (o == null) {
        continue;
      }
      String id = o.requiredString("id", "give the issuer a short name, such as id: acme-idp");
      if (id != null && !ID.matcher(id).matches()) {
        error(o.get("id"), path + ".id", "'" + id + "' is not a valid id", "use letters, digits, '-', '_' and '.'");
      } else if (id != null && !ids.add(id)) {
        error(o.get("id"), path + ".id", "duplicate issuer id '" + id + "'", "give each issuer its own id");
      }
      String issuer = o.requiredString("issuer", "set it to the exact 'iss' value of the identity provider's tokens");
      if (issuer != null && !issuerValues.add(issuer)) {
        error(o.get("issuer"), path + ".issuer", "issuer '" + issuer + "' is configured twice",
            "merge the two entries: the issuer is chosen by the token's iss");
      }
      URI jwks = null;
      Path keyFile = null;
      String pem = null;
      if (o.has("jwks_uri") == o.has("public_key_file")) {
        error(o.node, path, "exactly one of jwks_uri and public_key_file is needed",
            "use jwks_uri: https://idp.example.com/.well-known/jwks.json, or public_key_file: keys/idp.pem");
      } else if (o.has("jwks_uri")) {
        jwks = httpUrl(o, "jwks_uri", path + ".jwks_uri");
      } else {
        String keyPath = o.string("public_key_file", null);
        if (keyPath != null) {
          keyFile = baseDir == null ? Path.of(keyPath) : baseDir.resolve(keyPath);
          try {
            pem = Files.readString(keyFile, StandardCharsets.US_ASCII);
          } catch (IOException e) {
            error(o.get("public_key_file"), path + ".public_key_file", "cannot read " + keyFile + ": " + e.getMessage(),
                "paths are relative to the directory of routes.yaml");
          }
        }
      }
      Set<String> audiences = new LinkedHashSet<>(o.stringList("audiences"));
      Set<String> algorithms = new LinkedHashSet<>(o.has("algorithms") ? o.stringList("algorithms") : List.of("RS256"));
      for (String alg : algorithms) {
        if (!ASYMMETRIC_ALGORITHMS.contains(alg)) {
          error(o.get("algorithms"), path + ".algorithms", "algorithm '" + alg + "' is not allowed",
              "use asymmetric algorithms only (" + String.join(", ", new java.util.TreeSet<>(ASYMMETRIC_ALGORITHMS))
                  + "); 'none' and HMAC algorithms are never accepted");
        }
      }
      if (o.has("algorithms") && algorithms.isEmpty()) {
        error(o.get("algorithms"), path + ".algorithms", "the list is empty", "name at least one algorithm, such as RS256");
      }
      Duration leeway = o.duration("leeway", Duration.ofSeconds(30));
      if (leeway.compareTo(Duration.ofMinutes(5)) > 0) {
        error(o.get("leeway"), path + ".leeway", "a leeway over 5m defeats token expiry", "use a few seconds, such as 30s");
      }
      String tokenType = o.string("token_type", null);
      Duration refresh = o.duration("jwks_refresh", Duration.ofMinutes(5));
      Duration cooldown = o.duration("jwks_cooldown", Duration.ofSeconds(30));
      if (refresh.compareTo(Duration.ofSeconds(1)) < 0) {
        error(o.get("jwks_refresh"), path + ".jwks_refresh", "refreshing more often than every second hammers the identity provider", "use 1m or more");
      }
      Map<String, Node> tenancyKeys = new LinkedHashMap<>();
      ClaimsReader.ISSUER_KEYS.forEach(key -> tenancyKeys.put(key, o.get(key)));
      tenancyKeys.values().removeIf(java.util.Objects::isNull);
      ClaimMapping claims = new ClaimsReader(this::error, this::scalar).read(tenancyKeys, path);
      result.add(new IssuerConfig(id, issuer, jwks, keyFile, pem, audiences, algorithms, leeway, tokenType, refresh,
          cooldown, claims, o.position()));
    }
    return result;
  }

  private ClaimPath claimPath(Node node, String path, String text) {
    try {
      return ClaimPath.parse(text);
    } catch (IllegalArgumentException e) {
      error(node, path, e.getMessage(), "write a claim path such as org_code, realm_access.roles, roles[].key or \"https://app.example.com/org\"");
      return null;
    }
  }

  // ---------------------------------------------------------------------------------------------------------------
  // Roles, upstreams, headers

  private Map<String, List<String>> readRoles(Node node) {
    Map<String, List<String>> roles = new LinkedHashMap<>();
    if (node == null) {
      return roles;
    }
    Obj o = object(node, "roles");
    if (o == null) {
      return roles;
    }
    for (Map.Entry<String, NodeTuple> entry : o.entries.entrySet()) {
      String role = entry.getKey();
      String path = "roles." + role;
      List<String> grants = new ArrayList<>();
      Node value = entry.getValue().getValueNode();
      for (Node item : list(value, path)) {
        String grant = item instanceof ScalarNode s ? scalar(s) : null;
        if (grant == null || grant.isEmpty() || !PERMISSION_PATTERN.matcher(grant).matches()) {
          error(item, path, "'" + grant + "' is not a permission or permission pattern",
              "write permissions such as projects:read, or projects:* for every permission starting with projects:");
        } else {
          grants.add(grant);
        }
      }
      roles.put(role, List.copyOf(grants));
    }
    return roles;
  }

  private Map<String, UpstreamConfig> readUpstreams(Node node) {
    Map<String, UpstreamConfig> upstreams = new LinkedHashMap<>();
    if (node == null) {
      return upstreams;
    }
    Obj all = object(node, "upstreams");
    if (all == null) {
      return upstreams;
    }
    for (Map.Entry<String, NodeTuple> entry : all.entries.entrySet()) {
      String name = entry.getKey();
      String path = "upstreams." + name;
      if (!ID.matcher(name).matches()) {
        error(entry.getValue().getKeyNode(), path, "'" + name + "' is not a valid upstream name",
            "use letters, digits, '-', '_' and '.'");
      }
      Obj o = object(entry.getValue().getValueNode(), path, "url", "connect_timeout", "response_timeout", "max_connections");
      if (o == null) {
        continue;
      }
      URI url = o.has("url") ? httpUrl(o, "url", path + ".url") : null;
      if (!o.has("url")) {
        error(o.node, path, "url is missing", "add url: http://service.namespace:8080");
      }
      if (url != null && (url.getRawQuery() != null || url.getRawFragment() != null || url.getRawUserInfo() != null)) {
        error(o.get("url"), path + ".url", "an upstream URL may not carry a query, fragment or credentials",
            "write scheme://host:port[/base-path]");
      }
      Duration connect = o.duration("connect_timeout", Duration.ofSeconds(5));
      Duration response = o.duration("response_timeout", Duration.ofSeconds(30));
      int max = o.integer("max_connections", 100, 1, 100_000);
      upstreams.put(name, new UpstreamConfig(name, url, connect, response, max, o.position()));
    }
    return upstreams;
  }

  private Headers readHeaders(Node node) {
    Headers defaults = new Headers("X-Tenant-Id", "X-User-Id", "X-User-Roles", "X-User-Permissions", "X-App-Roles",
        List.of());
    if (node == null) {
      return defaults;
    }
    Obj o = object(node, "headers", "tenant", "user", "roles", "permissions", "app_roles", "reserved");
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
        error(o.get("reserved"), "headers.reserved", "'" + name + "' is not a header name", "use letters, digits and '-'");
      } else {
        reserved.add(name);
      }
    }
    Set<String> distinct = new java.util.HashSet<>();
    for (String name : List.of(tenant, user, roles, permissions, appRoles)) {
      if (!distinct.add(name.toLowerCase(Locale.ROOT))) {
        error(o.node, "headers", "header '" + name + "' is used for two trusted values", "give each value its own header");
      }
    }
    return new Headers(tenant, user, roles, permissions, appRoles, reserved);
  }

  private String headerName(Obj o, String key, String fallback) {
    String name = o.string(key, fallback);
    if (!HEADER_NAME.matcher(name).matches()) {
      error(o.get(key), "headers." + key, "'" + name + "' is not a header name", "use letters, digits and '-', such as X-Tenant-Id");
      return fallback;
    }
    return name;
  }

  private Security readSecurity(Node node) {
    Security d = Security.defaults();
    if (node == null) {
      return d;
    }
    Obj o = object(node, "security", "merge_slashes", "trusted_proxies", "max_header_count", "max_header_bytes",
        "max_body_size", "idle_timeout", "header_timeout", "max_connections", "method_override", "token_cache_size");
    if (o == null) {
      return d;
    }
    List<IpRange> proxies = new ArrayList<>();
    for (String cidr : o.stringList("trusted_proxies")) {
      try {
        proxies.add(IpRange.parse(cidr));
      } catch (IllegalArgumentException e) {
        error(o.get("trusted_proxies"), "security.trusted_proxies", e.getMessage(), "write addresses or networks such as 10.0.0.0/8 or ::1");
      }
    }
    String override = o.string("method_override", "refuse");
    if (!override.equals("refuse") && !override.equals("strip")) {
      error(o.get("method_override"), "security.method_override", "'" + override + "' is not refuse or strip",
          "refuse answers 400 to X-HTTP-Method-Override and its kin; strip removes them");
    }
    return new Security(o.bool("merge_slashes", d.mergeSlashes()), List.copyOf(proxies),
        o.integer("max_header_count", d.maxHeaderCount(), 1, 10_000),
        o.integer("max_header_bytes", d.maxHeaderBytes(), 1024, 1024 * 1024),
        o.size("max_body_size", d.maxBodyBytes()),
        o.duration("idle_timeout", d.idleTimeout()),
        o.duration("header_timeout", d.headerTimeout()),
        o.integer("max_connections", d.maxConnections(), 1, 10_000_000),
        override.equals("strip"),
        o.integer("token_cache_size", d.tokenCacheSize(), 0, 10_000_000));
  }

  private Admin readAdmin(Node node) {
    Admin d = Admin.defaults();
    if (node == null) {
      return d;
    }
    Obj o = object(node, "admin", "enabled", "host", "port", "shutdown_grace", "reload_interval", "access_log",
        "tenant_label", "api_token");
    if (o == null) {
      return d;
    }
    Metrics.TenantLabel label = d.tenantLabel();
    if (o.has("tenant_label")) {
      Obj t = object(o.get("tenant_label"), "admin.tenant_label", "enabled", "allow", "max");
      if (t != null) {
        label = new Metrics.TenantLabel(t.bool("enabled", true), Set.copyOf(t.stringList("allow")),
            t.integer("max", 100, 1, 10_000));
      }
    }
    return new Admin(o.bool("enabled", true), o.string("host", d.host()), o.integer("port", d.port(), 0, 65535),
        o.duration("shutdown_grace", d.shutdownGrace()), o.duration("reload_interval", d.reloadInterval()),
        o.bool("access_log", true), label, emptyToNull(o.string("api_token", null)));
  }

  private static String emptyToNull(String s) {
    return s == null || s.isEmpty() ? null : s;
  }

  private State readState(Node node) {
    State d = State.defaults();
    if (node == null) {
      return d;
    }
    Obj o = object(node, "state", "redis", "revocation", "memberships", "rate_limits");
    if (o == null) {
      return d;
    }
    RedisConfig redis = null;
    if (o.has("redis")) {
      Obj r = object(o.get("redis"), "state.redis", "url", "type", "endpoints", "master_name", "password", "timeout",
          "key_prefix");
      if (r != null) {
        String type = r.string("type", "standalone");
        if (!List.of("standalone", "sentinel", "cluster").contains(type)) {
          error(r.get("type"), "state.redis.type", "'" + type + "' is not a Redis deployment type", "use standalone, sentinel or cluster");
        }
        List<String> endpoints = new ArrayList<>(r.stringList("endpoints"));
        if (r.has("url")) {
          endpoints.add(0, r.string("url", ""));
        }
        if (endpoints.isEmpty()) {
          error(r.node, "state.redis", "no Redis address", "add url: redis://redis:6379 (or endpoints: [...] for sentinel and cluster)");
        }
        for (String endpoint : endpoints) {
          if (!endpoint.startsWith("redis://") && !endpoint.startsWith("rediss://")) {
            error(r.node, "state.redis", "'" + endpoint + "' is not a redis:// or rediss:// URL", "such as redis://redis:6379");
          }
        }
        if (type.equals("sentinel") && !r.has("master_name")) {
          error(r.node, "state.redis", "sentinel needs master_name", "add master_name: mymaster");
        }
        redis = new RedisConfig(type, List.copyOf(endpoints), r.string("master_name", null),
            emptyToNull(r.string("password", null)), r.duration("timeout", Duration.ofMillis(250)),
            r.string("key_prefix", "tg:"));
      }
    }
    boolean revocationClosed = failurePolicy(o, "revocation", true);
    boolean membershipsClosed = failurePolicy(o, "memberships", true);
    Duration ttl = d.membershipCacheTtl();
    if (o.get("memberships") instanceof MappingNode) {
      Obj m = object(o.get("memberships"), "state.memberships", "on_failure", "cache_ttl");
      ttl = m == null ? ttl : m.duration("cache_ttl", ttl);
    }
    boolean rateLimitsClosed = failurePolicy(o, "rate_limits", false);
    return new State(redis, revocationClosed, membershipsClosed, ttl, rateLimitsClosed);
  }

  private boolean failurePolicy(Obj o, String feature, boolean closedByDefault) {
    if (!o.has(feature)) {
      return closedByDefault;
    }
    Obj f = object(o.get(feature), "state." + feature, "on_failure", "cache_ttl");
    if (f == null) {
      return closedByDefault;
    }
    String policy = f.string("on_failure", closedByDefault ? "closed" : "open");
    if (!policy.equals("closed") && !policy.equals("open")) {
      error(f.get("on_failure"), "state." + feature + ".on_failure", "'" + policy + "' is not open or closed",
          "closed answers 503 state_unavailable when the state cannot be read; open lets the request through");
    }
    return policy.equals("closed");
  }

  private Tenancy readTenancy(Node node) {
    Tenancy d = Tenancy.defaults();
    if (node == null) {
      return d;
    }
    Obj o = object(node, "tenancy", "header", "subdomain", "path_param", "me_path", "default_to_single_membership");
    if (o == null) {
      return d;
    }
    String header = o.string("header", d.header());
    if (header.isEmpty()) {
      header = null;
    } else if (!HEADER_NAME.matcher(header).matches()) {
      error(o.get("header"), "tenancy.header", "'" + header + "' is not a header name", "such as X-Active-Tenant, or \"\" to disable");
    }
    String suffix = null;
    String subdomain = o.string("subdomain", null);
    if (subdomain != null) {
      if (!subdomain.startsWith("{tenant}.") || subdomain.length() <= 9 || subdomain.substring(9).contains("{")) {
        error(o.get("subdomain"), "tenancy.subdomain", "'" + subdomain + "' is not a subdomain template",
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
      error(o.get("me_path"), "tenancy.me_path", "'" + me + "' is not a canonical path", "such as /_gateway/me, or \"\" to disable");
    }
    return new Tenancy(header, suffix, param, me, o.bool("default_to_single_membership", false));
  }

  private Map<String, AppRoles.Grant> readAppRoles(Node node) {
    Map<String, AppRoles.Grant> grants = new LinkedHashMap<>();
    if (node == null) {
      return grants;
    }
    Obj all = object(node, "app_roles");
    if (all == null) {
      return grants;
    }
    for (Map.Entry<String, NodeTuple> entry : all.entries.entrySet()) {
      String path = "app_roles." + entry.getKey();
      Obj o = object(entry.getValue().getValueNode(), path, "permissions", "any_tenant");
      if (o == null) {
        continue;
      }
      List<String> permissions = new ArrayList<>();
      for (String grant : o.stringList("permissions")) {
        if (!PERMISSION_PATTERN.matcher(grant).matches() || grant.isEmpty()) {
          error(o.get("permissions"), path + ".permissions", "'" + grant + "' is not a permission or pattern", "such as projects:read or projects:*");
        } else {
          permissions.add(grant);
        }
      }
      grants.put(entry.getKey(), new AppRoles.Grant(PermissionSet.patterns(permissions), o.bool("any_tenant", false)));
    }
    return grants;
  }

  // ---------------------------------------------------------------------------------------------------------------
  // Routes

  private List<RouteConfig> readRoutes(Node node, Node root, Map<String, UpstreamConfig> upstreams,
                                       Set<String> appRoleNames, Tenancy tenancy) {
    List<RouteConfig> routes = new ArrayList<>();
    if (node == null) {
      error(root, "routes", "no routes are defined", "add a routes: list; requests that match no route get 404");
      return routes;
    }
    Set<String> ids = new LinkedHashSet<>();
    List<Node> items = list(node, "routes");
    for (int i = 0; i < items.size(); i++) {
      String path = "routes[" + i + "]";
      Obj o = object(items.get(i), path, "id", "methods", "path", "upstream", "require", "public", "tenant_required",
          "strip_prefix", "forward_authorization", "max_body_size", "app_roles", "resource", "rate_limit");
      if (o == null) {
        continue;
      }
      String id = o.requiredString("id", "give the route a name, such as id: delete-project (metrics and logs use it)");
      if (id != null && !ID.matcher(id).matches()) {
        error(o.get("id"), path + ".id", "'" + id + "' is not a valid route id", "use letters, digits, '-', '_' and '.'");
      } else if (id != null && !ids.add(id)) {
        error(o.get("id"), path + ".id", "duplicate route id '" + id + "'", "give each route its own id");
      }
      Set<HttpMethod> methods = new LinkedHashSet<>();
      if (!o.has("methods")) {
        error(o.node, path, "methods is missing", "list the methods this route accepts, such as methods: [GET, HEAD]");
      }
      for (String m : o.stringList("methods")) {
        String upper = m.toUpperCase(Locale.ROOT);
        if (!METHODS.contains(upper)) {
          error(o.get("methods"), path + ".methods", "'" + m + "' is not a supported method",
              "use " + String.join(", ", List.of("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS")));
        } else {
          methods.add(HttpMethod.valueOf(upper));
        }
      }
      PathTemplate template = null;
      String pathText = o.requiredString("path", "add path: /projects/{id}");
      if (pathText != null) {
        try {
          template = PathTemplate.parse(pathText);
        } catch (IllegalArgumentException e) {
          error(o.get("path"), path + ".path", e.getMessage(), "templates look like /orgs/{tenant}/projects/** ");
        }
      }
      String upstream = o.requiredString("upstream", "name one of the upstreams: " + String.join(", ", upstreams.keySet()));
      if (upstream != null && !upstreams.containsKey(upstream)) {
        error(o.get("upstream"), path + ".upstream", "unknown upstream '" + upstream + "'",
            upstreams.isEmpty() ? "declare it under upstreams:" : "declare it under upstreams: or use one of: "
                + String.join(", ", upstreams.keySet()) + suggestion(upstream, upstreams.keySet()));
      }
      boolean isPublic = o.bool("public", false);
      Requirement require = null;
      if (o.has("require")) {
        require = requirement(o.get("require"), path + ".require");
        if (isPublic) {
          error(o.get("require"), path + ".require", "a public route cannot require permissions",
              "remove require, or remove public: true");
        }
      } else if (!isPublic) {
        error(o.node, path, "require is missing",
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
          error(o.get("app_roles"), path + ".app_roles", "unknown application role '" + role + "'",
              "declare it under app_roles: at the top level" + suggestion(role, appRoleNames));
        }
      }
      ResourceRule resource = null;
      if (o.has("resource")) {
        Obj r = object(o.get("resource"), path + ".resource", "param", "claim");
        if (r != null) {
          String param = r.requiredString("param", "name the path parameter, such as param: channel");
          String claimText = r.requiredString("claim", "name the list in the membership, such as claim: channels");
          ClaimPath claim = claimText == null ? null : claimPath(r.get("claim"), path + ".resource.claim", claimText);
          if (param != null && template != null && !template.paramNames().contains(param)) {
            error(r.get("param"), path + ".resource.param", "the path " + template + " has no parameter {" + param + "}",
                "use one of: " + template.paramNames());
          }
          if (param != null && claim != null) {
            resource = new ResourceRule(param, claim);
          }
        }
      }
      if (isPublic && (resource != null || !routeAppRoles.isEmpty())) {
        error(o.node, path, "a public route has no caller to check", "remove resource and app_roles, or public: true");
      }
      RateLimitRule rateLimit = null;
      if (o.has("rate_limit")) {
        Obj r = object(o.get("rate_limit"), path + ".rate_limit", "requests", "per", "by");
        if (r != null) {
          int requests = r.integer("requests", 0, 1, Integer.MAX_VALUE);
          Duration per = r.duration("per", Duration.ofMinutes(1));
          String by = r.string("by", "tenant");
          if (!List.of("tenant", "user", "tenant_user").contains(by)) {
            error(r.get("by"), path + ".rate_limit.by", "'" + by + "' is not tenant, user or tenant_user", "count per tenant, per user, or per user within a tenant");
          }
          if (!r.has("requests")) {
            error(r.node, path + ".rate_limit", "requests is missing", "such as { requests: 100, per: 1m, by: tenant }");
          }
          if (isPublic && !by.equals("tenant")) {
            error(r.node, path + ".rate_limit", "a public route has no user to count", "public routes are not rate limited per user");
          }
          rateLimit = new RateLimitRule(requests, per.isZero() ? Duration.ofSeconds(1) : per, by);
        }
      }
      routes.add(new RouteConfig(id, methods, template, upstream, require, isPublic, tenantRequired, stripPrefix,
          forwardAuthorization, maxBody, List.copyOf(routeAppRoles), resource, rateLimit, o.position()));
    }
    return routes;
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
      error(node, path, "strip_prefix '" + prefix + "' is not a literal prefix of the route path " + template,
          "use the leading literal segments of path, such as /api for /api/projects/**");
      return null;
    }
    return normalized;
  }

  private Requirement requirement(Node node, String path) {
    if (node instanceof ScalarNode s) {
      String name = scalar(s);
      if (name == null || !PERMISSION.matcher(name).matches()) {
        error(node, path, "'" + name + "' is not a permission name",
            "write one permission such as projects:read (wildcards belong in roles:, not in require)");
        return Requirement.allOf(List.of(Requirement.permission("\u0000invalid")));
      }
      return Requirement.permission(name);
    }
    if (node instanceof SequenceNode seq) {
      return Requirement.allOf(parts(seq, path));
    }
    Obj o = object(node, path, "all_of", "any_of");
    if (o == null) {
      return Requirement.anyOf(List.of());
    }
    if (o.entries.size() != 1) {
      error(node, path, "write exactly one of all_of and any_of", "nest them to combine: all_of: [a, {any_of: [b, c]}]");
      return Requirement.anyOf(List.of());
    }
    if (o.has("all_of")) {
      Node list = o.get("all_of");
      return Requirement.allOf(list instanceof SequenceNode seq ? parts(seq, path + ".all_of") : List.of(requirement(list, path + ".all_of")));
    }
    Node list = o.get("any_of");
    if (!(list instanceof SequenceNode seq) || seq.getValue().isEmpty()) {
      error(list, path + ".any_of", "any_of needs a non-empty list", "write any_of: [projects:read, projects:admin]");
      return Requirement.anyOf(List.of());
    }
    return Requirement.anyOf(parts(seq, path + ".any_of"));
  }

  private List<Requirement> parts(SequenceNode seq, String path) {
    List<Requirement> parts = new ArrayList<>();
    List<Node> items = seq.getValue();
    for (int i = 0; i < items.size(); i++) {
      parts.add(requirement(items.get(i), path + "[" + i + "]"));
    }
    return parts;
  }

  private void checkOverlaps(List<RouteConfig> routes) {
    List<Route> compiled = new ArrayList<>();
    for (RouteConfig r : routes) {
      if (r.path() != null && !r.methods().isEmpty()) {
        compiled.add(new Route(r.id(), r.methods(), r.path(), r.upstream(), r.require(), r.isPublic(),
            r.tenantRequired(), r.stripPrefix(), r.forwardAuthorization(), r.maxBodyBytes(), r.appRoles(), r.resource(),
            r.rateLimit(), r.position().line()));
      }
    }
    // Report every overlap, not only the first: rebuild without the offending route until the table builds.
    List<Route> remaining = new ArrayList<>(compiled);
    while (true) {
      try {
        RouteTable.build(remaining);
        return;
      } catch (RouteTable.ConflictException e) {
        RouteConfig second = routes.stream().filter(r -> r.id() != null && r.id().equals(e.second().id())).findFirst().orElse(null);
        Position at = second == null ? new Position(0, 0, "routes") : second.position();
        errors.add(new ConfigError(file, at.line(), at.column(), at.path(), e.getMessage(),
            "make the paths differ, split the methods between them, or merge the two routes"));
        remaining.remove(e.second());
      }
    }
  }

  // ---------------------------------------------------------------------------------------------------------------
  // Node helpers

  private URI httpUrl(Obj o, String key, String path) {
    String text = o.string(key, null);
    if (text == null) {
      return null;
    }
    try {
      URI uri = new URI(text);
      if (!("http".equalsIgnoreCase(uri.getScheme()) || "https".equalsIgnoreCase(uri.getScheme())) || uri.getHost() == null) {
        throw new URISyntaxException(text, "needs http:// or https:// and a host");
      }
      return uri;
    } catch (URISyntaxException e) {
      error(o.get(key), path, "'" + text + "' is not a valid URL (" + e.getReason() + ")",
          "write an absolute URL such as https://idp.example.com/.well-known/jwks.json");
      return null;
    }
  }

  /** A mapping being read: knows its allowed keys, and reports unknown and duplicate ones. */
  private final class Obj {
    final MappingNode node;
    final String path;
    final Map<String, NodeTuple> entries = new LinkedHashMap<>();

    Obj(MappingNode node, String path, String[] allowed) {
      this.node = node;
      this.path = path;
      Set<String> allowedSet = Set.of(allowed);
      for (NodeTuple tuple : node.getValue()) {
        Node keyNode = tuple.getKeyNode();
        String key = keyNode instanceof ScalarNode s ? s.getValue() : null;
        String where = path.isEmpty() ? String.valueOf(key) : path + "." + key;
        if (key == null) {
          error(keyNode, path, "keys must be plain names", "write key: value");
        } else if (entries.containsKey(key)) {
          error(keyNode, where, "duplicate key '" + key + "'", "keep one of them");
        } else if (allowed.length > 0 && !allowedSet.contains(key)) {
          error(keyNode, where, "unknown key '" + key + "'", "valid keys here: " + String.join(", ", allowed)
              + suggestion(key, allowedSet));
        } else {
          entries.put(key, tuple);
        }
      }
    }

    boolean has(String key) {
      return entries.containsKey(key);
    }

    Node get(String key) {
      NodeTuple t = entries.get(key);
      return t == null ? null : t.getValueNode();
    }

    Position position() {
      Mark m = node.getStartMark();
      return new Position(m.getLine() + 1, m.getColumn() + 1, path);
    }

    String sub(String key) {
      return path.isEmpty() ? key : path + "." + key;
    }

    String string(String key, String fallback) {
      Node n = get(key);
      if (n == null) {
        return fallback;
      }
      if (!(n instanceof ScalarNode s) || s.getTag().equals(Tag.NULL)) {
        error(n, sub(key), "expected a text value", "write " + key + ": value");
        return fallback;
      }
      String value = scalar(s);
      return value == null ? fallback : value;
    }

    String requiredString(String key, String hint) {
      if (!has(key)) {
        error(node, path, key + " is missing", hint);
        return null;
      }
      String value = string(key, null);
      if (value != null && value.isBlank()) {
        error(get(key), sub(key), key + " is empty", hint);
        return null;
      }
      return value;
    }

    int integer(String key, int fallback, int min, int max) {
      String text = string(key, null);
      if (text == null) {
        return fallback;
      }
      try {
        int value = Integer.parseInt(text.trim());
        if (value < min || value > max) {
          throw new NumberFormatException();
        }
        return value;
      } catch (NumberFormatException e) {
        error(get(key), sub(key), "'" + text + "' is not a whole number from " + min + " to " + max, "write a number such as " + fallback);
        return fallback;
      }
    }

    boolean bool(String key, boolean fallback) {
      String text = string(key, null);
      if (text == null) {
        return fallback;
      }
      if (text.equals("true")) {
        return true;
      }
      if (text.equals("false")) {
        return false;
      }
      error(get(key), sub(key), "'" + text + "' is not true or false", "write " + key + ": true or " + key + ": false");
      return fallback;
    }

    Duration duration(String key, Duration fallback) {
      String text = string(key, null);
      if (text == null) {
        return fallback;
      }
      Duration d = parseDuration(text.trim());
      if (d == null) {
        error(get(key), sub(key), "'" + text + "' is not a duration", "write a duration such as 500ms, 30s, 5m or 1h");
        return fallback;
      }
      return d;
    }

    /** A byte size: a number of bytes, or with a unit: 512kb, 10mb, 1gb (binary multiples). */
    long size(String key, long fallback) {
      String text = string(key, null);
      if (text == null) {
        return fallback;
      }
      Matcher m = SIZE.matcher(text.trim().toLowerCase(Locale.ROOT));
      if (!m.matches()) {
        error(get(key), sub(key), "'" + text + "' is not a size", "write a size such as 65536, 512kb, 10mb or 1gb");
        return fallback;
      }
      long unit = switch (m.group(2) == null ? "" : m.group(2)) {
        case "kb" -> 1024L;
        case "mb" -> 1024L * 1024;
        case "gb" -> 1024L * 1024 * 1024;
        default -> 1L;
      };
      return Long.parseLong(m.group(1)) * unit;
    }

    /** A list of text values; a single value is accepted as a one-element list. */
    List<String> stringList(String key) {
      Node n = get(key);
      List<String> values = new ArrayList<>();
      if (n == null) {
        return values;
      }
      if (n instanceof ScalarNode s && !s.getTag().equals(Tag.NULL)) {
        values.add(scalar(s));
        return values;
      }
      for (Node item : list(n, sub(key))) {
        if (item instanceof ScalarNode s && !s.getTag().equals(Tag.NULL)) {
          values.add(scalar(s));
        } else {
          error(item, sub(key), "expected a text value in this list", "write " + key + ": [a, b]");
        }
      }
      return values;
    }
  }

  static Duration parseDuration(String text) {
    if (text.matches("\\d+")) {
      return Duration.ofSeconds(Long.parseLong(text));
    }
    Matcher m = DURATION.matcher(text);
    if (!m.matches()) {
      return null;
    }
    long amount = Long.parseLong(m.group(1));
    return switch (m.group(2)) {
      case "ms" -> Duration.ofMillis(amount);
      case "s" -> Duration.ofSeconds(amount);
      case "m" -> Duration.ofMinutes(amount);
      default -> Duration.ofHours(amount);
    };
  }

  private Obj object(Node node, String path, String... allowed) {
    if (!(node instanceof MappingNode m)) {
      error(node, path, "expected a mapping (key: value lines)", "indent the keys under " + (path.isEmpty() ? "the top level" : path));
      return null;
    }
    return new Obj(m, path, allowed);
  }

  private List<Node> list(Node node, String path) {
    if (node instanceof SequenceNode seq) {
      return seq.getValue();
    }
    if (node instanceof ScalarNode s && s.getTag().equals(Tag.NULL)) {
      return List.of();
    }
    error(node, path, "expected a list", "write each item on its own line starting with '- ', or [a, b]");
    return List.of();
  }

  /** A scalar's text after environment substitution. */
  private String scalar(ScalarNode node) {
    String raw = node.getValue();
    if (raw.indexOf('$') < 0) {
      return raw;
    }
    Matcher m = ENV.matcher(raw);
    StringBuilder out = new StringBuilder();
    while (m.find()) {
      String replacement;
      if (m.group().equals("$${")) {
        replacement = "${";
      } else {
        String value = env.apply(m.group(1));
        if (value == null) {
          value = m.group(2);
        }
        if (value == null) {
          error(node, "", "environment variable " + m.group(1) + " is not set",
              "set it, or give a default: ${" + m.group(1) + ":-value}");
          value = "";
        }
        replacement = value;
      }
      m.appendReplacement(out, Matcher.quoteReplacement(replacement));
    }
    m.appendTail(out);
    return out.toString();
  }

  private void error(Node node, String path, String message, String hint) {
    int line = 0;
    int column = 0;
    if (node != null && node.getStartMark() != null) {
      line = node.getStartMark().getLine() + 1;
      column = node.getStartMark().getColumn() + 1;
    }
    errors.add(new ConfigError(file, line, column, path, message, hint));
  }

  private static String suggestion(String wrong, Set<String> options) {
    String best = null;
    int bestDistance = Integer.MAX_VALUE;
    for (String option : options) {
      int d = distance(wrong.toLowerCase(Locale.ROOT), option.toLowerCase(Locale.ROOT));
      if (d < bestDistance) {
        bestDistance = d;
        best = option;
      }
    }
    return best != null && bestDistance <= Math.max(2, wrong.length() / 3) ? " (did you mean '" + best + "'?)" : "";
  }

  private static int distance(String a, String b) {
    int[] prev = new int[b.length() + 1];
    int[] cur = new int[b.length() + 1];
    for (int j = 0; j <= b.length(); j++) {
      prev[j] = j;
    }
    for (int i = 1; i <= a.length(); i++) {
      cur[0] = i;
      for (int j = 1; j <= b.length(); j++) {
        int cost = a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1;
        cur[j] = Math.min(Math.min(cur[j - 1] + 1, prev[j] + 1), prev[j - 1] + cost);
      }
      int[] t = prev;
      prev = cur;
      cur = t;
    }
    return prev[b.length()];
  }
}
