package dev.tenantgateway.config.load;

import dev.tenantgateway.config.ClaimsConfig;
import dev.tenantgateway.config.ClaimsConfig.Condition;
import dev.tenantgateway.config.ClaimsConfig.Memberships;
import dev.tenantgateway.config.ClaimsConfig.Shape;
import dev.tenantgateway.config.ClaimsConfig.Split;
import dev.tenantgateway.config.ClaimsConfig.Template;
import dev.tenantgateway.config.ClaimsConfig.TenantField;
import dev.tenantgateway.config.ClaimsConfig.Values;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.nodes.MappingNode;
import org.yaml.snakeyaml.nodes.Node;
import org.yaml.snakeyaml.nodes.NodeTuple;
import org.yaml.snakeyaml.nodes.ScalarNode;
import org.yaml.snakeyaml.nodes.SequenceNode;
import org.yaml.snakeyaml.nodes.Tag;

import java.io.StringReader;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Function;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;

/**
 * Reads the tenancy part of an issuer ({@code profile}, {@code claims}, {@code shapes}, {@code roles_template},
 * {@code authorized_parties}, {@code payload_type}) into the model's {@link ClaimsConfig}, reporting every problem
 * with its YAML position through the loader's error sink. Presets are written in the same language
 * ({@link Presets}) and expanded here; every key an issuer sets under {@code claims:} replaces the preset's, field by
 * field, in every shape. Regular expressions are compiled only to check them: the model keeps them as written.
 */
final class ClaimsReader {

  /** Where problems go: the loader's collector, with positions. */
  interface Errors {
    void error(Node node, String path, String message, String hint);
  }

  /** The issuer keys this reader owns. */
  static final List<String> ISSUER_KEYS = List.of("profile", "claims", "shapes", "roles_template",
      "authorized_parties", "payload_type");
  static final String[] CLAIM_KEYS = {"user", "tenant", "memberships", "permissions", "roles", "app_roles"};
  private static final String[] FIELD_KEYS = {"claim", "first", "decode", "split", "drop_oidc_scopes", "keep_prefix",
      "keep_pattern", "strip_prefix", "add_prefix", "global"};
  private static final String[] MEMBERSHIP_KEYS = {"tenants", "tenant_map", "role_map", "pairs", "store", "id", "roles",
      "permissions", "separator", "pattern", "tenant_roles"};
  private static final Pattern PERMISSION_PATTERN = Pattern.compile("[^\\s,*\"]*\\*?");

  private final Errors errors;
  private final Function<ScalarNode, String> scalars;
  private final ClaimNodes nodes;

  ClaimsReader(Errors errors, Function<ScalarNode, String> scalars) {
    this.errors = errors;
    this.scalars = scalars;
    this.nodes = new ClaimNodes(errors, scalars);
  }

