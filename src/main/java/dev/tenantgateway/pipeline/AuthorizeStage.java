package dev.tenantgateway.pipeline;

import dev.tenantgateway.policy.Denial;
import dev.tenantgateway.routing.Route;
import dev.tenantgateway.tenant.Caller;
import dev.tenantgateway.tenant.ResourceClaim;
import dev.tenantgateway.tenant.TenantResolver;

import java.util.List;

/**
 * 7 authorize: the route's {@code require} satisfied by the caller's permissions in the active tenant (or waived for
 * one of the route's application roles), and the route's resource constraint, or 403.
 */
public final class AuthorizeStage implements Stage {

  @Override
  public String name() {
    return "7 authorize";
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
    Caller caller = ctx.caller;
    if (!route.require().isSatisfiedBy(caller.permissions()) && !holdsAny(caller.appRoles(), route.appRoles())) {
      return Verdict.deny(Denial.permissionDenied(route.require().permissionNames()));
    }
    if (route.resource() != null) {
      // the compiler makes every route's rule a ResourceClaim: a route only names the parameter, the tenant checks it
      TenantResolver.checkResource((ResourceClaim) route.resource(), ctx.match.param(route.resource().param()), caller,
          ctx.token);
    }
    return Verdict.CONTINUE;
  }

  static boolean holdsAny(List<String> held, List<String> accepted) {
    for (String role : accepted) {
      if (held.contains(role)) {
        return true;
      }
    }
    return false;
  }

  @Override
  public String explain(RequestContext ctx) {
    Route route = ctx.match.route();
    boolean satisfied = route.require().isSatisfiedBy(ctx.caller.permissions());
    String text = "require " + route.require() + (satisfied ? " is satisfied"
        : " is waived for application role(s) " + route.appRoles());
    if (route.resource() != null) {
      text += "; " + route.resource().param() + " '" + ctx.match.param(route.resource().param()) + "' is allowed in "
          + ctx.caller.tenant();
    }
    return text;
  }
}
