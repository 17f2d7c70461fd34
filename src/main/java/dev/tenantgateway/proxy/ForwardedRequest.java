package dev.tenantgateway.proxy;

import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.internal.http.HttpServerRequestInternal;
import io.vertx.core.internal.http.HttpServerRequestWrapper;

/**
 * The client's request as the proxy must see it: its target is the canonical path the route matched (after prefix
 * stripping), never the raw target, so the upstream receives exactly what was authorized. vertx-http-proxy copies the
 * target and headers from this view, for plain requests and WebSocket upgrades alike.
 */
public final class ForwardedRequest extends HttpServerRequestWrapper {

  private final String target;
  private final String requestId;

  public ForwardedRequest(HttpServerRequest request, String target, String requestId) {
    super((HttpServerRequestInternal) request);
    this.target = target;
    this.requestId = requestId;
  }

  public String requestId() {
    return requestId;
  }

  @Override
  public String uri() {
    return target;
  }

  @Override
  public String path() {
    int q = target.indexOf('?');
    return q < 0 ? target : target.substring(0, q);
  }

  @Override
  public String query() {
    int q = target.indexOf('?');
    return q < 0 ? null : target.substring(q + 1);
  }
}
