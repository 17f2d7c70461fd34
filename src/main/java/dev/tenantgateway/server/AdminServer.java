package dev.tenantgateway.server;

import dev.tenantgateway.observe.Metrics;
import dev.tenantgateway.policy.Denial;
import dev.tenantgateway.policy.DenialCode;
import dev.tenantgateway.policy.ProblemResponder;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import io.vertx.core.json.JsonObject;
import dev.tenantgateway.state.StateBackend;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.handler.BodyHandler;

import java.lang.System.Logger.Level;
import java.util.List;

import java.util.function.Supplier;

/**
 * The operator's listener, apart from client traffic: {@code /metrics} (Prometheus text), {@code /healthz} (the
 * process is alive) and {@code /readyz} (every issuer has keys and the gateway is not shutting down).
 */
final class AdminServer {

  private static final System.Logger LOG = System.getLogger(AdminServer.class.getName());
  private static final ProblemResponder PROBLEMS = new ProblemResponder("admin");

  private final Vertx vertx;
  private final Metrics metrics;
  private final Supplier<Future<String>> notReadyReason;
  private final StateBackend state;
  private final String apiToken;
  private HttpServer server;

  /**
   * @param notReadyReason completes with null when ready, otherwise why not
   * @param apiToken the bearer token the state API requires; null disables the state API
   */
  AdminServer(Vertx vertx, Metrics metrics, Supplier<Future<String>> notReadyReason, StateBackend state,
              String apiToken) {
    this.vertx = vertx;
    this.metrics = metrics;
    this.notReadyReason = notReadyReason;
    this.state = state;
    this.apiToken = apiToken;
  }

  Future<Void> listen(String host, int port) {
    Router router = Router.router(vertx);
    router.get("/metrics").handler(ctx -> ctx.response()
        .putHeader("Content-Type", "text/plain; version=0.0.4; charset=utf-8")
        .end(metrics.scrape()));
    router.get("/healthz").handler(ctx -> ctx.json(new JsonObject().put("status", "ok")));
    router.get("/readyz").handler(ctx -> notReadyReason.get().onComplete(result -> {
      String reason = result.succeeded() ? result.result() : "readiness check failed";
      ctx.response().setStatusCode(reason == null ? 200 : 503);
      ctx.json(new JsonObject().put("ready", reason == null).put("reason", reason));
    }));
    if (apiToken != null) {
      stateApi(router);
    }
    return vertx.createHttpServer().requestHandler(router).listen(port, host).map(s -> {
      server = s;
      return null;
    });
  }

  /**
   * The state API, for the in-memory default (and usable with Redis too): revocations and memberships. Every call
   * needs {@code Authorization: Bearer <admin.api_token>}.
   */
  private void stateApi(Router router) {
    router.route("/state/*").handler(BodyHandler.create().setBodyLimit(64 * 1024));
    router.route("/state/*").handler(ctx -> {
      String header = ctx.request().getHeader("Authorization");
      if (header == null || !java.security.MessageDigest.isEqual(("Bearer " + apiToken).getBytes(),
          header.getBytes())) {
        PROBLEMS.send(ctx.response(), Denial.of(DenialCode.ADMIN_UNAUTHORIZED,
            "The state API needs Authorization: Bearer <admin.api_token>."), RequestIds.next());
        return;
      }
      ctx.next();
    });
    router.post("/state/revocations").handler(ctx -> {
      JsonObject body = ctx.body().asJsonObject();
      long now = System.currentTimeMillis() / 1000;
      Future<Void> done;
      if (body == null) {
        done = Future.failedFuture(new BadInput("A JSON body is needed."));
      } else if (body.getString("jti") != null) {
        done = state.revocations().revokeToken(body.getString("jti"), body.getLong("exp", now + 86_400));
      } else if (body.getString("user") != null) {
        done = state.revocations().revokeUser(body.getString("user"), body.getLong("before", now + 1));
      } else if (body.getString("tenant") != null) {
        done = state.revocations().revokeTenant(body.getString("tenant"), body.getLong("before", now + 1));
      } else {
        done = Future.failedFuture(new BadInput("Name a jti, a user or a tenant."));
      }
      reply(ctx, done);
    });
    router.put("/state/memberships/:user/:tenant").handler(ctx -> {
      JsonObject body = ctx.body().asJsonObject();
      List<String> roles = body == null || body.getJsonArray("roles") == null ? List.of()
          : body.getJsonArray("roles").stream().map(String::valueOf).toList();
      reply(ctx, state.memberships().set(ctx.pathParam("user"), ctx.pathParam("tenant"), roles));
    });
    router.delete("/state/memberships/:user/:tenant").handler(ctx ->
        reply(ctx, state.memberships().remove(ctx.pathParam("user"), ctx.pathParam("tenant"))));
    router.get("/state/memberships/:user").handler(ctx -> state.memberships().memberships(ctx.pathParam("user"))
        .onSuccess(found -> {
          JsonObject out = new JsonObject();
          new java.util.TreeMap<>(found).forEach((tenant, roles) -> out.put(tenant, new io.vertx.core.json.JsonArray(roles)));
          ctx.json(out);
        })
        .onFailure(err -> failed(ctx, err)));
  }

  private static void reply(RoutingContext ctx, Future<Void> done) {
    done.onSuccess(v -> ctx.response().setStatusCode(204).end()).onFailure(err -> failed(ctx, err));
  }

  /**
   * A refusal of the caller's input says what was wrong with it; any other failure (the state store) is logged and
   * answered without its message, which may name internals.
   */
  private static void failed(RoutingContext ctx, Throwable err) {
    String requestId = RequestIds.next();
    if (err instanceof BadInput bad) {
      PROBLEMS.send(ctx.response(), Denial.of(DenialCode.ADMIN_BAD_REQUEST, bad.getMessage()), requestId);
      return;
    }
    LOG.log(Level.WARNING, "admin request " + requestId + " (" + ctx.request().method() + " " + ctx.request().path()
        + ") failed: " + err);
    PROBLEMS.send(ctx.response(), Denial.of(DenialCode.STATE_UNAVAILABLE,
        "The state store could not complete this request; retry shortly."), requestId);
  }

  /** What the admin caller sent cannot be acted on; the message is ours and safe to show. */
  private static final class BadInput extends RuntimeException {
    BadInput(String message) {
      super(message, null, false, false);
    }
  }

  int port() {
    return server == null ? -1 : server.actualPort();
  }

  Future<Void> close() {
    return server == null ? Future.succeededFuture() : server.close();
  }
}
