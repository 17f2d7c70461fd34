package dev.tenantgateway.config.load;

import dev.tenantgateway.config.ClaimPathSyntax;
import org.yaml.snakeyaml.nodes.MappingNode;
import org.yaml.snakeyaml.nodes.Node;
import org.yaml.snakeyaml.nodes.NodeTuple;
import org.yaml.snakeyaml.nodes.ScalarNode;
import org.yaml.snakeyaml.nodes.SequenceNode;
import org.yaml.snakeyaml.nodes.Tag;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Function;

/**
 * The node-level reading under an issuer's tenancy keys, for {@link ClaimsReader}: mappings with their allowed keys,
 * texts, booleans, lists and claim paths, each problem reported at the node's position and replaced by a null or an
 * empty value so that reading goes on.
 */
final class ClaimNodes {

  private static final String PATH_HINT =
      "write a claim path such as org_code, realm_access.roles, roles[].key or \"https://app.example.com/org\"";

  private final ClaimsReader.Errors errors;
  private final Function<ScalarNode, String> scalars;

  ClaimNodes(ClaimsReader.Errors errors, Function<ScalarNode, String> scalars) {
    this.errors = errors;
    this.scalars = scalars;
  }


  Map<String, Node> object(Node node, String path, String... allowed) {
    if (!(node instanceof MappingNode mapping)) {
      errors.error(node, path, "expected a mapping (key: value)", "indent the keys under " + path);
      return null;
    }
    Set<String> allowedSet = Set.of(allowed);
    Map<String, Node> result = new LinkedHashMap<>();
    for (NodeTuple tuple : mapping.getValue()) {
      String key = tuple.getKeyNode() instanceof ScalarNode s ? s.getValue() : null;
      if (key == null) {
        errors.error(tuple.getKeyNode(), path, "keys must be plain names", "write key: value");
      } else if (result.containsKey(key)) {
        errors.error(tuple.getKeyNode(), path + "." + key, "duplicate key '" + key + "'", "keep one of them");
      } else if (allowed.length > 0 && !allowedSet.contains(key)) {
        errors.error(tuple.getKeyNode(), path + "." + key, "unknown key '" + key + "'",
            "valid keys here: " + String.join(", ", allowed) + Suggestions.didYouMean(key, new TreeSet<>(allowedSet)));
      } else {
        result.put(key, tuple.getValueNode());
      }
    }
    return result;
  }

  static boolean isNull(Node node) {
    return node == null || (node instanceof ScalarNode s && s.getTag().equals(Tag.NULL))
        || (node instanceof SequenceNode seq && seq.getValue().isEmpty());
  }

  String text(Node node, String path) {
    if (node instanceof ScalarNode s && !s.getTag().equals(Tag.NULL)) {
      return scalars.apply(s);
    }
    errors.error(node, path, "expected a text value", "write a single value");
    return null;
  }

  String optionalText(Node node, String path) {
    return node == null ? null : text(node, path);
  }

  Boolean bool(Node node, String path) {
    String value = text(node, path);
    if ("true".equals(value)) {
      return true;
    }
    if ("false".equals(value)) {
      return false;
    }
    if (value != null) {
      errors.error(node, path, "'" + value + "' is not true or false", "write true or false");
    }
    return null;
  }

  List<String> strings(Node node, String path) {
    List<String> values = new ArrayList<>();
    if (node == null || (node instanceof ScalarNode s0 && s0.getTag().equals(Tag.NULL))) {
      return values;
    }
    List<Node> items = node instanceof SequenceNode seq ? seq.getValue() : List.of(node);
    for (Node item : items) {
      if (item instanceof ScalarNode s && !s.getTag().equals(Tag.NULL)) {
        values.add(scalars.apply(s));
      } else {
        errors.error(item, path, "expected a text value in this list", "write [a, b]");
      }
    }
    return values;
  }

  /** Claim paths as written, each checked against {@link ClaimPathSyntax}. */
  List<String> claimPaths(Node node, String path) {
    List<String> result = new ArrayList<>();
    List<Node> items = node instanceof SequenceNode seq ? seq.getValue() : List.of(node);
    for (Node item : items) {
      if (item instanceof ScalarNode s && !s.getTag().equals(Tag.NULL)) {
        String p = parse(item, path, scalars.apply(s));
        if (p != null) {
          result.add(p);
        }
      } else {
        errors.error(item, path, "expected a claim path", "write a claim path, or a list of them: [permissions, scope]");
      }
    }
    return result;
  }

  String claimPath(Node node, String path) {
    String text = text(node, path);
    return text == null ? null : parse(node, path, text);
  }

  private String parse(Node node, String path, String text) {
    try {
      ClaimPathSyntax.steps(text);
      return text;
    } catch (IllegalArgumentException e) {
      errors.error(node, path, e.getMessage(), PATH_HINT);
      return null;
    }
  }
}