  /**
   * @param keys the issuer's keys that {@link #ISSUER_KEYS} names, with their value nodes
   * @param path the issuer's YAML path, such as {@code issuers[0]}
   */
  ClaimsConfig read(Map<String, Node> keys, String path) {
    Map<String, Node> preset = new LinkedHashMap<>();
    Node profileNode = keys.get("profile");
    if (profileNode != null) {
      String profile = nodes.text(profileNode, path + ".profile");
      String presetText = profile == null ? null : Presets.claims(profile);
      if (profile != null && presetText == null) {
        errors.error(profileNode, path + ".profile", "unknown profile '" + profile + "'",
            "use one of: " + String.join(", ", Presets.names()) + Suggestions.didYouMean(profile, new TreeSet<>(Presets.names())));
      } else if (presetText != null) {
        MappingNode root = (MappingNode) new Yaml().compose(new StringReader(presetText));
        for (NodeTuple t : root.getValue()) {
          preset.put(((ScalarNode) t.getKeyNode()).getValue(), t.getValueNode());
        }
      }
    }
    // the claims every shape starts from: the preset's, then the issuer's, key by key
    Map<String, Node> base = new LinkedHashMap<>();
    if (preset.containsKey("claims")) {
      base.putAll(fields(preset.get("claims"), path + ".profile"));
    }
    if (keys.containsKey("claims")) {
      base.putAll(fields(keys.get("claims"), path + ".claims"));
    }

    List<Shape> shapes = new ArrayList<>();
    Node shapesNode = keys.containsKey("shapes") ? keys.get("shapes") : preset.get("shapes");
    String shapesPath = keys.containsKey("shapes") ? path + ".shapes" : path + ".profile";
    if (shapesNode == null) {
      shapes.add(shape(null, base, path + ".claims"));
    } else if (!(shapesNode instanceof SequenceNode seq) || seq.getValue().isEmpty()) {
      errors.error(shapesNode, shapesPath, "shapes needs a non-empty list",
          "write shapes: [ { when: { claim: gty, equals: client-credentials }, claims: {...} }, { claims: {...} } ]");
      shapes.add(shape(null, base, path + ".claims"));
    } else {
      List<Node> items = seq.getValue();
      for (int i = 0; i < items.size(); i++) {
        String at = shapesPath + "[" + i + "]";
        Map<String, Node> entry = nodes.object(items.get(i), at, "when", "claims");
        if (entry == null) {
          continue;
        }
        Map<String, Node> merged = new LinkedHashMap<>(base);
        if (entry.containsKey("claims")) {
          merged.putAll(fields(entry.get("claims"), at + ".claims"));
        }
        Condition when = entry.containsKey("when") ? condition(entry.get("when"), at + ".when") : null;
        Shape shape = shape(when, merged, at + ".claims");
        checkReachable(shapes, when, items.get(i), at);
        shapes.add(shape);
      }
      if (shapes.isEmpty()) {
        shapes.add(shape(null, base, path + ".claims"));
      }
    }

    Template template = keys.containsKey("roles_template") ? template(keys.get("roles_template"), path + ".roles_template")
        : preset.containsKey("roles_template") ? template(preset.get("roles_template"), path + ".profile") : null;
    Set<String> parties = new LinkedHashSet<>(nodes.strings(keys.get("authorized_parties"), path + ".authorized_parties"));
    if (keys.containsKey("authorized_parties") && parties.isEmpty()) {
      errors.error(keys.get("authorized_parties"), path + ".authorized_parties", "the list is empty",
          "name the client ids whose tokens this gateway accepts (the azp claim), or remove the key");
    }
    Node typeNode = keys.containsKey("payload_type") ? keys.get("payload_type") : preset.get("payload_type");
    Set<String> payloadTypes = new LinkedHashSet<>(nodes.strings(typeNode, path + ".payload_type"));
    return new ClaimsConfig(shapes, template, parties, payloadTypes);
  }

  // -------------------------------------------------------------------------------------------------------------
  // Shapes

  private void checkReachable(List<Shape> earlier, Condition when, Node node, String at) {
    for (int i = 0; i < earlier.size(); i++) {
      Condition before = earlier.get(i).when();
      if (before == null) {
        errors.error(node, at, "this shape can never be chosen: shape " + i + " before it has no when and takes every token",
            "put the shape without when last");
        return;
      }
      if (when == null) {
        continue;
      }
      if (when.shadowedBy(before)) {
        errors.error(node, at, "this shape can never be chosen: every token it admits (" + when + ") is taken by shape "
            + i + " (" + before + ")", "make the conditions differ, or put the more specific shape first");
        return;
      }
      Set<String> shared = when.sharedValues(before);
      if (!shared.isEmpty()) {
        errors.error(node, at, "this shape overlaps shape " + i + ": tokens with " + when.claim() + " in " + shared
            + " would silently take shape " + i, "give each value to one shape only");
        return;
      }
    }
  }

  private Condition condition(Node node, String path) {
    Map<String, Node> o = nodes.object(node, path, "claim", "equals", "present");
    if (o == null) {
      return null;
    }
    if (!o.containsKey("claim")) {
      errors.error(node, path, "claim is missing", "write when: { claim: gty, equals: client-credentials }");
      return null;
    }
    String claim = nodes.claimPath(o.get("claim"), path + ".claim");
    if (o.containsKey("equals") == o.containsKey("present")) {
      errors.error(node, path, "write exactly one of equals and present",
          "equals: value (or a list of values), present: true, or present: false");
      return null;
    }
    if (claim == null) {
      return null;
    }
    if (o.containsKey("present")) {
      Boolean present = nodes.bool(o.get("present"), path + ".present");
      return new Condition(claim, Boolean.FALSE.equals(present) ? Condition.Kind.ABSENT : Condition.Kind.PRESENT, Set.of());
    }
    List<String> values = nodes.strings(o.get("equals"), path + ".equals");
    if (values.isEmpty()) {
      errors.error(o.get("equals"), path + ".equals", "equals needs a value", "write equals: client-credentials");
      return null;
    }
    return new Condition(claim, Condition.Kind.EQUALS, new LinkedHashSet<>(values));
  }

