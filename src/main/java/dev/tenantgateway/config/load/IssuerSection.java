package dev.tenantgateway.config.load;

import dev.tenantgateway.config.GatewayConfig.IssuerConfig;
import dev.tenantgateway.config.ClaimPathSyntax;
import dev.tenantgateway.config.ClaimsConfig;
import org.yaml.snakeyaml.nodes.Node;

import java.io.IOException;
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

/**
 * Validates {@code issuers:}: who may sign tokens and where their keys are; the tenancy keys of each issuer (profile,
 * claims, shapes, roles template) go to {@link ClaimsReader}.
 */
final class IssuerSection {

  static final Set<String> ASYMMETRIC_ALGORITHMS = Set.of(
      "RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256", "ES384", "ES512", "EdDSA");
  static final Pattern ID = Pattern.compile("[A-Za-z0-9][A-Za-z0-9_.-]*");

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
          "algorithms", "leeway", "token_type", "jwks_refresh", "jwks_cooldown", "profile", "claims", "shapes",
          "roles_template", "authorized_parties", "payload_type", "jwks_timeout", "jwks_max_size", "jwks_redirects",
          "max_token_lifetime");
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
      Duration jwksTimeout = o.duration("jwks_timeout", Duration.ofSeconds(5));
      if (jwksTimeout.compareTo(Duration.ofMillis(100)) < 0 || jwksTimeout.compareTo(Duration.ofSeconds(60)) > 0) {
        o.error(o.get("jwks_timeout"), path + ".jwks_timeout", "the JWKS fetch timeout must be between 100ms and 60s",
            "use a few seconds, such as 5s (the default)");
      }
      long jwksMaxBytes = o.size("jwks_max_size", 512 * 1024);
      if (jwksMaxBytes < 1024 || jwksMaxBytes > 16L * 1024 * 1024) {
        o.error(o.get("jwks_max_size"), path + ".jwks_max_size", "the JWKS size limit must be between 1kb and 16mb",
            "use 512kb (the default) unless your identity provider publishes many keys");
      }
      String redirects = o.string("jwks_redirects", "refuse");
      if (!redirects.equals("refuse") && !redirects.equals("same_origin")) {
        o.error(o.get("jwks_redirects"), path + ".jwks_redirects", "'" + redirects + "' is not refuse or same_origin",
            "redirects to another origin are never followed; same_origin follows those to the JWKS URI's own scheme, host and port");
      }
      Duration maxLifetime = o.has("max_token_lifetime") ? o.duration("max_token_lifetime", null) : null;
      if (maxLifetime != null && maxLifetime.compareTo(Duration.ofSeconds(1)) < 0) {
        o.error(o.get("max_token_lifetime"), path + ".max_token_lifetime", "the lifetime must be at least 1s",
            "use the longest lifetime your identity provider issues, such as 1h");
      }
      Map<String, Node> tenancyKeys = new LinkedHashMap<>();
      ClaimsReader.ISSUER_KEYS.forEach(key -> tenancyKeys.put(key, o.get(key)));
      tenancyKeys.values().removeIf(java.util.Objects::isNull);
      ClaimsConfig claims = new ClaimsReader(reader::error, reader::scalar).read(tenancyKeys, path);
      result.add(new IssuerConfig(id, issuer, jwks, keyFile, pem, audiences, algorithms, leeway, tokenType, refresh,
          cooldown, claims, o.position(), jwksTimeout, jwksMaxBytes, "same_origin".equals(redirects), maxLifetime));
    }
    return result;
  }

  /** The claim path as written when it parses, else null (error recorded). */
  String claimPath(Node node, String path, String text) {
    try {
      ClaimPathSyntax.steps(text);
      return text;
    } catch (IllegalArgumentException e) {
      reader.error(node, path, e.getMessage(), "write a claim path such as org_code, realm_access.roles, roles[].key or \"https://app.example.com/org\"");
      return null;
    }
  }
}
