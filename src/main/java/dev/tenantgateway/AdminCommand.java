package dev.tenantgateway;

import dev.tenantgateway.config.ConfigException;
import dev.tenantgateway.config.load.ConfigLoader;
import dev.tenantgateway.config.GatewayConfig;
import dev.tenantgateway.observe.Metrics;
import dev.tenantgateway.state.RedisState;
import dev.tenantgateway.state.StateBackend;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.redis.client.RedisOptions;
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

  /** Where to find Redis. */
  static final class Target {
    @Option(names = {"-c", "--config"}, defaultValue = "routes.yaml", description = "routes.yaml whose state.redis to use (default: ${DEFAULT-VALUE})")
    Path config;

    @Option(names = "--redis", description = "a redis:// URL, instead of the one in routes.yaml")
    String redis;

    @Option(names = "--key-prefix", defaultValue = "tg:", description = "with --redis: the gateways' state.redis.key_prefix (default: ${DEFAULT-VALUE})")
    String keyPrefix;

    /** Runs an action against the store, printing errors; exit 0, 1 (failed) or 2 (no Redis). */
    int run(CommandLine.Model.CommandSpec spec, Function<RedisState, Future<String>> action) {
      PrintWriter err = spec.commandLine().getErr();
      PrintWriter out = spec.commandLine().getOut();
      RedisOptions options;
      String prefix = keyPrefix;
      Duration timeout = Duration.ofSeconds(5);
      if (redis != null) {
        options = new RedisOptions().setConnectionString(redis);
      } else {
        GatewayConfig gatewayConfig;
        try {
          gatewayConfig = ConfigLoader.load(config);
        } catch (ConfigException e) {
          err.println(e.getMessage());
          err.flush();
          return 2;
        }
        if (gatewayConfig.state().redis() == null) {
          err.println("tenant-gateway admin: " + config + " keeps state in memory (no state.redis): use the admin "
              + "API of the running gateway (POST /state/revocations, PUT /state/memberships/{user}/{tenant})");
          err.flush();
          return 2;
        }
        options = StateBackend.redisOptions(gatewayConfig.state().redis());
        prefix = gatewayConfig.state().redis().keyPrefix();
      }
      Vertx vertx = Vertx.vertx();
      RedisState state = new RedisState(vertx, options, prefix, timeout, Duration.ofSeconds(1),
          new Metrics(Metrics.newRegistry(), dev.tenantgateway.config.GatewayConfig.TenantLabel.off()));
      try {
        out.println(action.apply(state).await());
        out.flush();
        return 0;
      } catch (Exception e) {
        err.println("tenant-gateway admin: " + e.getMessage());
        err.flush();
        return 1;
      } finally {
        state.close().await();
        vertx.close().await();
      }
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
