package dev.tenantgateway.server;

import dev.tenantgateway.pipeline.Pipeline;
import dev.tenantgateway.pipeline.Recorder;
import dev.tenantgateway.pipeline.RequestContext;
import dev.tenantgateway.pipeline.Stage;
import dev.tenantgateway.policy.Denial;
import dev.tenantgateway.routing.Route;
import dev.tenantgateway.tenant.Caller;
import io.vertx.core.Future;
import io.vertx.core.MultiMap;
import io.vertx.core.Promise;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpMethod;

import java.util.ArrayList;
import java.util.List;

/**
 * Runs one imaginary request through the snapshot's own pipeline, with a recorder that notes each stage's finding:
 * the answer to "why was I denied?" from the code that enforces, without sending anything anywhere. Revocations are
 * checked; a rate limit is shown but not spent.
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

  /** @param token the bearer token without its scheme, or null to send none */
  public static Future<Explanation> explain(GatewaySnapshot snapshot, HttpMethod method, String uri, MultiMap headers,
                                            String token) {
    MultiMap request = MultiMap.caseInsensitiveMultiMap().addAll(headers);
    if (token != null && !token.isBlank()) {
      request.set(HttpHeaders.AUTHORIZATION, "Bearer " + token.trim());
    }
    List<Step> steps = new ArrayList<>();
    Promise<Explanation> done = Promise.promise();
    Recorder recorder = new Recorder() {
      @Override
      public void continued(Stage stage, String finding) {
        steps.add(new Step(stage.name(), finding));
      }

      @Override
      public void denied(Stage stage, Denial denial) {
        steps.add(new Step(stage.name(), "DENIED " + denial.status() + " " + denial.code() + ": " + denial.detail()
            + (denial.required().isEmpty() ? "" : " (requires " + denial.required() + ")")));
      }
    };
    RequestContext ctx = new RequestContext("explain", method, uri, request, recorder);
    snapshot.pipeline().run(ctx, new Pipeline.Outcome() {
      @Override
      public void passed(RequestContext ctx) {
        if (ctx.preflight) {
          steps.add(new Step("8 answer", "204 to the preflight with the route's Access-Control-Allow-* headers"));
        } else {
          steps.add(new Step(ctx.introspection ? "8 answer" : "8 forward", ctx.introspection
              ? "the caller as JSON (user, tenant, tenants, roles, permissions, app_roles)" : forward(snapshot, ctx)));
        }
        done.complete(new Explanation(steps, null));
      }

      @Override
      public void denied(RequestContext ctx, Denial denial) {
        done.complete(new Explanation(steps, denial));
      }

      @Override
      public void failed(RequestContext ctx, Throwable failure) {
        done.fail(failure);
      }
    });
    return done.future();
  }

  private static String forward(GatewaySnapshot snapshot, RequestContext ctx) {
    Route route = ctx.route();
    String target = route.forwardPath(ctx.target.path()) + (ctx.target.query() == null ? "" : "?" + ctx.target.query());
    if (route.isPublic()) {
      return ctx.httpMethod + " " + target + " to " + route.upstream() + ", reserved headers stripped, none set";
    }
    Caller caller = ctx.caller;
    var names = snapshot.config().headers();
    StringBuilder b = new StringBuilder(ctx.httpMethod + " " + target + " to " + route.upstream() + " with ");
    if (caller.tenant() != null) {
      b.append(names.tenant()).append(": ").append(caller.tenant()).append(", ");
    }
    b.append(names.user()).append(": ").append(caller.user())
        .append(", ").append(names.roles()).append(": ").append(caller.rolesHeader())
        .append(", ").append(names.permissions()).append(": ").append(caller.permissionsHeader());
    if (!caller.appRoles().isEmpty()) {
      b.append(", ").append(names.appRoles()).append(": ").append(caller.appRolesHeader());
    }
    return b.toString();
  }
}
