package dev.tenantgateway.pipeline;

import dev.tenantgateway.auth.VerifiedToken;
import dev.tenantgateway.policy.Denial;
import dev.tenantgateway.policy.DenialCode;
import dev.tenantgateway.routing.Route;
import dev.tenantgateway.state.MemoryState;
import dev.tenantgateway.routing.RateLimitRule;
import dev.tenantgateway.state.RateLimiter;
import io.vertx.core.Future;

import java.util.List;

/**
 * 6 state: 401 {@code token_revoked} for a revoked token, user or tenant, then the route's rate limit (429
 * {@code rate_limited} with {@code Retry-After}). In memory without a rate limit it answers at once; Redis, or a
 * rate limit, waits. {@code explain} checks revocations but does not spend a request of the rate limit.
 */
public final class StateStage implements Stage {

  private static final Denial REVOKED = Denial.of(DenialCode.TOKEN_REVOKED, "This token has been revoked.");
  private static final Verdict REVOKED_VERDICT = Verdict.deny(REVOKED);

  private final StateAccess state;

  public StateStage(StateAccess state) {
    this.state = state;
  }

  @Override
  public String name() {
    return "6 state";
  }

  @Override
  public boolean forIntrospection() {
    return false;
  }

  @Override
  public boolean callersOnly() {
    return true;
  }

  @Override
  public Verdict step(RequestContext ctx) {
    Route route = ctx.match.route();
    VerifiedToken token = ctx.token;
    MemoryState memory = state.backend.memory();
    RateLimitRule rule = ctx.recorder == null ? route.rateLimit() : null;
    if (memory != null && rule == null) {
      return memory.isRevokedNow(token, ctx.caller.user(), ctx.caller.tenant()) ? REVOKED_VERDICT : Verdict.CONTINUE;
    }
    Future<Verdict> checked = revocation(ctx);
    return Verdict.await(rule == null ? checked
        : checked.compose(v -> v == Verdict.CONTINUE ? rateLimit(ctx, route, rule) : Future.succeededFuture(v)));
  }

  private Future<Verdict> revocation(RequestContext ctx) {
    Object jti = ctx.token.claims().getValue("jti");
    Object iat = ctx.token.claims().getValue("iat");
    Future<Boolean> revoked = state.backend.revocations().isRevoked(jti instanceof String s ? s : null,
        ctx.caller.user(), ctx.caller.tenant(), iat instanceof Number n ? n.longValue() : 0);
    return state.guarded("revocation", state.policy.revocationFailClosed(), revoked, false)
        .map(isRevoked -> isRevoked ? REVOKED_VERDICT : Verdict.CONTINUE);
  }

  private Future<Verdict> rateLimit(RequestContext ctx, Route route, RateLimitRule rule) {
    Future<RateLimiter.Outcome> outcome = state.backend.rateLimiter().acquire(
        rule.key(route.id(), ctx.caller.tenant(), ctx.caller.user()), rule.requests(), rule.per().toMillis());
    return state.guarded("rate_limits", state.policy.rateLimitsFailClosed(), outcome, null).map(result -> {
      if (result == null) {
        return Verdict.CONTINUE; // failed open
      }
      if (ctx.request != null) {
        ctx.request.response()
            .putHeader("RateLimit-Limit", Long.toString(result.limit()))
            .putHeader("RateLimit-Remaining", Long.toString(result.remaining()))
            .putHeader("RateLimit-Reset", Long.toString(result.resetSeconds()));
      }
      if (!result.allowed()) {
        return Verdict.deny(new Denial(DenialCode.RATE_LIMITED,
            "This route's rate limit for the tenant is exhausted; retry after the reset.", List.of(),
            result.resetSeconds()));
      }
      return Verdict.CONTINUE;
    });
  }

  @Override
  public String explain(RequestContext ctx) {
    RateLimitRule rule = ctx.match.route().rateLimit();
    return "not revoked (" + (state.backend.isRedis() ? "Redis" : "in memory") + ")" + (rule == null
        ? "; no rate limit" : "; rate limit " + rule.requests() + " per " + rule.per().toSeconds() + "s by " + rule.by()
        + " (explain does not spend one)");
  }
}
