package dev.tenantgateway.compile;

import dev.tenantgateway.config.ConfigError;
import dev.tenantgateway.config.ConfigException;
import dev.tenantgateway.config.GatewayConfig;
import dev.tenantgateway.config.load.ConfigReader;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;

/**
 * Loads routes.yaml in three steps: read and model ({@link ConfigReader}: YAML with positions and {@code ${VAR}},
 * each section's validator collecting problems with {@code file:line:col}), then the compile check: the route table
 * is built once through {@link ConfigCompiler}, so overlapping routes are refused too, in the same list as every
 * other problem.
 */
public final class ConfigLoader {

  private ConfigLoader() {
  }

  /** Loads a routes.yaml file, substituting from the process environment. */
  public static GatewayConfig load(Path path) throws ConfigException {
    return parse(ConfigReader.text(path), path.toString(), path.toAbsolutePath().getParent(), System::getenv);
  }

  /** Only the {@code state} section, for the admin command (see {@link ConfigReader#readState}). */
  public static GatewayConfig.State loadState(Path path) throws ConfigException {
    return ConfigReader.readState(path);
  }

  public static GatewayConfig parse(String text, String fileName, Path baseDir, Function<String, String> env)
      throws ConfigException {
    ConfigReader.Read read = ConfigReader.read(text, fileName, baseDir, env);
    List<ConfigError> errors = new ArrayList<>(read.errors());
    if (read.config() != null) {
      ConfigCompiler.routeTable(read.config(), errors);
    }
    if (!errors.isEmpty()) {
      throw new ConfigException(errors);
    }
    return read.config();
  }
}
