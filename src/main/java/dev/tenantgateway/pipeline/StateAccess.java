package dev.tenantgateway.pipeline;

import dev.tenantgateway.log.AggregatedLog;
import dev.tenantgateway.config.GatewayConfig;
import dev.tenantgateway.policy.Denial;
import dev.tenantgateway.policy.DenialCode;
import dev.tenantgateway.state.StateBackend;
import io.vertx.core.Future;

import java.lang.System.Logger.Level;
import java.util.function.BiConsumer;

/**
 * The shared state as the stages see it: the backend (per process) with the failure policies of the running
 * configuration (per snapshot, so a reload applies them). A lookup that fails (Redis down or slow) refuses the
 * request with 503 {@code state_unavailable} when its feature fails closed, and goes on when it fails open.
 */
public final class StateAccess {

  private static final System.Logger LOG = System.getLogger(StateAccess.class.getName());
  private static final Denial UNAVAILABLE = Denial.of(DenialCode.STATE_UNAVAILABLE,
      "The gateway cannot check this request right now; retry shortly.");

  final StateBackend backend;
  final GatewayConfig.State policy;
  private final BiConsumer<String, String> unavailable;

  /** @param unavailable told (feature, "closed" or "open") about each failed lookup */
  public StateAccess(StateBackend backend, GatewayConfig.State policy, BiConsumer<String, String> unavailable) {
    this.backend = backend;
    this.policy = policy;
    this.unavailable = unavailable;
  }

  <T> Future<T> guarded(String feature, boolean failClosed, Future<T> lookup, T whenOpen) {
    return lookup.recover(failure -> {
      unavailable.accept(feature, failClosed ? "closed" : "open");
      if (failClosed) {
        AggregatedLog.warning(LOG, "state (" + feature + ") unavailable, refusing requests", String.valueOf(failure.getMessage()));
        return Future.failedFuture(UNAVAILABLE.asException());
      }
      return Future.succeededFuture(whenOpen);
    });
  }
}
