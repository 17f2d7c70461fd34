package dev.tenantgateway.config.load;

import dev.tenantgateway.config.ConfigError;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.composer.Composer;
import org.yaml.snakeyaml.error.Mark;
import org.yaml.snakeyaml.error.MarkedYAMLException;
import org.yaml.snakeyaml.nodes.MappingNode;
import org.yaml.snakeyaml.nodes.Node;
import org.yaml.snakeyaml.nodes.NodeId;
import org.yaml.snakeyaml.nodes.ScalarNode;
import org.yaml.snakeyaml.nodes.SequenceNode;
import org.yaml.snakeyaml.nodes.Tag;
import org.yaml.snakeyaml.parser.ParserImpl;
import org.yaml.snakeyaml.reader.StreamReader;
import org.yaml.snakeyaml.resolver.Resolver;

import java.io.StringReader;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Step one of loading: YAML text into nodes that keep their positions, scalars with {@code ${VAR}} and
 * {@code ${VAR:-default}} substituted ({@code $${} writes a literal {@code ${}), and the collector every section
 * validator reports to, so all problems come out together, each with {@code file:line:col}.
 */
final class YamlReader {

  private static final Pattern ENV = Pattern.compile("\\$\\$\\{|\\$\\{([A-Za-z_][A-Za-z0-9_]*)(?::-([^}]*))?}");

  /**
   * The only implicit type the sections ask a plain scalar about is null ({@code ~}, {@code null}, {@code Null},
   * {@code NULL}, a lone space or nothing, as SnakeYAML's YAML 1.1 rules have it); every other plain scalar is read
   * as text by the section that owns it. Resolving just that, without the regular expressions SnakeYAML tries on
   * every scalar, keeps a large routes.yaml from allocating a matcher per value.
   */
  private static final Resolver NULLS_ONLY = new Resolver() {
    @Override
    public Tag resolve(NodeId kind, String value, boolean implicit) {
      if (kind == NodeId.scalar && implicit && isNullWord(value)) {
        return Tag.NULL;
      }
      return super.resolve(kind, value, false);
    }
  };

  final String file;
  final Path baseDir;
  private final Function<String, String> env;
  final List<ConfigError> errors = new ArrayList<>();

  YamlReader(String file, Path baseDir, Function<String, String> env) {
    this.file = file;
    this.baseDir = baseDir;
    this.env = env;
  }

  /** The document's root node, or null (with the error recorded) when the text is not YAML or is empty. */
  Node compose(String text) {
    Node root;
    try {
      LoaderOptions options = new LoaderOptions();
      options.setAllowDuplicateKeys(false);
      options.setMaxAliasesForCollections(20);
      options.setNestingDepthLimit(40);
      options.setCodePointLimit(64 * 1024 * 1024);
      root = new Composer(new ParserImpl(new StreamReader(new StringReader(text)), options), NULLS_ONLY, options)
          .getSingleNode();
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
    }
    return root;
  }

  /** A mapping with its allowed keys (none listed: any key), or null (error recorded) when the node is not one. */
  YamlMap object(Node node, String path, String... allowed) {
    if (!(node instanceof MappingNode m)) {
      error(node, path, "expected a mapping (key: value lines)", "indent the keys under " + (path.isEmpty() ? "the top level" : path));
      return null;
    }
    return new YamlMap(this, m, path, allowed);
  }

  List<Node> list(Node node, String path) {
    if (node instanceof SequenceNode seq) {
      return seq.getValue();
    }
    if (node instanceof ScalarNode s && s.getTag().equals(Tag.NULL)) {
      return List.of();
    }
    error(node, path, "expected a list", "write each item on its own line starting with '- ', or [a, b]");
    return List.of();
  }

  private static boolean isNullWord(String value) {
    return switch (value) {
      case "", " ", "~", "null", "Null", "NULL" -> true;
      default -> false;
    };
  }

  static boolean isNull(Node node) {
    return node instanceof ScalarNode s && s.getTag().equals(Tag.NULL);
  }

  /** A scalar's text after environment substitution. */
  String scalar(ScalarNode node) {
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

  void error(Node node, String path, String message, String hint) {
    int line = 0;
    int column = 0;
    if (node != null && node.getStartMark() != null) {
      line = node.getStartMark().getLine() + 1;
      column = node.getStartMark().getColumn() + 1;
    }
    errors.add(new ConfigError(file, line, column, path, message, hint));
  }
}
