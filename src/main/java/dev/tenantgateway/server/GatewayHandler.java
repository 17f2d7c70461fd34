package dev.tenantgateway.server;

import dev.tenantgateway.auth.VerifiedToken;
import dev.tenantgateway.observe.AccessLog;
import dev.tenantgateway.observe.Exchange;
import dev.tenantgateway.observe.Metrics;
import dev.tenantgateway.policy.Denial;
import dev.tenantgateway.proxy.Upstream;
import dev.tenantgateway.routing.PathNormalizer;
import dev.tenantgateway.routing.Route;
import dev.tenantgateway.routing.RouteMatch;
import dev.tenantgateway.state.MemoryState;
import dev.tenantgateway.state.RateLimitRule;
import dev.tenantgateway.state.RateLimiter;
import dev.tenantgateway.state.StateBackend;
import dev.tenantgateway.tenant.Caller;
import dev.tenantgateway.tenant.Memberships;
import dev.tenantgateway.tenant.Tenancy;
import dev.tenantgateway.tenant.TenantResolver;
import io.vertx.core.Future;
import io.vertx.core.Handler;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.net.HostAndPort;
import io.vertx.core.net.SocketAddress;

import java.lang.System.Logger.Level;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;

/**
 * The request pipeline: normalize, match, authenticate, resolve the tenant and permissions, authorize, forward.
 * Each stage either moves on or stops the request with a {@link Denial}; nothing is written to the upstream request
 * until the last stage. The snapshot is read once per request, so a reload never changes a request half-way.
 */
final class GatewayHandler implements Handler<HttpServerRequest> {

  private static final System.Logger LOG = System.getLogger(GatewayHandler.class.getName());
  private static final Denial REVOKED = Denial.of(401, "token_revoked", "Token revoked", "This token has been revoked.");

  private final Supplier<GatewaySnapshot> snapshots;
  private final Metrics metrics;
  private final AccessLog accessLog;
  private final StateBackend state;

  /** @param accessLog null when access logging is off */
  GatewayHandler(Supplier<GatewaySnapshot> snapshots, Metrics metrics, AccessLog accessLog, StateBackend state) {
    this.snapshots = snapshots;
    this.metrics = metrics;
    this.accessLog = accessLog;
    this.state = state;
  }

  @Override
  public void handle(HttpServerRequest request) {
    GatewaySnapshot snapshot = snapshots.get();
    Exchange exchange = new Exchange(RequestIds.next(), request.method().name(), request.path(), System.nanoTime());
    // 9 observe: exactly one metrics update and one access-log line, whichever of end or close comes first
    request.response().endHandler(v -> observe(exchange, request.response().getStatusCode()));
    request.response().closeHandler(v -> observe(exchange, 499)); // the client went away before the response ended
    try {
      route(request, snapshot, exchange);
    } catch (Denial.DeniedException denied) {
      deny(request, snapshot, exchange, denied.denial());
    } catch (RuntimeException e) {
      internalError(request, snapshot, exchange, e);
    }
  }

  private void observe(Exchange exchange, int status) {
    if (exchange.markReported()) {
      metrics.request(exchange, status);
      if (accessLog != null) {
        accessLog.log(exchange, status);
      }
    }
  }

  private void internalError(HttpServerRequest request, GatewaySnapshot snapshot, Exchange exchange, RuntimeException e) {
    LOG.log(Level.ERROR, "request " + exchange.requestId + " failed inside the gateway", e);
    deny(request, snapshot, exchange, Denial.of(500, "internal_error", "Internal error",
        "The gateway could not process this request."));
  }

