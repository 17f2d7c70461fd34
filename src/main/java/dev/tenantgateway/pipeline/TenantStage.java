package dev.tenantgateway.pipeline;

import dev.tenantgateway.auth.VerifiedToken;
import dev.tenantgateway.tenant.Caller;
import dev.tenantgateway.tenant.ClaimMapping;
import dev.tenantgateway.tenant.Memberships;
import dev.tenantgateway.tenant.Tenancy;
import dev.tenantgateway.tenant.TenantResolver;
import io.vertx.core.Future;

import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;

/**
 * 4 tenant: the active tenant, chosen by {@code tenant/} from what the request asks for and what the token (or the
 * membership store) allows, or 403 {@code tenant_*}. The caller it resolves carries the permissions of stage 5.
 */
public final class TenantStage implements Stage {

  private final TenantResolver tenants;
  private final Tenancy tenancy;
  private final StateAccess state;

  public TenantStage(TenantResolver tenants, Tenancy tenancy, StateAccess state) {
    this.tenants = tenants;
    this.tenancy = tenancy;
    this.state = state;
  }

  @Override
  public String name() {
    return "4 tenant";
  }

  @Override
  public boolean callersOnly() {
    return true;
  }

  @Override
  public Verdict step(RequestContext ctx) {
    String fromPath = ctx.introspection ? queryParam(ctx.target.query(), "tenant")
        : ctx.match.param(tenancy.pathParam());
    String requested = tenancy.requested(fromPath, ctx.headers);
    ctx.requestedTenant = requested;
    boolean required = !ctx.introspection && ctx.match.route().tenantRequired();
    VerifiedToken token = ctx.token;
    ClaimMapping mapping = ClaimMapping.of(token);
    if (!mapping.usesStore() || !mapping.usesStore(token.claims())) {
      resolved(ctx, tenants.resolve(token, requested, required));
      return Verdict.CONTINUE;
    }
    String user = mapping.userOf(token.claims());
    Future<Map<String, Memberships.Membership>> stored = user != null
        ? state.guarded("memberships", state.policy.membershipsFailClosed(),
            state.backend.memberships().memberships(user), Map.<String, List<String>>of()).map(Memberships.Store::of)
        : Future.succeededFuture(Map.of());
    return Verdict.await(stored.map(memberships -> {
      resolved(ctx, tenants.resolve(token, requested, required, memberships));
      return Verdict.CONTINUE;
    }));
  }

  private static void resolved(RequestContext ctx, Caller caller) {
    ctx.caller = caller;
    ctx.tenant = caller.tenant();
    ctx.user = caller.user();
  }

  private static String queryParam(String query, String name) {
    if (query == null) {
      return null;
    }
    for (String pair : query.split("&")) {
      if (pair.startsWith(name + "=")) {
        return URLDecoder.decode(pair.substring(name.length() + 1), StandardCharsets.UTF_8);
      }
    }
    return null;
  }

  @Override
  public String explain(RequestContext ctx) {
    Caller caller = ctx.caller;
    if (caller.tenant() == null) {
      return "none (the " + (ctx.introspection ? "endpoint" : "route") + " does not need one)";
    }
    return caller.tenant() + (ctx.requestedTenant != null ? " (chosen by the request, checked against the token)"
        : " (named by the token)") + "; member of " + caller.tenants();
  }
}
