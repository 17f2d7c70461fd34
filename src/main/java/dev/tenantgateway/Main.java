package dev.tenantgateway;

import dev.tenantgateway.compile.ConfigAdvisor;
import dev.tenantgateway.compile.ConfigLoader;
import dev.tenantgateway.config.ConfigException;
import dev.tenantgateway.config.GatewayConfig;
import dev.tenantgateway.config.load.ConfigReader;
import dev.tenantgateway.demo.EchoUpstream;
import dev.tenantgateway.observe.Metrics;
import dev.tenantgateway.server.GatewayServer;
import dev.tenantgateway.server.ListenFailure;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.micrometer.MicrometerMetricsFactory;
import io.vertx.micrometer.MetricsDomain;
import io.vertx.micrometer.MicrometerMetricsOptions;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;

/** Command line entry: parses arguments and hands over; no gateway logic lives here. */
@Command(name = "tenant-gateway", mixinStandardHelpOptions = true, version = "tenant-gateway 0.1.0",
    description = "Multi-tenant JWT API gateway: verifies tokens, resolves the caller's tenant and permissions, "
        + "forwards permitted requests with trusted headers.",
    subcommands = {CommandLine.HelpCommand.class, Main.Validate.class, ExplainCommand.class, AdminCommand.class, Main.Demo.class, Main.DevToken.class})
public final class Main implements Callable<Integer> {

  @Option(names = {"-c", "--config"}, defaultValue = "routes.yaml", description = "routes.yaml to serve (default: ${DEFAULT-VALUE})")
  Path config;

  @Option(names = "--listeners", description = "listener instances (event loops serving requests); default: one per core")
  Integer listeners;

  @Option(names = "--drain-delay", converter = DurationConverter.class, paramLabel = "DURATION",
      description = "after SIGTERM, keep serving (not ready, Connection: close) this long; overrides admin.drain_delay (default 5s)")
  Duration drainDelay;

  @Option(names = "--shutdown-grace", converter = DurationConverter.class, paramLabel = "DURATION",
      description = "after the drain delay, let in-flight requests finish this long; overrides admin.shutdown_grace (default 30s)")
  Duration shutdownGrace;

  /** Durations as routes.yaml writes them: 500ms, 5s, 2m. */
  static final class DurationConverter implements CommandLine.ITypeConverter<Duration> {
    @Override
    public Duration convert(String value) {
      Duration parsed = ConfigReader.parseDuration(value.trim());
      if (parsed == null) {
        throw new CommandLine.TypeConversionException("'" + value + "' is not a duration; write one such as 500ms, 5s or 2m");
      }
      return parsed;
    }
  }

  @Option(names = "--echo-upstream", description = "send every route to an echo upstream on loopback that answers "
      + "with what it received (for trying a routes.yaml without its services; routes.yaml is then not reloaded)")
  boolean echoUpstream;