  private void route(HttpServerRequest request, GatewaySnapshot snapshot, Exchange exchange) {
    // 1 normalize (and refuse what could be read two ways)
    PathNormalizer.Result target = snapshot.guard().check(request);
    exchange.path = target.path();
    String mePath = snapshot.tenancy().mePath();
    if (mePath != null && mePath.equals(target.path()) && request.method() == HttpMethod.GET) {
      introspect(request, snapshot, target, exchange);
      return;
    }
    // 2 match
    RouteMatch match = snapshot.routes().match(request.method(), target.path());
    if (match == null) {
      Denial unmatched = unmatched(request.method(), snapshot, target.path());
      if (unmatched.status() == 405) {
        request.response().putHeader(HttpHeaders.ALLOW, allowed(snapshot, target.path()));
      }
      deny(request, snapshot, exchange, unmatched);
      return;
    }
    Route route = match.route();
    exchange.route = route.id();
    if (!route.websocket() && request.getHeader(HttpHeaders.UPGRADE) != null
        && asksForWebSocket(request.headers().getAll(HttpHeaders.UPGRADE))) {
      deny(request, snapshot, exchange, Denial.websocketNotAllowed()); // never 101 where the route did not ask for it
      return;
    }
    String declaredLength = request.getHeader(HttpHeaders.CONTENT_LENGTH);
    if (declaredLength != null && Upstream.contentLength(declaredLength) > route.maxBodyBytes()) {
      deny(request, snapshot, exchange, Denial.of(413, "body_too_large", "Request body too large",
          "This route accepts request bodies of at most " + route.maxBodyBytes() + " bytes."));
      return;
    }
    if (route.isPublic()) {
      forward(request, snapshot, route, target, null, exchange);
      return;
    }
    // 3 authenticate
    String token = bearerToken(request);
    VerifiedToken cached = snapshot.verifier().cached(token);
    MemoryState memory = state.memory();
    if (cached != null && memory != null && route.rateLimit() == null
        && !cached.issuer().claims().usesStore()) {
      // The common case decides without waiting for anything: no futures, no pause.
      Caller caller = snapshot.tenants().resolve(cached, requestedTenant(request, match, snapshot.tenancy()),
          route.tenantRequired());
      exchange.tenant = caller.tenant();
      exchange.user = caller.user();
      if (memory.isRevokedNow(cached, caller.user(), caller.tenant())) {
        deny(request, snapshot, exchange, REVOKED);
        return;
      }
      authorize(request, snapshot, match, target, cached, caller, exchange);
      return;
    }
    request.pause(); // keep the body while later stages may wait for keys or state
    exchange.paused = true;
    Future<VerifiedToken> verified = cached != null ? Future.succeededFuture(cached) : snapshot.verifier().verify(token);
    verified
        .compose(checked -> resolveCaller(request, snapshot, match, checked, exchange)
            // 6 state: revocation, then the rate limit
            .compose(caller -> checkRevocation(snapshot, checked, caller).map(caller))
            .compose(caller -> checkRateLimit(snapshot, request, route, caller).map(caller))
            .map(caller -> {
              authorize(request, snapshot, match, target, checked, caller, exchange);
              return null;
            }))
        .onFailure(failure -> {
          if (failure instanceof RuntimeException e && !(failure instanceof Denial.DeniedException) && !(failure instanceof StateUnavailable)) {
            internalError(request, snapshot, exchange, e);
          } else {
            deny(request, snapshot, exchange, denialOf(failure, exchange.requestId));
          }
        });
  }

  /** Whether an {@code Upgrade} value lists the websocket protocol (any case, any position in the list). */
  static boolean asksForWebSocket(List<String> upgrades) {
    for (String upgrade : upgrades) {
      for (String protocol : upgrade.split(",")) {
        String name = protocol.trim();
        int slash = name.indexOf('/');
        if ((slash < 0 ? name : name.substring(0, slash)).trim().equalsIgnoreCase("websocket")) {
          return true;
        }
      }
    }
    return false;
  }

