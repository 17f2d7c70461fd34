package dev.tenantgateway.config.load;

import dev.tenantgateway.config.GatewayConfig.Claims;
import dev.tenantgateway.config.GatewayConfig.IssuerConfig;
import dev.tenantgateway.config.GatewayConfig.MembershipClaim;
import dev.tenantgateway.config.GatewayConfig.TenantClaim;
import dev.tenantgateway.tenant.ClaimPath;
import dev.tenantgateway.tenant.Presets;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.nodes.MappingNode;
import org.yaml.snakeyaml.nodes.Node;
import org.yaml.snakeyaml.nodes.NodeTuple;
import org.yaml.snakeyaml.nodes.ScalarNode;
import org.yaml.snakeyaml.nodes.SequenceNode;

import java.io.IOException;
import java.io.StringReader;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Pattern;

/** Validates {@code issuers:}: who may sign tokens, where their keys are, and which claims mean what. */
final class IssuerSection {

  static final Set<String> ASYMMETRIC_ALGORITHMS = Set.of(
      "RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256", "ES384", "ES512", "EdDSA");
  static final Pattern ID = Pattern.compile("[A-Za-z0-9][A-Za-z0-9_.-]*");
  private static final String[] CLAIM_KEYS = {"user", "tenant", "memberships", "permissions", "roles", "app_roles"};

  private final YamlReader reader;

  IssuerSection(YamlReader reader) {
    this.reader = reader;
  }

  List<IssuerConfig> read(Node node) {
    List<IssuerConfig> result = new ArrayList<>();
    if (node == null) {
      return result;
    }
    List<Node> items = reader.list(node, "issuers");
    Set<String> ids = new LinkedHashSet<>();
    Set<String> issuerValues = new LinkedHashSet<>();
    for (int i = 0; i < items.size(); i++) {
      String path = "issuers[" + i + "]";
      YamlMap o = reader.object(items.get(i), path, "id", "issuer", "jwks_uri", "public_key_file", "audiences",
          "algorithms", "leeway", "token_type", "jwks_refresh", "jwks_cooldown", "profile", "claims");
      if (o == null) {
        continue;
      }
      String id = o.requiredString("id", "give the issuer a short name, such as id: acme-idp");
      if (id != null && !ID.matcher(id).matches()) {
        o.error(o.get("id"), path + ".id", "'" + id + "' is not a valid id", "use letters, digits, '-', '_' and '.'");
      } else if (id != null && !ids.add(id)) {
        o.error(o.get("id"), path + ".id", "duplicate issuer id '" + id + "'", "give each issuer its own id");
      }
      String issuer = o.requiredString("issuer", "set it to the exact 'iss' value of the identity provider's tokens");
      if (issuer != null && !issuerValues.add(issuer)) {
        o.error(o.get("issuer"), path + ".issuer", "issuer '" + issuer + "' is configured twice",
            "merge the two entries: the issuer is chosen by the token's iss");
      }
      URI jwks = null;
      Path keyFile = null;
      String pem = null;
      if (o.has("jwks_uri") == o.has("public_key_file")) {
        o.error(o.node, path, "exactly one of jwks_uri and public_key_file is needed",
            "use jwks_uri: https://idp.example.com/.well-known/jwks.json, or public_key_file: keys/idp.pem");
      } else if (o.has("jwks_uri")) {
        jwks = o.httpUrl("jwks_uri", path + ".jwks_uri");
      } else {
        String keyPath = o.string("public_key_file", null);
        if (keyPath != null) {
          keyFile = reader.baseDir == null ? Path.of(keyPath) : reader.baseDir.resolve(keyPath);
          try {
            pem = Files.readString(keyFile, StandardCharsets.US_ASCII);
          } catch (IOException e) {
            o.error(o.get("public_key_file"), path + ".public_key_file", "cannot read " + keyFile + ": " + e.getMessage(),
                "paths are relative to the directory of routes.yaml");
          }
        }
      }
      Set<String> audiences = new LinkedHashSet<>(o.stringList("audiences"));
      Set<String> algorithms = new LinkedHashSet<>(o.has("algorithms") ? o.stringList("algorithms") : List.of("RS256"));
      for (String alg : algorithms) {
        if (!ASYMMETRIC_ALGORITHMS.contains(alg)) {
          o.error(o.get("algorithms"), path + ".algorithms", "algorithm '" + alg + "' is not allowed",
              "use asymmetric algorithms only (" + String.join(", ", new TreeSet<>(ASYMMETRIC_ALGORITHMS))
                  + "); 'none' and HMAC algorithms are never accepted");
        }
      }
      if (o.has("algorithms") && algorithms.isEmpty()) {
        o.error(o.get("algorithms"), path + ".algorithms", "the list is empty", "name at least one algorithm, such as RS256");
      }
      Duration leeway = o.duration("leeway", Duration.ofSeconds(30));
      if (leeway.compareTo(Duration.ofMinutes(5)) > 0) {
        o.error(o.get("leeway"), path + ".leeway", "a leeway over 5m defeats token expiry", "use a few seconds, such as 30s");
      }
      String tokenType = o.string("token_type", null);
      Duration refresh = o.duration("jwks_refresh", Duration.ofMinutes(5));
      Duration cooldown = o.duration("jwks_cooldown", Duration.ofSeconds(30));
      if (refresh.compareTo(Duration.ofSeconds(1)) < 0) {
        o.error(o.get("jwks_refresh"), path + ".jwks_refresh", "refreshing more often than every second hammers the identity provider", "use 1m or more");
      }
      Claims claims = claims(o.get("claims"), o.string("profile", null), o.get("profile"), path + ".claims");
      result.add(new IssuerConfig(id, issuer, jwks, keyFile, pem, audiences, algorithms, leeway, tokenType, refresh,
          cooldown, claims, o.position()));
    }
    return result;
  }

