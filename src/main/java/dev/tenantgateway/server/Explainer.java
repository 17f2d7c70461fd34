package dev.tenantgateway.server;

import dev.tenantgateway.auth.VerifiedToken;
import dev.tenantgateway.policy.Denial;
import dev.tenantgateway.routing.PathNormalizer;
import dev.tenantgateway.routing.Route;
import dev.tenantgateway.routing.RouteMatch;
import dev.tenantgateway.tenant.Caller;
import dev.tenantgateway.tenant.TenantResolver;
import io.vertx.core.Future;
import io.vertx.core.MultiMap;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpVersion;

import java.util.ArrayList;
import java.util.List;

/**
 * Runs one imaginary request through the same pipeline stages the gateway uses, recording each stage's outcome:
 * the answer to "why was I denied?" without sending anything anywhere.
 */
public final class Explainer {

  /** One stage and what it concluded. */
  public record Step(String stage, String outcome) {
  }

  /** The stages walked, and the final decision: allowed, or the denial. */
  public record Explanation(List<Step> steps, Denial denial) {
    public boolean allowed() {
      return denial == null;
    }
  }

  private Explainer() {
  }

  public static Future<Explanation> explain(GatewaySnapshot snapshot, HttpMethod method, String uri, MultiMap headers,
                                            String token) {
    List<Step> steps = new ArrayList<>();
    PathNormalizer.Result target;
    RouteMatch match;
    try {
      target = snapshot.guard().check(uri, HttpVersion.HTTP_1_1, headers);
      steps.add(new Step("1 normalize", target.target().equals(uri) ? target.path() + " (already canonical)"
          : uri + " -> " + target.target()));
      match = snapshot.routes().match(method, target.path());
      if (match == null) {
        Denial unmatched = GatewayHandler.unmatched(method, snapshot, target.path());
        return done(steps, "2 match", unmatched.status() == 405 ? new Denial(405, unmatched.code(), unmatched.title(),
            unmatched.detail() + " Allow: " + GatewayHandler.allowed(snapshot, target.path()), List.of(), 0) : unmatched);
      }
    } catch (Denial.DeniedException denied) {
      return done(steps, "1 normalize", denied.denial());
    }
    Route route = match.route();
    steps.add(new Step("2 match", "route '" + route.id() + "' (line " + route.line() + "): " + route.methods() + " "
        + route.path() + " -> upstream " + route.upstream()));
    if (!route.websocket() && GatewayHandler.asksForWebSocket(headers.getAll(io.vertx.core.http.HttpHeaders.UPGRADE))) {
      return done(steps, "2 match", Denial.websocketNotAllowed());
    }
    if (route.isPublic()) {
      steps.add(new Step("3 authenticate", "skipped: the route is public"));
      steps.add(new Step("8 forward", method + " " + route.forwardPath(target.path()) + " to " + route.upstream()
          + ", reserved headers stripped, none set"));
      return Future.succeededFuture(new Explanation(steps, null));
    }
    if (token == null || token.isBlank()) {
      return done(steps, "3 authenticate", Denial.tokenMissing());
    }
    return snapshot.verifier().verify(token.trim()).transform(result -> {
      if (result.failed()) {
        Denial denial = result.cause() instanceof Denial.DeniedException d ? d.denial()
            : Denial.tokenInvalid("The token could not be verified.");
        return done(steps, "3 authenticate", denial);
      }
      VerifiedToken verified = result.result();
      long left = verified.expiresAt() - System.currentTimeMillis() / 1000;
      steps.add(new Step("3 authenticate", "issuer '" + verified.issuer().id() + "' (" + verified.issuer().issuer()
          + "), signature ok with " + verified.key() + ", expires in " + left + "s"));
      try {
        String requested = GatewayHandler.requestedTenant(headers, match, snapshot.tenancy());
        Caller caller = snapshot.tenants().resolve(verified, requested, route.tenantRequired());
        steps.add(new Step("4 tenant", caller.tenant() == null ? "none (the route does not need one)"
            : caller.tenant() + (requested != null ? " (chosen by the request, checked against the token)" : " (named by the token)")
            + "; member of " + caller.tenants()));
        steps.add(new Step("5 permissions", "roles " + caller.roles() + (caller.appRoles().isEmpty() ? ""
            : ", application roles " + caller.appRoles()) + " -> " + caller.permissions().sortedGrants()));
        boolean satisfied = route.require().isSatisfiedBy(caller.permissions());
        if (!satisfied && !GatewayHandler.holdsAny(caller.appRoles(), route.appRoles())) {
          return done(steps, "7 authorize", Denial.permissionDenied(route.require().permissionNames()));
        }
        steps.add(new Step("7 authorize", "require " + route.require() + (satisfied ? " is satisfied"
            : " is waived for application role(s) " + route.appRoles())));
        if (route.resource() != null) {
          TenantResolver.checkResource(route.resource(), match.param(route.resource().param()), caller, verified);
          steps.add(new Step("7 resource", route.resource().param() + " '" + match.param(route.resource().param())
              + "' is allowed in " + caller.tenant()));
        }
        steps.add(new Step("8 forward", method + " " + route.forwardPath(target.path())
            + (target.query() == null ? "" : "?" + target.query()) + " to " + route.upstream() + " with X-Tenant-Id: "
            + caller.tenant() + ", X-User-Id: " + caller.user() + ", roles " + String.join(",", caller.roles())
            + ", permissions " + String.join(",", caller.permissions().sortedGrants())));
        return Future.succeededFuture(new Explanation(steps, null));
      } catch (Denial.DeniedException denied) {
        return done(steps, denied.denial().code().equals("resource_forbidden") ? "7 resource" : "4 tenant", denied.denial());
      }
    });
  }

  private static Future<Explanation> done(List<Step> steps, String stage, Denial denial) {
    steps.add(new Step(stage, "DENIED " + denial.status() + " " + denial.code() + ": " + denial.detail()
        + (denial.required().isEmpty() ? "" : " (requires " + denial.required() + ")")));
    return Future.succeededFuture(new Explanation(steps, denial));
  }
}
