package dev.tenantgateway.config;

import java.util.List;

/** routes.yaml could not be used; carries every problem found, not just the first. */
public final class ConfigException extends Exception {

  private final transient List<ConfigError> errors;

  public ConfigException(List<ConfigError> errors) {
    super(render(errors));
    this.errors = List.copyOf(errors);
  }

  public List<ConfigError> errors() {
    return errors;
  }

  private static String render(List<ConfigError> errors) {
    StringBuilder b = new StringBuilder();
    for (ConfigError error : errors) {
      if (b.length() > 0) {
        b.append('\n');
      }
      b.append(error);
    }
    return b.toString();
  }
}