  /**
   * Why no route matched: 501 for a method the gateway never routes, 405 (with {@code Allow}) when the path exists
   * with other methods, 404 otherwise.
   */
  static Denial unmatched(HttpMethod method, GatewaySnapshot snapshot, String path) {
    if (!dev.tenantgateway.routing.RouteTable.isImplemented(method)) {
      return Denial.notImplemented();
    }
    return allowed(snapshot, path) == null ? Denial.routeNotFound() : Denial.methodNotAllowed();
  }

  /** The {@code Allow} value for a path (the introspection path accepts GET), or null when nothing is there. */
  static String allowed(GatewaySnapshot snapshot, String path) {
    String allow = snapshot.routes().allowedMethods(path);
    String mePath = snapshot.tenancy().mePath();
    if (mePath != null && mePath.equals(path)) {
      allow = allow == null ? "GET" : allow.startsWith("GET") ? allow : "GET, " + allow;
    }
    return allow;
  }

  /** 4 tenant and 5 permissions, with the membership store consulted when the issuer keeps memberships there. */
  private Future<Caller> resolveCaller(HttpServerRequest request, GatewaySnapshot snapshot, RouteMatch match,
                                       VerifiedToken token, Exchange exchange) {
    Route route = match.route();
    String requested = requestedTenant(request, match, snapshot.tenancy());
    Future<Map<String, Memberships.Membership>> stored;
    if (token.issuer().claims().usesStore(token.claims())) {
      String user = token.issuer().claims().userOf(token.claims());
      stored = user != null
          ? guarded("memberships", snapshot.config().state().membershipsFailClosed(), state.memberships().memberships(user),
              Map.<String, List<String>>of()).map(Memberships.Store::of)
          : Future.succeededFuture(Map.of());
    } else {
      stored = Future.succeededFuture(null);
    }
    return stored.map(memberships -> {
      Caller caller = memberships == null ? snapshot.tenants().resolve(token, requested, route.tenantRequired())
          : snapshot.tenants().resolve(token, requested, route.tenantRequired(), memberships);
      exchange.tenant = caller.tenant();
      exchange.user = caller.user();
      return caller;
    });
  }

  private Future<Void> checkRevocation(GatewaySnapshot snapshot, VerifiedToken token, Caller caller) {
    Object jti = token.claims().getValue("jti");
    Object iat = token.claims().getValue("iat");
    Future<Boolean> revoked = state.revocations().isRevoked(jti instanceof String s ? s : null, caller.user(),
        caller.tenant(), iat instanceof Number n ? n.longValue() : 0);
    return guarded("revocation", snapshot.config().state().revocationFailClosed(), revoked, false).compose(isRevoked -> isRevoked
        ? Future.failedFuture(REVOKED.asException())
        : Future.succeededFuture());
  }

  private Future<Void> checkRateLimit(GatewaySnapshot snapshot, HttpServerRequest request, Route route, Caller caller) {
    RateLimitRule rule = route.rateLimit();
    if (rule == null) {
      return Future.succeededFuture();
    }
    Future<RateLimiter.Outcome> outcome = state.rateLimiter().acquire(rule.key(route.id(), caller.tenant(), caller.user()),
        rule.requests(), rule.per().toMillis());
    return guarded("rate_limits", snapshot.config().state().rateLimitsFailClosed(), outcome, null).compose(result -> {
      if (result == null) {
        return Future.succeededFuture(); // failed open
      }
      request.response()
          .putHeader("RateLimit-Limit", Long.toString(result.limit()))
          .putHeader("RateLimit-Remaining", Long.toString(result.remaining()))
          .putHeader("RateLimit-Reset", Long.toString(result.resetSeconds()));
      if (!result.allowed()) {
        return Future.failedFuture(new Denial(429, "rate_limited", "Too many requests",
            "This route's rate limit for the tenant is exhausted; retry after the reset.", List.of(),
            result.resetSeconds()).asException());
      }
      return Future.succeededFuture();
    });
  }

