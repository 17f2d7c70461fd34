package dev.tenantgateway;

import dev.tenantgateway.compile.ConfigLoader;
import dev.tenantgateway.config.ConfigException;
import dev.tenantgateway.config.GatewayConfig.RedisConfig;
import dev.tenantgateway.config.GatewayConfig;
import dev.tenantgateway.state.RedisState;
import dev.tenantgateway.state.StateListener;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import picocli.CommandLine;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.Callable;
import java.util.function.Function;

/**
 * Writes the shared state the gateway reads, in the same Redis (found through routes.yaml, or {@code --redis}):
 * revocations and memberships. The key layout is described on {@link RedisState}.
 */
@Command(name = "admin", mixinStandardHelpOptions = true,
    description = "Revoke tokens and manage memberships in the Redis the gateways share.",
    subcommands = {AdminCommand.Revoke.class, AdminCommand.Membership.class})
final class AdminCommand implements Callable<Integer> {

  @CommandLine.Spec
  CommandLine.Model.CommandSpec spec;

  @Override
  public Integer call() {
    spec.commandLine().usage(spec.commandLine().getErr());
    return 2;
  }

  /** Where to find Redis: the state section of routes.yaml, or the same settings given as options. */
  static final class Target {
    @Option(names = {"-c", "--config"}, defaultValue = "routes.yaml", description = "routes.yaml whose state.redis to use; only its state section is read (default: ${DEFAULT-VALUE})")
    Path config;

    @Option(names = "--redis", description = "instead of routes.yaml: redis:// URLs, comma-separated (the server; the sentinels; some cluster nodes)")
    String redis;

    @Option(names = "--redis-type", defaultValue = "standalone", description = "with --redis: standalone, sentinel or cluster (default: ${DEFAULT-VALUE})")
    String redisType;

    @Option(names = "--master-name", description = "with --redis-type sentinel: the master's name")
    String masterName;

    @Option(names = "--key-prefix", defaultValue = "tg:", description = "with --redis: the gateways' state.redis.key_prefix (default: ${DEFAULT-VALUE})")
    String keyPrefix;

    @Option(names = "--wait-replicas", description = "with --redis: replicas that must hold a write before it counts (default: 0 standalone, else 1)")
    Integer waitReplicas;

    /** Runs an action against the store, printing errors; exit 0, 1 (failed or outcome unknown) or 2 (no Redis). */
    int run(CommandLine.Model.CommandSpec spec, Function<RedisState, Future<String>> action) {
      PrintWriter err = spec.commandLine().getErr();
      PrintWriter out = spec.commandLine().getOut();
      RedisConfig redisConfig;
      if (redis != null) {
        List<String> endpoints = java.util.Arrays.stream(redis.split(",")).map(String::trim).filter(e -> !e.isEmpty()).toList();
        if (endpoints.isEmpty() || !List.of("standalone", "sentinel", "cluster").contains(redisType)
            || (redisType.equals("sentinel") && masterName == null)) {
          err.println("tenant-gateway admin: --redis needs redis:// URLs, --redis-type standalone, sentinel or cluster, "
              + "and --master-name with sentinel");
          err.flush();
          return 2;
        }
        redisConfig = new RedisConfig(redisType, endpoints, masterName, null, Duration.ofSeconds(2), keyPrefix,
            waitReplicas != null ? waitReplicas : redisType.equals("standalone") ? 0 : 1);
      } else {
        GatewayConfig.State state;
        try {
          state = ConfigLoader.loadState(config);
        } catch (ConfigException e) {
          err.println(e.getMessage());
          err.flush();
          return 2;
        }
        if (state.redis() == null) {
          err.println("tenant-gateway admin: " + config + " keeps state in memory (no state.redis): use the admin "
              + "API of the running gateway (POST /state/revocations, PUT /state/memberships/{user}/{tenant})");
          err.flush();
          return 2;
        }
        RedisConfig r = state.redis();
        // a person waits here, not a request: allow more than the hot path's bound
        redisConfig = new RedisConfig(r.type(), r.endpoints(), r.masterName(), r.password(),
            r.timeout().compareTo(Duration.ofSeconds(2)) < 0 ? Duration.ofSeconds(2) : r.timeout(), r.keyPrefix(),
            r.waitReplicas());
      }
      Vertx vertx = Vertx.vertx();
      RedisState state = new RedisState(vertx, redisConfig, Duration.ofSeconds(1), StateListener.NONE);
      try {
        state.startWithoutSubscription().recover(e -> Future.succeededFuture()).await(10, TimeUnit.SECONDS);
        Throwable last = null;
        for (int attempt = 0; attempt < 3; attempt++) { // every write is idempotent: repeating it is safe
          try {
            out.println(action.apply(state).await(20, TimeUnit.SECONDS));
            out.flush();
            return 0;
          } catch (Throwable e) { // Redis error replies are Throwables, not Exceptions
            last = e;
            vertx.timer(500).await(5, TimeUnit.SECONDS);
          }
        }
        err.println("tenant-gateway admin: " + describe(last) + " (the outcome is unknown: the write may or may not "
            + "have taken effect; repeating the command is safe)");
        err.flush();
        return 1;
      } catch (Throwable e) {
        err.println("tenant-gateway admin: " + describe(e));
        err.flush();
        return 1;
      } finally {
        try {
          state.close().await(5, TimeUnit.SECONDS);
          vertx.close().await(5, TimeUnit.SECONDS);
        } catch (Throwable ignored) {
          // closing is best effort; the process ends anyway
        }
      }
    }