  public static void main(String[] args) {
    // Netty registers its JFR events on the first buffer allocation, which starts Flight Recorder's metadata on that
    // event loop and blocks it (seconds on a busy machine) during the first request. Off unless asked for with
    // -Dio.netty.jfr.enabled=true (when profiling with JFR).
    if (System.getProperty("io.netty.jfr.enabled") == null) {
      System.setProperty("io.netty.jfr.enabled", "false");
    }
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
    PrometheusMeterRegistry registry = Metrics.newRegistry();
    // Vert.x publishes its pool and verticle metrics; per-request HTTP and socket metrics are off, because the
    // gateway's own request metrics (by route) replace them at a fraction of the cost on the hot path.
    Vertx vertx = Vertx.builder()
        .with(new VertxOptions().setPreferNativeTransport(true).setMetricsOptions(new MicrometerMetricsOptions()
            .setEnabled(true).setJvmMetricsEnabled(false)
            .addDisabledMetricsCategory(MetricsDomain.HTTP_SERVER)
            .addDisabledMetricsCategory(MetricsDomain.HTTP_CLIENT)
            .addDisabledMetricsCategory(MetricsDomain.NET_SERVER)
            .addDisabledMetricsCategory(MetricsDomain.NET_CLIENT)
            .addDisabledMetricsCategory(MetricsDomain.DATAGRAM_SOCKET)
            .addDisabledMetricsCategory(MetricsDomain.EVENT_BUS)))
        .withMetrics(new MicrometerMetricsFactory(registry))
        .build();
    if (echoUpstream) {
      try {
        int echoPort = EchoUpstream.start(vertx, 0).await().actualPort();
        gatewayConfig = EchoUpstream.everyUpstreamTo(gatewayConfig, java.net.URI.create("http://127.0.0.1:" + echoPort));
        System.err.println("tenant-gateway: --echo-upstream: every upstream is an echo on 127.0.0.1:" + echoPort
            + " that answers with what it received; routes.yaml is not reloaded in this mode");
      } catch (Exception e) {
        System.err.println("tenant-gateway: could not start the echo upstream: " + e.getMessage());
        vertx.close().await();
        return 1;
      }
    }
    GatewayServer.Options options = new GatewayServer.Options(
        listeners == null ? Runtime.getRuntime().availableProcessors() : listeners, echoUpstream ? null : config, null,
        registry, drainDelay, shutdownGrace);
    MemoryAdvice.print(System.err);
    // Signals are handled before anything listens: /readyz answers as soon as the admin listener is up, and a SIGHUP
    // or SIGTERM from then on must reload or drain, never fall to the JVM's default (exit at once, status 129/143).
    CountDownLatch stopRequested = new CountDownLatch(1);
    AtomicReference<GatewayServer> running = new AtomicReference<>();
    AtomicBoolean reloadRequested = new AtomicBoolean();
    Signals.on("HUP", () -> {
      reloadRequested.set(true);
      reloadIfRequested(running.get(), reloadRequested);
    });
    // SIGTERM (Kubernetes) and SIGINT: not ready at once, serve through the drain delay with Connection: close, then
    // stop accepting and let in-flight requests finish within the grace; exit 0.
    Signals.on("TERM", stopRequested::countDown);
    Signals.on("INT", stopRequested::countDown);
    GatewayServer server;
    try {
      server = GatewayServer.start(vertx, gatewayConfig, options).await();
    } catch (Exception e) {
      System.err.println("tenant-gateway: could not start: " + (e instanceof ConfigException ? "\n" : "") + e.getMessage());
      ListenFailure busy = ListenFailure.in(e);
      if (busy != null && busy.addressInUse()) {
        System.err.println("tenant-gateway: port " + busy.port() + " is already in use: stop what listens there, or "
            + (busy.listener().equals("admin")
                ? "move the admin listener with admin.port in " + config + " (the example reads ADMIN_PORT: ADMIN_PORT=9902)"
                : "move the gateway with listener.port in " + config + " (the example reads GATEWAY_PORT: GATEWAY_PORT=8090)"));
      }
      vertx.close().await();
      return 1;
    }
    System.err.println("tenant-gateway: listening on " + gatewayConfig.listener().host() + ":" + server.port()
        + " with " + gatewayConfig.routes().size() + " route(s) from " + config
        + (server.adminPort() > 0 ? "; admin on " + gatewayConfig.admin().host() + ":" + server.adminPort() : ""));
    running.set(server);
    reloadIfRequested(server, reloadRequested); // a SIGHUP that came while starting
    stopRequested.await();
    System.err.println("tenant-gateway: stopping: not ready now; serving with Connection: close for "
        + server.drainDelay().toMillis() + " ms, then in-flight requests get up to "
        + server.shutdownGrace().toMillis() + " ms");
    try {
      server.drain().await(); // the main thread may block; never an event loop
    } catch (RuntimeException e) {
      System.err.println("tenant-gateway: stopping: " + e.getMessage());
    } finally {
      vertx.close().await();
    }
    System.err.println("tenant-gateway: stopped");
    return 0;
  }

