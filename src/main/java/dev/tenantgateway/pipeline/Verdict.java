package dev.tenantgateway.pipeline;

import dev.tenantgateway.policy.Denial;
import io.vertx.core.Future;

/**
 * A stage's answer: go on to the next stage, stop the request with a {@link Denial}, or wait for a future whose own
 * verdict is the stage's. Continuing allocates nothing: the common request never leaves the synchronous path.
 */
public final class Verdict {

  public static final Verdict CONTINUE = new Verdict(null, null);
  /**
   * The stage settled the request without the upstream (a CORS preflight): the later stages stand aside and the
   * outcome answers it, as it answers the introspection endpoint.
   */
  public static final Verdict ANSWERED = new Verdict(null, null);

  private final Denial denial;
  private final Future<Verdict> waiting;

  private Verdict(Denial denial, Future<Verdict> waiting) {
    this.denial = denial;
    this.waiting = waiting;
  }

  public static Verdict deny(Denial denial) {
    return new Verdict(denial, null);
  }

  /**
   * Wait for {@code verdict}; a failed future carrying a {@code Denial.DeniedException} denies, any other failure is
   * an internal error.
   */
  public static Verdict await(Future<Verdict> verdict) {
    return new Verdict(null, verdict);
  }

  Denial denial() {
    return denial;
  }

  Future<Verdict> waiting() {
    return waiting;
  }
}
