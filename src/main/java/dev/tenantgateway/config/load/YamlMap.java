package dev.tenantgateway.config.load;

import dev.tenantgateway.config.Position;
import org.yaml.snakeyaml.error.Mark;
import org.yaml.snakeyaml.nodes.MappingNode;
import org.yaml.snakeyaml.nodes.Node;
import org.yaml.snakeyaml.nodes.NodeTuple;
import org.yaml.snakeyaml.nodes.ScalarNode;
import org.yaml.snakeyaml.nodes.Tag;

import java.net.URI;
import java.net.URISyntaxException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A mapping being read: knows its allowed keys, reports unknown (with a "did you mean") and duplicate ones, and reads
 * typed values, each failure reported at the value's position with a hint and replaced by the fallback so reading
 * goes on and every problem is found.
 */
final class YamlMap {

  private static final Pattern DURATION = Pattern.compile("(\\d+)(ms|s|m|h)");
  private static final Pattern SIZE = Pattern.compile("(\\d{1,12})(b|kb|mb|gb)?");

  final YamlReader reader;
  final MappingNode node;
  final String path;
  final Map<String, NodeTuple> entries = new LinkedHashMap<>();

  YamlMap(YamlReader reader, MappingNode node, String path, String[] allowed) {
    this.reader = reader;
    this.node = node;
    this.path = path;
    Set<String> allowedSet = Set.of(allowed);
    for (NodeTuple tuple : node.getValue()) {
      Node keyNode = tuple.getKeyNode();
      String key = keyNode instanceof ScalarNode s ? s.getValue() : null;
      if (key == null) {
        reader.error(keyNode, path, "keys must be plain names", "write key: value");
      } else if (entries.containsKey(key)) {
        reader.error(keyNode, sub(key), "duplicate key '" + key + "'", "keep one of them");
      } else if (allowed.length > 0 && !allowedSet.contains(key)) {
        reader.error(keyNode, sub(key), "unknown key '" + key + "'", "valid keys here: " + String.join(", ", allowed)
            + Suggestions.didYouMean(key, allowedSet));
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

  void error(Node at, String where, String message, String hint) {
    reader.error(at, where, message, hint);
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
    String value = reader.scalar(s);
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
      values.add(reader.scalar(s));
      return values;
    }
    for (Node item : reader.list(n, sub(key))) {
      if (item instanceof ScalarNode s && !s.getTag().equals(Tag.NULL)) {
        values.add(reader.scalar(s));
      } else {
        error(item, sub(key), "expected a text value in this list", "write " + key + ": [a, b]");
      }
    }
    return values;
  }

  /** An absolute http(s) URL, or null (error recorded). */
  URI httpUrl(String key, String where) {
    String text = string(key, null);
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
      error(get(key), where, "'" + text + "' is not a valid URL (" + e.getReason() + ")",
          "write an absolute URL such as https://idp.example.com/.well-known/jwks.json");
      return null;
    }
  }

  /** A duration as routes.yaml writes it (500ms, 30s, 5m, 1h, or plain seconds), or null. */
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
}
