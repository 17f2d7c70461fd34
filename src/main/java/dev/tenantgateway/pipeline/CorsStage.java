package dev.tenantgateway.pipeline;

import dev.tenantgateway.cors.CorsPolicy;
import dev.tenantgateway.cors.CorsRules;
import dev.tenantgateway.policy.Denial;
import dev.tenantgateway.policy.DenialCode;

/**
 * 2b cors: a CORS preflight is decided here, before authentication (a browser never sends credentials with one):
 * answered by the outcome when the matched route's policy allows the origin, the method and the request headers, or
 * refused with 403 {@code cors_refused}. Either way it never reaches the upstream. Other requests pass untouched;
 * their CORS response headers are written when the response is (see {@link CorsPolicy#writeActual}). In the pipeline
 * only where routes.yaml configures CORS.
 */
public final class CorsStage implements Stage {

  private final CorsRules rules;

  public CorsStage(CorsRules rules) {
    this.rules = rules;
  }

  @Override
  public String name() {
    return "2b cors";
  }

  @Override
  public Verdict step(RequestContext ctx) {
    if (!ctx.preflight) {
      return Verdict.CONTINUE;
    }
    CorsPolicy policy = rules.policyFor(ctx.routeId());
    if (policy == null) {
      return Verdict.deny(Denial.of(DenialCode.CORS_REFUSED, "This route does not accept cross-origin requests."));
    }
    Denial refused = policy.checkPreflight(ctx.headers.get(CorsPolicy.ORIGIN),
        ctx.headers.get(CorsPolicy.REQUEST_METHOD), ctx.headers.get(CorsPolicy.REQUEST_HEADERS));
    if (refused != null) {
      return Verdict.deny(refused);
    }
    ctx.decision = "cors_preflight";
    return Verdict.ANSWERED;
  }

  @Override
  public String explain(RequestContext ctx) {
    CorsPolicy policy = rules.policyFor(ctx.routeId());
    String origin = ctx.headers.get(CorsPolicy.ORIGIN);
    if (ctx.preflight) {
      return "preflight from " + origin + " allowed by " + policy + "; answered here, never forwarded";
    }
    if (origin == null) {
      return "no Origin header: not a cross-origin request";
    }
    if (policy == null) {
      return "Origin " + origin + ": no cross-origin policy here, no CORS headers";
    }
    if (!policy.allowsOrigin(origin)) {
      return "Origin " + origin + " is not allowed: the response carries no Access-Control-Allow-Origin";
    }
    return "Origin " + origin + " is allowed by " + policy + (policy.tenantOrigin()
        ? " (checked against the tenant at 4b)" : "") + ": the response carries Access-Control-Allow-Origin";
  }
}
