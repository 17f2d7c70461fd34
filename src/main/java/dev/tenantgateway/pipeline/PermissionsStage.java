package dev.tenantgateway.pipeline;

import dev.tenantgateway.tenant.Caller;

/**
 * 5 permissions: the caller's roles in the active tenant, expanded through the role template (and the application
 * roles), as stage 4 resolved them. Nothing to wait for and nothing to refuse: this is where the caller-introspection
 * endpoint stops and answers.
 */
public final class PermissionsStage implements Stage {

  @Override
  public String name() {
    return "5 permissions";
  }

  @Override
  public boolean callersOnly() {
    return true;
  }

  @Override
  public Verdict step(RequestContext ctx) {
    return Verdict.CONTINUE;
  }

  @Override
  public String explain(RequestContext ctx) {
    Caller caller = ctx.caller;
    return "roles " + caller.roles() + (caller.appRoles().isEmpty() ? "" : ", application roles " + caller.appRoles())
        + " -> " + caller.permissions().sortedGrants();
  }
}
