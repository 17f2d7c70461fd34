package dev.tenantgateway.pipeline;

import dev.tenantgateway.auth.VerifiedToken;
import dev.tenantgateway.routing.PathNormalizer;
import dev.tenantgateway.routing.Route;
import dev.tenantgateway.routing.RouteMatch;
import dev.tenantgateway.tenant.Caller;
import io.vertx.core.MultiMap;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpVersion;

/**
 * One request's walk through the pipeline: what came in, and what each stage found, in stage order. It is also the
 * request's {@link Exchange} (what metrics and the access log report), so a request costs one object for both.
 * Confined to the request's event loop.
 */
public final class RequestContext extends Exchange {

  /** The live request, or null when {@code explain} runs an imaginary one. */
  public final HttpServerRequest request;
  public final HttpMethod httpMethod;
  public final String uri;
  public final HttpVersion version;
  public final MultiMap headers;
  /** Records each stage's finding for {@code explain}; null when serving. */
  final Recorder recorder;

  /** 1 normalize: the canonical target. */
  public PathNormalizer.Result target;
  /** 2 match: the caller-introspection endpoint was asked for (no route; the run stops after permissions). */
  public boolean introspection;
  /**
   * 2 match: a CORS preflight ({@code OPTIONS} with Origin and Access-Control-Request-Method, where CORS is
   * configured): matched by the method it asks for, answered by the gateway, never forwarded.
   */
  public boolean preflight;
  /** 2 match: the route and its parameters; null on the introspection endpoint. */
  public RouteMatch match;
  /** 3 authenticate: the verified token; null on public routes. */
  public VerifiedToken token;
  /** 4 tenant: the tenant the request itself asked for, or null. */
  public String requestedTenant;
  /** 4 tenant and 5 permissions: who calls, in which tenant, holding what. */
  public Caller caller;

  public RequestContext(String requestId, HttpServerRequest request, long startNanos) {
    super(requestId, request.method().name(), request.path(), startNanos);
    this.request = request;
    this.httpMethod = request.method();
    this.uri = request.uri();
    this.version = request.version();
    this.headers = request.headers();
    this.recorder = null;
  }

  /** An imaginary request, for {@code explain}. */
  public RequestContext(String requestId, HttpMethod method, String uri, MultiMap headers, Recorder recorder) {
    super(requestId, method.name(), uri, System.nanoTime());
    this.request = null;
    this.httpMethod = method;
    this.uri = uri;
    this.version = HttpVersion.HTTP_1_1;
    this.headers = headers;
    this.recorder = recorder;
  }

  public Route route() {
    return match == null ? null : match.route();
  }

  /** The matched route's id, or null where no route matched. */
  public String routeId() {
    return match == null ? null : match.route().id();
  }

  /** Whether the request runs on a public route (no caller: the stages from authenticate on stand aside). */
  boolean isPublic() {
    return match != null && match.route().isPublic();
  }

  /** Keep the body while a stage waits (for keys or state); forwarding resumes the request. */
  void pause() {
    if (request != null && !paused) {
      request.pause();
      paused = true;
    }
  }
}