    private static String describe(Throwable e) {
      return e == null ? "failed" : e.getMessage() != null ? e.getMessage() : e.getClass().getSimpleName();
    }
  }

  @Command(name = "revoke", mixinStandardHelpOptions = true,
      description = "Revoke one token (--jti, kept until --exp), every token of a user, or every token for a tenant issued before a time (default: now).")
  static final class Revoke implements Callable<Integer> {
    @CommandLine.Mixin
    Target target = new Target();

    @ArgGroup(exclusive = true, multiplicity = "1")
    What what;

    static final class What {
      @Option(names = "--jti", description = "the token's jti")
      String jti;

      @Option(names = "--user", description = "the user (sub)")
      String user;

      @Option(names = "--tenant", description = "the tenant")
      String tenant;
    }

    @Option(names = "--exp", description = "with --jti: the token's exp, epoch seconds (default: in 24 hours)")
    Long exp;

    @Option(names = "--before", description = "with --user or --tenant: epoch seconds; tokens issued earlier are revoked (default: now)")
    Long before;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() {
      long now = System.currentTimeMillis() / 1000;
      long cutoff = before != null ? before : now + 1;
      return target.run(spec, state -> {
        if (what.jti != null) {
          long until = exp != null ? exp : now + 86_400;
          return state.revokeToken(what.jti, until).map("revoked token " + what.jti + " until " + until);
        }
        if (what.user != null) {
          return state.revokeUser(what.user, cutoff).map("revoked tokens of user " + what.user + " issued before " + cutoff);
        }
        return state.revokeTenant(what.tenant, cutoff).map("revoked tokens for tenant " + what.tenant + " issued before " + cutoff);
      });
    }
  }

  @Command(name = "membership", mixinStandardHelpOptions = true, description = "Memberships kept in the store.",
      subcommands = {Membership.Set.class, Membership.Remove.class, Membership.ListCommand.class})
  static final class Membership implements Callable<Integer> {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() {
      spec.commandLine().usage(spec.commandLine().getErr());
      return 2;
    }

    @Command(name = "set", mixinStandardHelpOptions = true, description = "Give a user these roles in a tenant.")
    static final class Set implements Callable<Integer> {
      @CommandLine.Mixin
      Target target = new Target();

      @Option(names = "--user", required = true)
      String user;

      @Option(names = "--tenant", required = true)
      String tenant;

      @Option(names = "--roles", required = true, split = ",", description = "comma-separated roles")
      List<String> roles;

      @CommandLine.Spec
      CommandLine.Model.CommandSpec spec;

      @Override
      public Integer call() {
        return target.run(spec, state -> state.set(user, tenant, roles)
            .map(user + " in " + tenant + ": " + String.join(",", roles)));
      }
    }

    @Command(name = "remove", mixinStandardHelpOptions = true, description = "Remove a user from a tenant.")
    static final class Remove implements Callable<Integer> {
      @CommandLine.Mixin
      Target target = new Target();

      @Option(names = "--user", required = true)
      String user;

      @Option(names = "--tenant", required = true)
      String tenant;

      @CommandLine.Spec
      CommandLine.Model.CommandSpec spec;

      @Override
      public Integer call() {
        return target.run(spec, state -> state.remove(user, tenant).map(user + " removed from " + tenant));
      }
    }

    @Command(name = "list", mixinStandardHelpOptions = true, description = "A user's tenants and roles.")
    static final class ListCommand implements Callable<Integer> {
      @CommandLine.Mixin
      Target target = new Target();

      @Option(names = "--user", required = true)
      String user;

      @CommandLine.Spec
      CommandLine.Model.CommandSpec spec;

      @Override
      public Integer call() {
        return target.run(spec, state -> state.memberships(user).map(found -> {
          StringBuilder b = new StringBuilder();
          for (Map.Entry<String, java.util.List<String>> e : new TreeMap<>(found).entrySet()) {
            b.append(e.getKey()).append(": ").append(String.join(",", e.getValue())).append('\n');
          }
          return b.length() == 0 ? user + " belongs to no tenant" : b.toString().stripTrailing();
        }));
      }
    }
  }
}
