package dev.tenantgateway.config;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.function.Function;

/**
 * What a reload does with each section of routes.yaml. Routes, issuers, roles, application roles, upstreams, headers,
 * tenancy, the listener's realm, the per-request security limits and the state failure policies are compiled into the
 * new snapshot and apply at once. Settings bound to a socket, a connection pool or a process-wide service keep their
 * running value until a restart; a reload names each one that changed, so no change is ignored silently.
 */
public final class ReloadPolicy {

  private ReloadPolicy() {
  }

  /** The settings that changed between {@code running} and {@code fresh} but only take effect on a restart. */
  public static List<String> needsRestart(GatewayConfig running, GatewayConfig fresh) {
    List<String> changed = new ArrayList<>();
    check(changed, running, fresh, "listener.host", c -> c.listener().host());
    check(changed, running, fresh, "listener.port", c -> c.listener().port());
    check(changed, running, fresh, "listener.tls", c -> c.listener().tls());
    check(changed, running, fresh, "listener.http2", c -> c.listener().http2());
    check(changed, running, fresh, "admin.enabled", c -> c.admin().enabled());
    check(changed, running, fresh, "admin.host", c -> c.admin().host());
    check(changed, running, fresh, "admin.port", c -> c.admin().port());
    check(changed, running, fresh, "admin.drain_delay", c -> c.admin().drainDelay());
    check(changed, running, fresh, "admin.shutdown_grace", c -> c.admin().shutdownGrace());
    check(changed, running, fresh, "admin.reload_interval", c -> c.admin().reloadInterval());
    check(changed, running, fresh, "admin.access_log", c -> c.admin().accessLog());
    check(changed, running, fresh, "admin.tenant_label", c -> c.admin().tenantLabel());
    check(changed, running, fresh, "admin.api_token", c -> c.admin().apiToken());
    check(changed, running, fresh, "security.max_header_bytes", c -> c.security().maxHeaderBytes());
    check(changed, running, fresh, "security.idle_timeout", c -> c.security().idleTimeout());
    check(changed, running, fresh, "security.header_timeout", c -> c.security().headerTimeout());
    check(changed, running, fresh, "security.max_connections", c -> c.security().maxConnections());
    check(changed, running, fresh, "state.redis", c -> c.state().redis());
    check(changed, running, fresh, "state.memberships.cache_ttl", c -> c.state().membershipCacheTtl());
    return changed;
  }

  private static void check(List<String> changed, GatewayConfig running, GatewayConfig fresh, String setting,
                            Function<GatewayConfig, Object> value) {
    if (!Objects.equals(value.apply(running), value.apply(fresh))) {
      changed.add(setting);
    }
  }
}
