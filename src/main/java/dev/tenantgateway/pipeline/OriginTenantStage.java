package dev.tenantgateway.pipeline;

import dev.tenantgateway.cors.CorsPolicy;
import dev.tenantgateway.cors.CorsRules;
import dev.tenantgateway.policy.Denial;

/**
 * 4b origin: where a policy has {@code tenant_origin: true}, a page whose Origin matched a {@code {tenant}} pattern
 * may only act in that tenant: another active tenant is refused with 403 {@code cors_tenant_mismatch} before
 * anything is forwarded (the browser could not read the answer, but a write would already have happened). In the
 * pipeline only where some policy binds origins to tenants.
 */
public final class OriginTenantStage implements Stage {

  private final CorsRules rules;

  public OriginTenantStage(CorsRules rules) {
    this.rules = rules;
  }

  @Override
  public String name() {
    return "4b origin";
  }

  @Override
  public Verdict step(RequestContext ctx) {
    if (ctx.caller == null) {
      return Verdict.CONTINUE; // public route: no tenant to bind to
    }
    String origin = ctx.headers.get(CorsPolicy.ORIGIN);
    if (origin == null) {
      return Verdict.CONTINUE;
    }
    CorsPolicy policy = rules.policyFor(ctx.routeId());
    Denial mismatch = policy == null ? null : policy.checkTenant(origin, ctx.caller.tenant());
    return mismatch == null ? Verdict.CONTINUE : Verdict.deny(mismatch);
  }

  @Override
  public String explain(RequestContext ctx) {
    String origin = ctx.headers.get(CorsPolicy.ORIGIN);
    if (ctx.caller == null || origin == null) {
      return "skipped: " + (origin == null ? "no Origin header" : "no caller");
    }
    CorsPolicy policy = rules.policyFor(ctx.routeId());
    if (policy == null || !policy.tenantOrigin()) {
      return "the policy here does not bind origins to tenants";
    }
    return "Origin " + origin + " fits the active tenant " + ctx.caller.tenant();
  }
}