  /** An issuer's claims block, on top of its profile's preset: every key the issuer sets replaces the preset's. */
  private Claims claims(Node node, String profile, Node profileNode, String path) {
    Map<String, Node> merged = new LinkedHashMap<>();
    if (profile != null) {
      String preset = Presets.claims(profile);
      if (preset == null) {
        reader.error(profileNode, path.replace(".claims", ".profile"), "unknown profile '" + profile + "'",
            "use one of: " + String.join(", ", Presets.names()) + YamlReader.suggestion(profile, Presets.names()));
      } else {
        for (NodeTuple t : ((MappingNode) new Yaml().compose(new StringReader(preset))).getValue()) {
          merged.put(((ScalarNode) t.getKeyNode()).getValue(), t.getValueNode());
        }
      }
    }
    if (node != null) {
      YamlMap o = reader.object(node, path, CLAIM_KEYS);
      if (o != null) {
        o.entries.forEach((key, tuple) -> merged.put(key, tuple.getValueNode()));
      }
    }
    String user = merged.containsKey("user") ? claimPath(merged.get("user"), path + ".user", text(merged.get("user"), path + ".user")) : "sub";
    TenantClaim tenant = merged.containsKey("tenant") ? tenantClaim(merged.get("tenant"), path + ".tenant") : null;
    MembershipClaim memberships = merged.containsKey("memberships") ? memberships(merged.get("memberships"), path + ".memberships") : null;
    List<String> permissions = merged.containsKey("permissions") ? claimPaths(merged.get("permissions"), path + ".permissions") : List.of("permissions");
    List<String> roles = merged.containsKey("roles") ? claimPaths(merged.get("roles"), path + ".roles") : List.of();
    List<String> appRoles = merged.containsKey("app_roles") ? claimPaths(merged.get("app_roles"), path + ".app_roles") : List.of();
    return new Claims(user == null ? "sub" : user, tenant, memberships, permissions, roles, appRoles);
  }

