package dev.tenantgateway;

import dev.tenantgateway.compile.ConfigLoader;
import dev.tenantgateway.config.ConfigException;
import dev.tenantgateway.config.GatewayConfig;
import dev.tenantgateway.observe.Metrics;
import dev.tenantgateway.server.Explainer;
import dev.tenantgateway.server.GatewaySnapshot;
import dev.tenantgateway.state.StateBackend;
import io.vertx.core.MultiMap;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpMethod;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;

/**
 * Walks one request through the gateway's own pipeline (revocations included, in the configured state store) and
 * prints every stage's finding. Parses arguments and prints; the walk itself is {@link Explainer}.
 */
@Command(name = "explain", mixinStandardHelpOptions = true,
    description = "Explain the decision for one request: explain --config routes.yaml --token JWT GET /orgs/acme/projects [-H 'X-Active-Tenant: acme']. "
        + "Exit 0 when it would be forwarded, 1 when denied, 2 when the configuration cannot be used.")
final class ExplainCommand implements Callable<Integer> {

  @Option(names = {"-c", "--config"}, defaultValue = "routes.yaml", description = "routes.yaml (default: ${DEFAULT-VALUE})")
  Path config;

  @Option(names = "--token", description = "the bearer token, without 'Bearer ' (the demo prints tokens to use)")
  String token;

  @Option(names = {"-H", "--header"}, description = "a request header, 'Name: value' (repeatable)")
  List<String> headers = new ArrayList<>();

  @Parameters(index = "0", description = "method, such as GET")
  String method;

  @Parameters(index = "1", description = "request target, such as /orgs/acme/projects?page=2")
  String target;

  @CommandLine.Spec
  CommandLine.Model.CommandSpec spec;

  @Override
  public Integer call() {
    PrintWriter out = spec.commandLine().getOut();
    PrintWriter err = spec.commandLine().getErr();
    String hint = tokenHint(token);
    if (hint != null && token != null && !token.isBlank()) {
      err.println("tenant-gateway explain: " + hint);
      err.flush();
      return 2;
    }
    GatewayConfig gatewayConfig;
    try {
      gatewayConfig = ConfigLoader.load(config);
    } catch (ConfigException e) {
      err.println(e.getMessage());
      err.flush();
      return 2;
    }
    MultiMap requestHeaders = MultiMap.caseInsensitiveMultiMap();
    requestHeaders.add("Host", "gateway");
    for (String header : headers) {
      int colon = header.indexOf(':');
      if (colon <= 0) {
        err.println("tenant-gateway explain: header '" + header + "' is not 'Name: value'");
        err.flush();
        return 2;
      }
      requestHeaders.set(header.substring(0, colon).trim(), header.substring(colon + 1).trim());
    }
    Vertx vertx = Vertx.vertx();
    Metrics metrics = new Metrics(Metrics.newRegistry(), GatewayConfig.TenantLabel.off());
    StateBackend state = StateBackend.create(vertx, gatewayConfig.state(), metrics);
    try {
      GatewaySnapshot snapshot = GatewaySnapshot.build(vertx, gatewayConfig, metrics, state).await();
      try {
        Explainer.Explanation explanation = Explainer.explain(snapshot,
            HttpMethod.valueOf(method.toUpperCase(Locale.ROOT)), target, requestHeaders, token).await();
        for (Explainer.Step step : explanation.steps()) {
          out.printf("%-16s %s%n", step.stage(), step.outcome());
        }
        if (explanation.allowed()) {
          out.println("decision: ALLOWED");
        } else {
          out.println("decision: DENIED " + explanation.denial().status() + " " + explanation.denial().code());
          if (hint != null && "token_missing".equals(explanation.denial().code())) {
            out.println("hint: " + hint);
          }
        }
        out.flush();
        return explanation.allowed() ? 0 : 1;
      } finally {
        snapshot.close().await();
      }
    } catch (Exception e) {
      err.println("tenant-gateway explain: " + e.getMessage());
      err.flush();
      return 2;
    } finally {
      state.close().await();
      vertx.close().await();
    }
  }

  /** What is wrong with the --token value as given, or null when it looks like a bare token. */
  static String tokenHint(String token) {
    if (token == null || token.isBlank()) {
      return "no token was given: pass --token <JWT> (the demo prints tokens, such as $SARAH_STARTUP; "
          + "or mint one with dev-token), or check that the variable you used is set";
    }
    String trimmed = token.trim();
    if (trimmed.regionMatches(true, 0, "Bearer ", 0, 7) || trimmed.equalsIgnoreCase("bearer")) {
      return "--token takes the token alone: drop the 'Bearer ' prefix";
    }
    return null;
  }
}