  private Shape shape(Condition when, Map<String, Node> fields, String path) {
    List<String> user = fields.containsKey("user") ? nodes.claimPaths(fields.get("user"), path + ".user") : List.of("sub");
    if (user.isEmpty()) {
      user = List.of("sub");
    }
    TenantField tenant = fields.containsKey("tenant") ? tenantClaim(fields.get("tenant"), path + ".tenant") : null;
    Memberships memberships = fields.containsKey("memberships") ? memberships(fields.get("memberships"), path + ".memberships") : null;
    Values permissions = fields.containsKey("permissions") ? values(fields.get("permissions"), path + ".permissions")
        : Values.of(List.of("permissions"));
    Values roles = fields.containsKey("roles") ? values(fields.get("roles"), path + ".roles") : Values.NONE;
    Values appRoles = fields.containsKey("app_roles") ? values(fields.get("app_roles"), path + ".app_roles") : Values.NONE;
    return new Shape(when, user, tenant, memberships, roles, permissions, appRoles);
  }

  private Map<String, Node> fields(Node node, String path) {
    if (ClaimNodes.isNull(node)) {
      return Map.of();
    }
    Map<String, Node> o = nodes.object(node, path, CLAIM_KEYS);
    return o == null ? Map.of() : o;
  }

  // -------------------------------------------------------------------------------------------------------------
  // Fields

  private TenantField tenantClaim(Node node, String path) {
    if (ClaimNodes.isNull(node)) {
      return null;
    }
    if (node instanceof ScalarNode || node instanceof SequenceNode) {
      List<String> paths = nodes.claimPaths(node, path);
      return paths.isEmpty() ? null : new TenantField(paths, null, null, null);
    }
    Map<String, Node> t = nodes.object(node, path, "claim", "prefix", "suffix", "id");
    if (t == null) {
      return null;
    }
    if (!t.containsKey("claim")) {
      errors.error(node, path, "claim is missing", "name the claim, such as claim: aud");
      return null;
    }
    List<String> paths = nodes.claimPaths(t.get("claim"), path + ".claim");
    String id = t.containsKey("id") ? nodes.claimPath(t.get("id"), path + ".id") : null;
    return paths.isEmpty() ? null : new TenantField(paths, nodes.optionalText(t.get("prefix"), path + ".prefix"),
        nodes.optionalText(t.get("suffix"), path + ".suffix"), id);
  }

