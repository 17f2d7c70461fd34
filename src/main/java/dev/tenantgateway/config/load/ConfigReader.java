package dev.tenantgateway.config.load;

import dev.tenantgateway.config.ConfigError;
import dev.tenantgateway.config.ConfigException;
import dev.tenantgateway.config.GatewayConfig;
import dev.tenantgateway.config.GatewayConfig.AppRole;
import dev.tenantgateway.config.GatewayConfig.RouteConfig;
import dev.tenantgateway.config.GatewayConfig.UpstreamConfig;
import org.yaml.snakeyaml.nodes.Node;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

/**
 * Steps one and two of loading routes.yaml: read (YAML with positions and {@code ${VAR}} substitution,
 * {@link YamlReader}) and model (each section's validator turns its part into the plain records of
 * {@link GatewayConfig}, collecting every problem with {@code file:line:col}, its YAML path and a hint). Unknown keys,
 * wrong types, missing references, malformed templates and URLs all come out together. What only compiling can find
 * (overlapping routes) is the compile step's, which adds its problems to the same list.
 */
public final class ConfigReader {

  /**
   * What reading found: the model (null when the text is not a YAML mapping at all) and every problem, in file order
   * per section; an empty list means the model is complete.
   */
  public record Read(GatewayConfig config, List<ConfigError> errors) {
  }

  private ConfigReader() {
  }

  /** A duration as routes.yaml writes it (500ms, 30s, 5m, 1h, or plain seconds), or null: for command-line flags. */
  public static java.time.Duration parseDuration(String text) {
    return YamlMap.parseDuration(text);
  }

  /** The file's text, or a {@link ConfigException} that says it cannot be read. */
  public static String text(Path path) throws ConfigException {
    try {
      return Files.readString(path, StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new ConfigException(List.of(new ConfigError(path.toString(), 0, 0, "", "cannot read the file: " + e,
          "check the path given to --config")));
    }
  }

  /** Reads and models a routes.yaml text; never throws for what is in the text. */
  public static Read read(String text, String fileName, Path baseDir, Function<String, String> env) {
    YamlReader reader = new YamlReader(fileName, baseDir, env);
    GatewayConfig config = read(reader, text);
    return new Read(config, reader.errors);
  }

  /**
   * Reads only the {@code state} section of a routes.yaml, for the admin command: the rest of the file, and the
   * environment variables only the rest uses, are not needed.
   */
  public static GatewayConfig.State readState(Path path) throws ConfigException {
    String text = text(path);
    YamlReader reader = new YamlReader(path.toString(), path.toAbsolutePath().getParent(), System::getenv);
    Node root = reader.compose(text);
    GatewayConfig.State state = GatewayConfig.State.defaults();
    if (root != null) {
      YamlMap top = reader.object(root, "");
      if (top != null) {
        state = new OperatorSections(reader).state(top.get("state"));
      }
    }
    if (!reader.errors.isEmpty()) {
      throw new ConfigException(reader.errors);
    }
    return state;
  }

  private static GatewayConfig read(YamlReader reader, String text) {
    Node root = reader.compose(text);
    if (root == null) {
      return null;
    }
    YamlMap top = reader.object(root, "", "listener", "admin", "issuers", "roles", "app_roles", "upstreams", "headers",
        "security", "tenancy", "state", "tracing", "routes", "cors");
    if (top == null) {
      return null;
    }
    OperatorSections operator = new OperatorSections(reader);
    PolicySections policy = new PolicySections(reader);
    IssuerSection issuerSection = new IssuerSection(reader);
    var listener = operator.listener(top.get("listener"));
    var issuers = issuerSection.read(top.get("issuers"));
    var roles = policy.roles(top.get("roles"));
    Map<String, UpstreamConfig> upstreams = policy.upstreams(top.get("upstreams"));
    var headers = policy.headers(top.get("headers"));
    var security = operator.security(top.get("security"));
    var tenancy = policy.tenancy(top.get("tenancy"));
    var admin = operator.admin(top.get("admin"));
    var state = operator.state(top.get("state"));
    Map<String, AppRole> appRoles = policy.appRoles(top.get("app_roles"));
    var tracing = new TracingSection(reader).read(top.get("tracing"));
    CorsSection corsSection = new CorsSection(reader);
    CorsSection.Given corsGiven = corsSection.read(top.get("cors"), "cors");
    var cors = corsSection.resolve(corsGiven, "cors");
    List<RouteConfig> routes = new RouteSection(reader, issuerSection, corsSection, corsGiven, cors)
        .read(top.get("routes"), top.node, upstreams, appRoles.keySet());
    if (issuers.isEmpty() && routes.stream().anyMatch(r -> !r.isPublic())) {
      reader.error(root, "issuers", "no issuer is configured but some routes need a token",
          "add an entry under issuers: (issuer, jwks_uri or public_key_file)");
    }
    return new GatewayConfig(reader.file, listener, issuers, roles, upstreams, headers, security, tenancy, appRoles,
        admin, state, routes, tracing, cors);
  }
}
