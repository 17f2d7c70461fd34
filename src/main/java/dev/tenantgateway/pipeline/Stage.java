package dev.tenantgateway.pipeline;

/**
 * One stage of the request pipeline: one verb, one small type. A step reads what earlier stages put into the
 * {@link RequestContext}, adds its own finding, and answers {@link Verdict#CONTINUE}, {@link Verdict#deny} or
 * {@link Verdict#await}. A stage may also throw a {@code Denial.DeniedException}; the runner treats it as a deny.
 */
public interface Stage {

  /** The stage as {@code explain} prints it: its place in the pipeline and its verb, such as {@code 3 authenticate}. */
  String name();

  Verdict step(RequestContext ctx);

  /** What the stage found, for {@code explain}; asked only by a recorder, after the stage continued. */
  String explain(RequestContext ctx);

  /**
   * Whether the stage concerns the caller, and so has nothing to do on a public route: the runner then skips it and
   * {@code explain} prints {@value Pipeline#SKIPPED_PUBLIC}. Asked once, when the pipeline is built.
   */
  default boolean callersOnly() {
    return false;
  }

  /** Whether the caller-introspection endpoint runs this stage (it stops after permissions). Asked once, when built. */
  default boolean forIntrospection() {
    return true;
  }
}