  private TenantClaim tenantClaim(Node node, String path) {
    if (node instanceof ScalarNode || node instanceof SequenceNode) {
      List<String> paths = claimPaths(node, path);
      return paths.isEmpty() ? null : new TenantClaim(paths, null, null);
    }
    YamlMap t = reader.object(node, path, "claim", "prefix", "suffix");
    if (t == null) {
      return null;
    }
    if (!t.has("claim")) {
      reader.error(node, path, "claim is missing", "name the claim, such as claim: aud");
      return null;
    }
    List<String> paths = claimPaths(t.get("claim"), path + ".claim");
    return paths.isEmpty() ? null : new TenantClaim(paths, t.string("prefix", null), t.string("suffix", null));
  }

  private MembershipClaim memberships(Node node, String path) {
    YamlMap m = reader.object(node, path, "tenant_map", "role_map", "pairs", "tenants", "roles", "permissions",
        "separator", "store");
    if (m == null) {
      return null;
    }
    if (m.has("store")) {
      if (m.entries.size() > 1 || !m.bool("store", false)) {
        reader.error(node, path, "store: true stands alone", "write memberships: { store: true } to read roles from the membership store");
        return null;
      }
      return new MembershipClaim("store", null, null, null, null);
    }
    List<String> shapes = new ArrayList<>();
    for (String shape : List.of("tenant_map", "role_map", "pairs", "tenants")) {
      if (m.has(shape)) {
        shapes.add(shape);
      }
    }
    if (shapes.size() != 1) {
      reader.error(node, path, "write exactly one of tenant_map, role_map, pairs and tenants",
          "tenant_map: {tenant: {roles, permissions}}; role_map: {role: {tenant: ...}}; pairs: [\"tenant:role\"]; tenants: [ids]");
      return null;
    }
    String shape = shapes.get(0);
    String claim = claimPath(m.get(shape), path + "." + shape, m.string(shape, ""));
    if (claim == null) {
      return null;
    }
    if (!shape.equals("tenant_map") && (m.has("roles") || m.has("permissions"))) {
      reader.error(m.node, path, "roles and permissions inside a membership apply to tenant_map only",
          "for the other shapes, map the token's roles and permissions under claims.roles and claims.permissions");
    }
    return switch (shape) {
      case "tenant_map" -> new MembershipClaim(shape, claim,
          m.has("roles") ? claimPath(m.get("roles"), path + ".roles", m.string("roles", "roles")) : "roles",
          m.has("permissions") ? claimPath(m.get("permissions"), path + ".permissions", m.string("permissions", "permissions")) : "permissions",
          null);
      case "pairs" -> new MembershipClaim(shape, claim, null, null, m.string("separator", ":"));
      default -> new MembershipClaim(shape, claim, null, null, null);
    };
  }

  private String text(Node node, String path) {
    if (node instanceof ScalarNode s && !YamlReader.isNull(s)) {
      return reader.scalar(s);
    }
    reader.error(node, path, "expected a claim path", "write a claim path such as sub");
    return "sub";
  }

  /** One claim path or a list of them. */
  private List<String> claimPaths(Node node, String path) {
    List<String> result = new ArrayList<>();
    List<Node> items = node instanceof SequenceNode seq ? seq.getValue() : List.of(node);
    for (Node item : items) {
      if (item instanceof ScalarNode s && !YamlReader.isNull(s)) {
        String p = claimPath(item, path, reader.scalar(s));
        if (p != null) {
          result.add(p);
        }
      } else {
        reader.error(item, path, "expected a claim path", "write a claim path, or a list of them: [permissions, scope]");
      }
    }
    return result;
  }

  /** The claim path as written when it parses, else null (error recorded). */
  String claimPath(Node node, String path, String text) {
    try {
      ClaimPath.parse(text);
      return text;
    } catch (IllegalArgumentException e) {
      reader.error(node, path, e.getMessage(), "write a claim path such as org_code, realm_access.roles, roles[].key or \"https://app.example.com/org\"");
      return null;
    }
  }
}