  /**
   * A state lookup under its feature's failure policy: when it fails (Redis down or slow), closed refuses the request
   * with 503 {@code state_unavailable}; open goes on with {@code whenOpen}.
   */
  private <T> Future<T> guarded(String feature, boolean failClosed, Future<T> lookup, T whenOpen) {
    return lookup.recover(failure -> {
      metrics.stateUnavailable(feature, failClosed ? "closed" : "open");
      if (failClosed) {
        LOG.log(Level.WARNING, "state (" + feature + ") unavailable, refusing: " + failure.getMessage());
        return Future.failedFuture(new StateUnavailable());
      }
      return Future.succeededFuture(whenOpen);
    });
  }

  /** Marks a refusal caused by state that could not be read. */
  private static final class StateUnavailable extends RuntimeException {
    StateUnavailable() {
      super("state_unavailable", null, false, false);
    }
  }

  // 7 authorize
  private void authorize(HttpServerRequest request, GatewaySnapshot snapshot, RouteMatch match,
                         PathNormalizer.Result target, VerifiedToken token, Caller caller, Exchange exchange) {
    Route route = match.route();
    if (!route.require().isSatisfiedBy(caller.permissions()) && !holdsAny(caller.appRoles(), route.appRoles())) {
      deny(request, snapshot, exchange, Denial.permissionDenied(route.require().permissionNames()));
      return;
    }
    if (route.resource() != null) {
      TenantResolver.checkResource(route.resource(), match.param(route.resource().param()), caller, token);
    }
    forward(request, snapshot, route, target, caller, exchange);
  }

  /**
   * The caller-introspection endpoint: the tenants the caller belongs to and their roles and permissions in the
   * active (or requested: switcher header, subdomain or {@code ?tenant=}) tenant, computed by the same resolver that
   * enforces routes, so a UI that hides buttons and the gateway that refuses requests never disagree.
   */
  private void introspect(HttpServerRequest request, GatewaySnapshot snapshot, PathNormalizer.Result target,
                          Exchange exchange) {
    String token = bearerToken(request);
    snapshot.verifier().verify(token).onComplete(result -> {
      try {
        if (result.failed()) {
          deny(request, snapshot, exchange, denialOf(result.cause(), exchange.requestId));
          return;
        }
        String requested = requestedTenant(request, null, snapshot.tenancy());
        String asked = queryParam(target.query(), "tenant");
        requested = agree(requested, asked);
        Caller caller = snapshot.tenants().resolve(result.result(), requested, false);
        exchange.tenant = caller.tenant();
        exchange.user = caller.user();
        JsonObject body = new JsonObject()
            .put("user", caller.user())
            .put("tenant", caller.tenant())
            .put("tenants", new JsonArray(caller.tenants()))
            .put("roles", new JsonArray(caller.roles()))
            .put("permissions", new JsonArray(caller.permissions().sortedGrants()))
            .put("app_roles", new JsonArray(caller.appRoles()));
        request.response()
            .putHeader(HttpHeaders.CONTENT_TYPE, "application/json")
            .putHeader(HttpHeaders.CACHE_CONTROL, "no-store")
            .putHeader("X-Request-Id", exchange.requestId)
            .end(body.toBuffer());
      } catch (Denial.DeniedException denied) {
        deny(request, snapshot, exchange, denied.denial());
      } catch (RuntimeException e) {
        internalError(request, snapshot, exchange, e);
      }
    });
  }

  private static String queryParam(String query, String name) {
    if (query == null) {
      return null;
    }
    for (String pair : query.split("&")) {
      if (pair.startsWith(name + "=")) {
        return java.net.URLDecoder.decode(pair.substring(name.length() + 1), java.nio.charset.StandardCharsets.UTF_8);
      }
    }
    return null;
  }

  static boolean holdsAny(List<String> held, List<String> accepted) {
    for (String role : accepted) {
      if (held.contains(role)) {
        return true;
      }
    }
    return false;
  }

