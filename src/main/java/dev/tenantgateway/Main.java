package dev.tenantgateway;

import dev.tenantgateway.config.ConfigException;
import dev.tenantgateway.config.ConfigLoader;
import dev.tenantgateway.config.GatewayConfig;
import dev.tenantgateway.server.GatewayServer;
import io.vertx.core.Vertx;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;

/** Command line entry: parses arguments and hands over; no gateway logic lives here. */
@Command(name = "tenant-gateway", mixinStandardHelpOptions = true, version = "tenant-gateway 0.1.0",
    description = "Multi-tenant JWT API gateway: verifies tokens, resolves the caller's tenant and permissions, "
        + "forwards permitted requests with trusted headers.",
    subcommands = {Main.Validate.class})
public final class Main implements Callable<Integer> {

  @Option(names = {"-c", "--config"}, defaultValue = "routes.yaml", description = "routes.yaml to serve (default: ${DEFAULT-VALUE})")
  Path config;

  @Option(names = "--listeners", description = "listener instances (event loops serving requests); default: one per core")
  Integer listeners;

  public static void main(String[] args) {
    int code = new CommandLine(new Main()).execute(args);
    if (code != 0) {
      System.exit(code);
    }
  }

  @Override
  public Integer call() throws InterruptedException {
    GatewayConfig gatewayConfig;
    try {
      gatewayConfig = ConfigLoader.load(config);
    } catch (ConfigException e) {
      System.err.println("tenant-gateway: " + config + " has " + e.errors().size() + " error(s); nothing was started:");
      System.err.println(e.getMessage());
      return 1;
    }
    Vertx vertx = Vertx.vertx();
    GatewayServer server;
    try {
      server = (listeners == null ? GatewayServer.start(vertx, gatewayConfig)
          : GatewayServer.start(vertx, gatewayConfig, listeners)).await();
    } catch (Exception e) {
      System.err.println("tenant-gateway: could not start: " + (e instanceof ConfigException ? "\n" : "") + e.getMessage());
      vertx.close().await();
      return 1;
    }
    System.out.println("tenant-gateway: listening on " + gatewayConfig.listener().host() + ":" + server.port()
        + " with " + gatewayConfig.routes().size() + " route(s) from " + config);
    CountDownLatch stopped = new CountDownLatch(1);
    Runtime.getRuntime().addShutdownHook(new Thread(() -> {
      try {
        server.stop().eventually(vertx::close).await();
      } catch (Exception ignored) {
        // exiting anyway
      }
      stopped.countDown();
    }, "shutdown"));
    stopped.await();
    return 0;
  }

  /** Checks a routes.yaml without starting anything. */
  @Command(name = "validate", mixinStandardHelpOptions = true,
      description = "Check a routes.yaml; exit 0 when valid, 1 with every error listed.")
  static final class Validate implements Callable<Integer> {
    @Parameters(index = "0", defaultValue = "routes.yaml", description = "the file to check (default: ${DEFAULT-VALUE})")
    Path file;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() {
      PrintWriter out = spec.commandLine().getOut();
      PrintWriter err = spec.commandLine().getErr();
      try {
        GatewayConfig config = ConfigLoader.load(file);
        out.println(file + ": valid (" + config.routes().size() + " routes, " + config.issuers().size() + " issuers, "
            + config.upstreams().size() + " upstreams)");
        out.flush();
        return 0;
      } catch (ConfigException e) {
        err.println(e.getMessage());
        err.println(file + ": " + e.errors().size() + " error(s)");
        err.flush();
        return 1;
      }
    }
  }
}
