package dev.tenantgateway.pipeline;

import dev.tenantgateway.routing.PathNormalizer;
import io.vertx.core.MultiMap;
import io.vertx.core.http.HttpVersion;

/** 1 normalize: the raw target becomes one canonical path, or 400 (the ingress rules decide, not this stage). */
public final class NormalizeStage implements Stage {

  /** The ingress check: the canonical target, or a {@code Denial.DeniedException}. */
  @FunctionalInterface
  public interface Ingress {
    PathNormalizer.Result check(String uri, HttpVersion version, MultiMap headers);
  }

  private final Ingress ingress;

  public NormalizeStage(Ingress ingress) {
    this.ingress = ingress;
  }

  @Override
  public String name() {
    return "1 normalize";
  }

  @Override
  public Verdict step(RequestContext ctx) {
    PathNormalizer.Result target = ingress.check(ctx.uri, ctx.version, ctx.headers);
    ctx.target = target;
    ctx.path = target.path();
    return Verdict.CONTINUE;
  }

  @Override
  public String explain(RequestContext ctx) {
    return ctx.target.target().equals(ctx.uri) ? ctx.target.path() + " (already canonical)"
        : ctx.uri + " -> " + ctx.target.target();
  }
}