  /**
   * The tenant the request asks for, through the route's tenant path parameter, the switcher header or the
   * subdomain; null when it names none. Two sources naming different tenants are a 403 {@code tenant_mismatch}.
   */
  static String requestedTenant(HttpServerRequest request, RouteMatch match, Tenancy tenancy) {
    return requestedTenant(request.headers(), match, tenancy);
  }

  static String requestedTenant(io.vertx.core.MultiMap headers, RouteMatch match, Tenancy tenancy) {
    String requested = match == null ? null : match.param(tenancy.pathParam());
    if (tenancy.header() != null) {
      List<String> values = headers.getAll(tenancy.header());
      if (values.size() > 1) {
        throw Denial.badRequest("Several " + tenancy.header() + " headers were sent.").asException();
      }
      requested = agree(requested, values.isEmpty() ? null : values.get(0).trim());
    }
    return agree(requested, tenancy.fromHost(headers.get(HttpHeaders.HOST)));
  }

  private static String agree(String first, String second) {
    if (first == null || first.isEmpty()) {
      return second == null || second.isEmpty() ? null : second;
    }
    if (second != null && !second.isEmpty() && !second.equals(first)) {
      throw Denial.of(403, "tenant_mismatch", "Tenant mismatch", "The request names two different tenants.").asException();
    }
    return first;
  }

  // 8 forward
  private void forward(HttpServerRequest request, GatewaySnapshot snapshot, Route route, PathNormalizer.Result target,
                       Caller caller, Exchange exchange) {
    SocketAddress peer = request.remoteAddress();
    String peerAddress = peer == null ? null : peer.hostAddress();
    HostAndPort authority = request.authority();
    snapshot.headers().apply(request.headers(), caller, route.forwardAuthorization(), exchange.requestId, peerAddress,
        request.scheme(), authority == null ? null : authority.toString(), snapshot.isTrustedProxy(peerAddress));
    String forwardTarget = route.forwardPath(target.path());
    if (target.query() != null) {
      forwardTarget = forwardTarget + "?" + target.query();
    }
    snapshot.upstream(route.upstream()).forward(request, forwardTarget, exchange, route.maxBodyBytes());
  }

  private void deny(HttpServerRequest request, GatewaySnapshot snapshot, Exchange exchange, Denial denial) {
    exchange.decision = denial.code();
    // Resume first: a request still paused when its response ends leaves the connection unread, and the client's next
    // request on it would hang. Any body the client is still sending is discarded.
    request.resume();
    snapshot.problems().send(request.response(), denial, exchange.requestId);
  }

  private static Denial denialOf(Throwable failure, String requestId) {
    if (failure instanceof Denial.DeniedException denied) {
      return denied.denial();
    }
    if (failure instanceof StateUnavailable) {
      return Denial.of(503, "state_unavailable", "State unavailable",
          "The gateway cannot check this request right now; retry shortly.");
    }
    LOG.log(Level.WARNING, "request " + requestId + ": token verification failed unexpectedly", failure);
    return Denial.tokenInvalid("The token could not be verified.");
  }

  /**
   * The bearer token (RFC 6750 section 2.1), or a {@link Denial.DeniedException}: several Authorization headers are
   * ambiguous (400), another scheme or none means no token (401 {@code token_missing}).
   */
  static String bearerToken(HttpServerRequest request) {
    List<String> values = request.headers().getAll(HttpHeaders.AUTHORIZATION);
    if (values.isEmpty()) {
      throw Denial.tokenMissing().asException();
    }
    if (values.size() > 1) {
      throw Denial.badRequest("Several Authorization headers were sent.").asException();
    }
    String value = values.get(0);
    if (value.length() < 7 || !value.regionMatches(true, 0, "Bearer ", 0, 7)) {
      throw Denial.tokenMissing().asException();
    }
    String token = value.substring(7).trim();
    if (token.isEmpty()) {
      throw Denial.tokenInvalid("The bearer token is empty.").asException();
    }
    return token;
  }
}
