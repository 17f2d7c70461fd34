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
import io.vertx.ext.web.handler.BodyHandler;

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
        problem(ctx, DenialCode.ADMIN_UNAUTHORIZED, "The state API needs Authorization: Bearer <admin.api_token>.");
        return;
      }
      ctx.next();
    });
    router.post("/state/revocations").handler(ctx -> {
      JsonObject body = bodyOf(ctx);
      long now = System.currentTimeMillis() / 1000;
      if (body == null) {
        badRequest(ctx, "a JSON object is needed: {\"jti\": …}, {\"user\": …} or {\"tenant\": …}");
      } else if (body.getValue("jti") instanceof String jti) {
        reply(ctx, state.revocations().revokeToken(jti, body.getLong("exp", now + 86_400)));
      } else if (body.getValue("user") instanceof String user) {
        reply(ctx, state.revocations().revokeUser(user, body.getLong("before", now + 1)));
      } else if (body.getValue("tenant") instanceof String tenant) {
        reply(ctx, state.revocations().revokeTenant(tenant, body.getLong("before", now + 1)));
      } else {
        badRequest(ctx, "name a jti, a user or a tenant");
      }
    });
    router.put("/state/memberships/:user/:tenant").handler(ctx -> {
      JsonObject body = bodyOf(ctx);
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
        .onFailure(err -> problem(ctx, DenialCode.STATE_UNAVAILABLE,
            "The state store did not answer in time; try again.")));
  }

  /** The request's JSON object, or null when it has none or it is not an object. */
  private static JsonObject bodyOf(io.vertx.ext.web.RoutingContext ctx) {
    try {
      return ctx.body().asJsonObject();
    } catch (RuntimeException notAnObject) {
      return null;
    }
  }

  /**
   * 204 when the write is done (and, with Redis and {@code wait_replicas}, held by replicas). When the store did not
   * answer in time the write may still take effect, so the answer says the outcome is unknown: every write here is
   * idempotent, and repeating the same request is safe.
   */
  private static void reply(io.vertx.ext.web.RoutingContext ctx, Future<Void> done) {
    done.onSuccess(v -> ctx.response().setStatusCode(204).end())
        .onFailure(err -> {
          LOG.log(System.Logger.Level.WARNING, "admin state write " + ctx.request().method() + " "
              + ctx.request().path() + ": outcome unknown: " + err.getMessage());
          problem(ctx, DenialCode.STATE_OUTCOME_UNKNOWN,
              "The state store did not confirm the write in time; it may or may not have taken effect. "
                  + "Every state write is idempotent: repeat the same request.");
        });
  }

  private static void badRequest(io.vertx.ext.web.RoutingContext ctx, String detail) {
    problem(ctx, DenialCode.ADMIN_BAD_REQUEST, detail);
  }

  /** Through the gateway's one problem renderer (realm "admin"); details are ours, never an exception's message. */
  private static void problem(io.vertx.ext.web.RoutingContext ctx, DenialCode code, String detail) {
    if (code.status() == 503 && !ctx.response().headWritten()) {
      ctx.response().putHeader("Retry-After", "1");
    }
    PROBLEMS.send(ctx.response(), Denial.of(code, detail), RequestIds.next());
  }

  int port() {
    return server == null ? -1 : server.actualPort();
  }

  Future<Void> close() {
    return server == null ? Future.succeededFuture() : server.close();
  }
}