  /** A list-valued field: a path, a list of paths (all joined), or a mapping with transforms. */
  Values values(Node node, String path) {
    if (ClaimNodes.isNull(node)) {
      return Values.NONE;
    }
    if (node instanceof ScalarNode || node instanceof SequenceNode) {
      return Values.of(nodes.claimPaths(node, path));
    }
    Map<String, Node> o = nodes.object(node, path, FIELD_KEYS);
    if (o == null) {
      return Values.NONE;
    }
    int sources = (o.containsKey("claim") ? 1 : 0) + (o.containsKey("first") ? 1 : 0) + (o.containsKey("decode") ? 1 : 0);
    if (sources != 1) {
      errors.error(node, path, "write exactly one of claim, first and decode",
          "claim: [permissions, scope] joins all; first: [permissions, scope] takes the first present; "
              + "decode: clerk_org_permissions reads Clerk's v2 feature permissions");
      return Values.NONE;
    }
    ClaimsConfig.Decoder decoder = null;
    List<String> paths = List.of();
    if (o.containsKey("decode")) {
      String name = nodes.text(o.get("decode"), path + ".decode");
      if ("clerk_org_permissions".equals(name)) {
        decoder = ClaimsConfig.Decoder.CLERK_ORG_PERMISSIONS;
      } else if (name != null) {
        errors.error(o.get("decode"), path + ".decode", "unknown decoder '" + name + "'", "use decode: clerk_org_permissions");
      }
    } else {
      paths = nodes.claimPaths(o.containsKey("claim") ? o.get("claim") : o.get("first"), path + (o.containsKey("claim") ? ".claim" : ".first"));
    }
    Split split = Split.SPACE;
    if (o.containsKey("split")) {
      String mode = nodes.text(o.get("split"), path + ".split");
      if (mode != null) {
        switch (mode) {
          case "space" -> split = Split.SPACE;
          case "comma" -> split = Split.COMMA;
          case "none" -> split = Split.NONE;
          default -> errors.error(o.get("split"), path + ".split", "'" + mode + "' is not space, comma or none",
              "space splits a string like scope; comma a comma list; none keeps a string whole (array items are never split)");
        }
      }
    }
    String keep = null;
    if (o.containsKey("keep_pattern")) {
      String regex = nodes.text(o.get("keep_pattern"), path + ".keep_pattern");
      if (regex != null) {
        try {
          Pattern.compile(regex);
          keep = regex;
        } catch (PatternSyntaxException e) {
          errors.error(o.get("keep_pattern"), path + ".keep_pattern", "not a valid regular expression: " + e.getDescription(),
              "write a Java regular expression matched against the whole value, such as \"[a-z]+:[a-z]+\"");
        }
      }
    }
    Boolean drop = o.containsKey("drop_oidc_scopes") ? nodes.bool(o.get("drop_oidc_scopes"), path + ".drop_oidc_scopes") : Boolean.TRUE;
    Boolean global = o.containsKey("global") ? nodes.bool(o.get("global"), path + ".global") : Boolean.FALSE;
    return new Values(paths, o.containsKey("first"), split, !Boolean.FALSE.equals(drop),
        nodes.optionalText(o.get("keep_prefix"), path + ".keep_prefix"), keep,
        nodes.optionalText(o.get("strip_prefix"), path + ".strip_prefix"), nodes.optionalText(o.get("add_prefix"), path + ".add_prefix"),
        Boolean.TRUE.equals(global), decoder);
  }

  private Memberships memberships(Node node, String path) {
    if (ClaimNodes.isNull(node)) {
      return null;
    }
    Map<String, Node> m = nodes.object(node, path, MEMBERSHIP_KEYS);
    if (m == null) {
      return null;
    }
    if (m.containsKey("store")) {
      if (m.size() > 1 || !Boolean.TRUE.equals(nodes.bool(m.get("store"), path + ".store"))) {
        errors.error(node, path, "store: true stands alone", "write memberships: { store: true } to read roles from the membership store");
        return null;
      }
      return new Memberships.Store();
    }
    List<String> shapes = new ArrayList<>();
    for (String shape : List.of("tenants", "tenant_map", "role_map", "pairs")) {
      if (m.containsKey(shape)) {
        shapes.add(shape);
      }
    }
    if (shapes.size() != 1) {
      errors.error(node, path, "write exactly one of tenants, tenant_map, role_map, pairs and store",
          "tenants: [ids] or {id: {...}}; tenant_map: {tenant: {roles, permissions}}; role_map: {role: {tenant: ...}}; "
              + "pairs: [\"tenant:role\"]");
      return null;
    }
    String shape = shapes.get(0);
    String claim = nodes.claimPath(m.get(shape), path + "." + shape);
    boolean entries = shape.equals("tenants") || shape.equals("tenant_map");
    for (String key : List.of("id", "roles", "permissions", "tenant_roles")) {
      if (!entries && m.containsKey(key)) {
        errors.error(m.get(key), path + "." + key, key + " applies to tenants and tenant_map only",
            "for role_map and pairs, map the token's other claims under claims.roles and claims.permissions");
      }
    }
    for (String key : List.of("separator", "pattern")) {
      if (!shape.equals("pairs") && m.containsKey(key)) {
        errors.error(m.get(key), path + "." + key, key + " applies to pairs only", "remove it, or use pairs:");
      }
    }
    if (claim == null) {
      return null;
    }
    Memberships result = switch (shape) {
      case "role_map" -> new Memberships.RoleMap(claim);
      case "pairs" -> pairs(claim, m, path);
      default -> {
        boolean map = shape.equals("tenant_map");
        Values roles = m.containsKey("roles") ? values(m.get("roles"), path + ".roles")
            : map ? Values.of(List.of("roles")) : Values.NONE;
        Values permissions = m.containsKey("permissions") ? values(m.get("permissions"), path + ".permissions")
            : map ? Values.of(List.of("permissions")) : Values.NONE;
        String id = m.containsKey("id") ? nodes.claimPath(m.get("id"), path + ".id") : null;
        yield new Memberships.Entries(claim, id, roles, permissions, map);
      }
    };
    if (entries && m.containsKey("tenant_roles")) {
      Map<String, Node> t = nodes.object(m.get("tenant_roles"), path + ".tenant_roles", "pairs", "separator", "pattern");
      if (t != null) {
        if (!t.containsKey("pairs")) {
          errors.error(m.get("tenant_roles"), path + ".tenant_roles", "pairs is missing",
              "write tenant_roles: { pairs: groups, pattern: \"^/(?<tenant>[^/]+)/(?<role>[^/]+)$\" }");
        } else {
          String pairs = nodes.claimPath(t.get("pairs"), path + ".tenant_roles.pairs");
          Memberships.Pairs joined = pairs(pairs, t, path + ".tenant_roles");
          if (pairs != null) {
            result = new Memberships.Joined(result, joined);
          }
        }
      }
    }
    return result;
  }

