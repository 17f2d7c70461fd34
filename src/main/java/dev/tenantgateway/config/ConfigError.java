package dev.tenantgateway.config;

/**
 * One problem in routes.yaml, with where it is and how to fix it:
 * {@code routes.yaml:12:5: routes[3].upstream: unknown upstream 'projcts' — declare it under upstreams: ...}.
 *
 * @param line 1-based, 0 when the problem is the whole file
 * @param path the YAML path, such as {@code routes[3].require.any_of[0]}
 */
public record ConfigError(String file, int line, int column, String path, String message, String hint) {

  @Override
  public String toString() {
    StringBuilder b = new StringBuilder(file);
    if (line > 0) {
      b.append(':').append(line).append(':').append(column);
    }
    b.append(": ");
    if (path != null && !path.isEmpty()) {
      b.append(path).append(": ");
    }
    b.append(message);
    if (hint != null && !hint.isEmpty()) {
      b.append(" — ").append(hint);
    }
    return b.toString();
  }
}
