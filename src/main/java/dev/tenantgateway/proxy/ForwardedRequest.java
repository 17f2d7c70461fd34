package dev.tenantgateway.proxy;

import dev.tenantgateway.observe.Exchange;
import io.vertx.core.Handler;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.internal.http.HttpServerRequestInternal;
import io.vertx.core.internal.http.HttpServerRequestWrapper;

/**
 * The client's request as the proxy must see it: its target is the canonical path the route matched (after prefix
 * stripping), never the raw target, so the upstream receives exactly what was authorized. vertx-http-proxy copies the
 * target and headers from this view for WebSocket upgrades; plain requests are forwarded by {@link Upstream} itself.
 */
public final class ForwardedRequest extends HttpServerRequestWrapper {

  private final String target;
  private final Exchange exchange;
  private final long maxBodyBytes;

  /**
   * @param maxBodyBytes a body that grows past this while streaming resets both sides: the upstream never sees a
   *     complete oversized request (a declared Content-Length over it was refused with 413 before forwarding)
   */
  public ForwardedRequest(HttpServerRequest request, String target, Exchange exchange, long maxBodyBytes) {
    super((HttpServerRequestInternal) request);
    this.target = target;
    this.exchange = exchange;
    this.maxBodyBytes = maxBodyBytes;
  }

  public Exchange exchange() {
    return exchange;
  }

  @Override
  public HttpServerRequest handler(Handler<Buffer> handler) {
    if (handler == null) {
      return delegate.handler(null);
    }
    long[] seen = {0};
    return delegate.handler(chunk -> {
      seen[0] += chunk.length();
      if (seen[0] > maxBodyBytes) {
        delegate.response().reset(); // HTTP/1.x: closes the connection; the proxy then resets the upstream request
        return;
      }
      handler.handle(chunk);
    });
  }

  public String requestId() {
    return exchange.requestId;
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