  /** Pairs read by a checked pattern, or split at a separator (a bad pattern is reported; ':' stands in for it). */
  private Memberships.Pairs pairs(String claim, Map<String, Node> m, String path) {
    if (m.containsKey("separator") && m.containsKey("pattern")) {
      errors.error(m.get("pattern"), path + ".pattern", "write separator or pattern, not both",
          "separator: \":\" splits at the first ':'; a pattern names the groups tenant and role");
    }
    if (m.containsKey("pattern")) {
      String regex = nodes.text(m.get("pattern"), path + ".pattern");
      if (regex != null) {
        if (!regex.contains("(?<tenant>") || !regex.contains("(?<role>")) {
          errors.error(m.get("pattern"), path + ".pattern", "the pattern needs the named groups tenant and role",
              "such as \"^tenant:(?<tenant>[^:]+):(?<role>.+)$\"");
        } else {
          try {
            Pattern.compile(regex);
            return new Memberships.Pairs(claim, regex, null);
          } catch (PatternSyntaxException e) {
            errors.error(m.get("pattern"), path + ".pattern", "not a valid regular expression: " + e.getDescription(),
                "such as \"^tenant:(?<tenant>[^:]+):(?<role>.+)$\"");
          }
        }
      }
      return new Memberships.Pairs(claim, null, ":");
    }
    String separator = m.containsKey("separator") ? nodes.text(m.get("separator"), path + ".separator") : ":";
    if (separator == null || separator.isEmpty()) {
      errors.error(m.get("separator"), path + ".separator", "the separator is empty", "such as separator: \":\"");
      separator = ":";
    }
    return new Memberships.Pairs(claim, null, separator);
  }

  private Template template(Node node, String path) {
    if (node instanceof ScalarNode s && !s.getTag().equals(Tag.NULL)) {
      String mode = scalars.apply(s);
      if (mode.equals("inherit")) {
        return null;
      }
      if (mode.equals("none")) {
        return new Template(true, Map.of());
      }
      errors.error(node, path, "'" + mode + "' is not inherit, none or a template",
          "inherit uses the global roles:, none grants nothing through roles, or write { role: [permission, ...] }");
      return null;
    }
    Map<String, Node> roles = nodes.object(node, path);
    if (roles == null) {
      return null;
    }
    Map<String, List<String>> definitions = new LinkedHashMap<>();
    roles.forEach((role, value) -> {
      List<String> grants = new ArrayList<>();
      for (String grant : nodes.strings(value, path + "." + role)) {
        if (grant.isEmpty() || !PERMISSION_PATTERN.matcher(grant).matches()) {
          errors.error(value, path + "." + role, "'" + grant + "' is not a permission or pattern", "such as projects:read or projects:*");
        } else {
          grants.add(grant);
        }
      }
      definitions.put(role, grants);
    });
    return new Template(false, definitions);
  }
}
