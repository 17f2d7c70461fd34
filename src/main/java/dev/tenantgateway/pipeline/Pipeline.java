package dev.tenantgateway.pipeline;

import dev.tenantgateway.policy.Denial;
import io.vertx.core.AsyncResult;

import java.util.List;

/**
 * Runs the stages in order, the same code for the proxy, the caller-introspection endpoint and {@code explain}. While
 * every stage answers at once the run stays on the caller's stack and allocates nothing; the first stage that waits
 * pauses the request and the run resumes with the next stage when the wait is over.
 */
public final class Pipeline {

  /** Where a run ends: every stage continued, a stage denied, or something broke inside the gateway. */
  public interface Outcome {
    void passed(RequestContext ctx);

    void denied(RequestContext ctx, Denial denial);

    void failed(RequestContext ctx, Throwable failure);
  }

  /** What {@code explain} prints for a stage that concerns the caller, on a public route. */
  public static final String SKIPPED_PUBLIC = "skipped: the route is public";

  private final Stage[] stages;
  // the stages' constant answers, read once: the loop below asks an array, not each stage again per request
  private final boolean[] callersOnly;
  private final boolean[] forIntrospection;

  public Pipeline(List<Stage> stages) {
    this.stages = stages.toArray(new Stage[0]);
    this.callersOnly = new boolean[this.stages.length];
    this.forIntrospection = new boolean[this.stages.length];
    for (int i = 0; i < this.stages.length; i++) {
      callersOnly[i] = this.stages[i].callersOnly();
      forIntrospection[i] = this.stages[i].forIntrospection();
    }
  }

  public List<Stage> stages() {
    return List.of(stages);
  }

  public void run(RequestContext ctx, Outcome outcome) {
    run(ctx, 0, outcome);
  }

  private void run(RequestContext ctx, int from, Outcome outcome) {
    Stage[] stages = this.stages;
    for (int i = from; i < stages.length; i++) {
      Stage stage = stages[i];
      if (ctx.introspection && !forIntrospection[i]) {
        continue;
      }
      if (callersOnly[i] && ctx.isPublic()) {
        if (ctx.recorder != null) {
          ctx.recorder.continued(stage, SKIPPED_PUBLIC);
        }
        continue;
      }
      Verdict verdict;
      try {
        verdict = stage.step(ctx);
      } catch (Denial.DeniedException denied) {
        deny(stage, ctx, denied.denial(), outcome);
        return;
      } catch (RuntimeException e) {
        outcome.failed(ctx, e);
        return;
      }
      if (verdict == Verdict.CONTINUE || verdict == Verdict.ANSWERED) {
        if (ctx.recorder != null) {
          ctx.recorder.continued(stage, stage.explain(ctx));
        }
        if (verdict == Verdict.ANSWERED) {
          break;
        }
        continue;
      }
      if (verdict.denial() != null) {
        deny(stage, ctx, verdict.denial(), outcome);
        return;
      }
      ctx.pause();
      int next = i + 1;
      verdict.waiting().onComplete(result -> resume(stage, next, ctx, outcome, result));
      return;
    }
    try {
      outcome.passed(ctx);
    } catch (Denial.DeniedException denied) {
      outcome.denied(ctx, denied.denial());
    } catch (RuntimeException e) {
      outcome.failed(ctx, e);
    }
  }

  private void resume(Stage stage, int next, RequestContext ctx, Outcome outcome, AsyncResult<Verdict> result) {
    if (result.failed()) {
      if (result.cause() instanceof Denial.DeniedException denied) {
        deny(stage, ctx, denied.denial(), outcome);
      } else {
        outcome.failed(ctx, result.cause());
      }
      return;
    }
    Verdict verdict = result.result();
    if (verdict.denial() != null) {
      deny(stage, ctx, verdict.denial(), outcome);
      return;
    }
    if (verdict.waiting() != null) {
      verdict.waiting().onComplete(again -> resume(stage, next, ctx, outcome, again));
      return;
    }
    if (ctx.recorder != null) {
      try {
        ctx.recorder.continued(stage, stage.explain(ctx));
      } catch (RuntimeException e) {
        outcome.failed(ctx, e);
        return;
      }
    }
    run(ctx, verdict == Verdict.ANSWERED ? stages.length : next, outcome);
  }

  private static void deny(Stage stage, RequestContext ctx, Denial denial, Outcome outcome) {
    if (ctx.recorder != null) {
      ctx.recorder.denied(stage, denial);
    }
    outcome.denied(ctx, denial);
  }
}