  /** Both the signal and the end of the start call this after setting their half, so no SIGHUP is lost. */
  private static void reloadIfRequested(GatewayServer server, AtomicBoolean requested) {
    if (server != null && requested.getAndSet(false)) {
      server.reload();
    }
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
        for (String warning : ConfigAdvisor.warnings(config)) {
          out.println(warning);
        }
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

  /** The one-command demo: gateway, development token issuer and echo upstream in one process, on loopback. */
  @Command(name = "demo", mixinStandardHelpOptions = true,
      description = "Run the gateway on the example routes.yaml with a DEVELOPMENT token issuer and an echo upstream, on loopback, and print commands to try.")
  static final class Demo implements Callable<Integer> {
    @Option(names = {"-c", "--config"}, defaultValue = "routes.yaml", description = "routes.yaml (default: ${DEFAULT-VALUE})")
    Path config;

    @Option(names = "--port", defaultValue = "8080", description = "gateway port (default: ${DEFAULT-VALUE})")
    int port;

    @Option(names = "--admin-port", defaultValue = "9901", description = "admin port (default: ${DEFAULT-VALUE})")
    int adminPort;

    @Option(names = "--issuer-port", defaultValue = "8081", description = "development issuer port (default: ${DEFAULT-VALUE})")
    int issuerPort;

    @Option(names = "--upstream-port", defaultValue = "0", description = "echo upstream port (default: a free one)")
    int upstreamPort;

    @Override
    public Integer call() throws InterruptedException {
      Vertx vertx = Vertx.vertx();
      dev.tenantgateway.demo.Demo demo;
      try {
        demo = dev.tenantgateway.demo.Demo.start(vertx, config, config.toAbsolutePath().getParent()
                .resolve("examples/dev-keys/issuer.pem"),
            new dev.tenantgateway.demo.Demo.Ports(port, adminPort, issuerPort, upstreamPort)).await();
      } catch (Exception e) {
        System.err.println("tenant-gateway demo: could not start: " + e.getMessage());
        ListenFailure busy = ListenFailure.in(e);
        if (busy != null && busy.addressInUse()) {
          String option = switch (busy.listener()) {
            case "admin" -> "--admin-port";
            case "issuer" -> "--issuer-port";
            case "upstream" -> "--upstream-port";
            default -> "--port";
          };
          System.err.println("tenant-gateway demo: port " + busy.port() + " is already in use: stop what listens there, "
              + "or choose another: demo " + option + " " + (busy.port() + 10) + " (0 picks a free one, except --port)");
        }
        vertx.close().await();
        return 1;
      }
      demo.printGuide(System.err);
      CountDownLatch stopped = new CountDownLatch(1);
      Signals.on("TERM", stopped::countDown);
      Signals.on("INT", stopped::countDown);
      stopped.await();
      vertx.close().await();
      return 0;
    }
  }

  /** Signs a token with a development key, so the quick start and demos need no identity provider. */
  @Command(name = "dev-token", mixinStandardHelpOptions = true,
      description = "Print a token signed with a DEVELOPMENT key (examples/dev-keys). Never trust this key in production.")
  static final class DevToken implements Callable<Integer> {
    @Option(names = "--key", defaultValue = "examples/dev-keys/issuer.pem", description = "PKCS#8 PEM private key (default: ${DEFAULT-VALUE})")
    Path key;

    @Option(names = "--issuer", defaultValue = "https://dev-issuer.tenant-gateway.local/", description = "iss (default: ${DEFAULT-VALUE})")
    String issuer;

    @Option(names = "--audience", defaultValue = "tenant-gateway", description = "aud (default: ${DEFAULT-VALUE})")
    String audience;

    @Option(names = "--sub", defaultValue = "sarah", description = "sub (default: ${DEFAULT-VALUE})")
    String subject;

    @Option(names = "--org", description = "org_code: the tenant the token is for")
    String org;

    @Option(names = "--roles", split = ",", description = "roles, comma-separated")
    java.util.List<String> roles;

    @Option(names = "--permissions", split = ",", description = "permissions, comma-separated")
    java.util.List<String> permissions;

    @Option(names = "--ttl", defaultValue = "3600", description = "seconds until exp (default: ${DEFAULT-VALUE}; negative for an expired token)")
    long ttl;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() {
      PrintWriter err = spec.commandLine().getErr();
      dev.tenantgateway.demo.DevTokens signer;
      try {
        signer = dev.tenantgateway.demo.DevTokens.load(key);
      } catch (java.nio.file.NoSuchFileException e) {
        err.println("tenant-gateway dev-token: no development key at " + key.toAbsolutePath() + ": run it from the "
            + "repository root (where examples/dev-keys is), or give --key <repository>/examples/dev-keys/issuer.pem");
        err.flush();
        return 1;
      } catch (java.io.IOException | RuntimeException e) {
        err.println("tenant-gateway dev-token: cannot use " + key + " as a PKCS#8 PEM private key: " + e.getMessage());
        err.flush();
        return 1;
      }
      spec.commandLine().getOut().println(signer.mint(issuer, audience, subject, org, roles, permissions, ttl));
      spec.commandLine().getOut().flush();
      return 0;
    }
  }
}
