package dev.tenantgateway.demo;

import dev.tenantgateway.config.GatewayConfig;
import dev.tenantgateway.config.GatewayConfig.UpstreamConfig;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import io.vertx.core.json.JsonObject;

import java.net.URI;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * An upstream that answers every request with what it received (method, target, headers), on loopback: the demo's,
 * and the one {@code --echo-upstream} puts behind every route, so the trusted headers can be seen without a service
 * of one's own. For trying the gateway only.
 */
public final class EchoUpstream {

  private EchoUpstream() {
  }

  /** Listens on 127.0.0.1 ({@code port} 0 picks a free one). */
  public static Future<HttpServer> start(Vertx vertx, int port) {
    return vertx.createHttpServer().requestHandler(req -> req.body().onSuccess(body -> {
      JsonObject headers = new JsonObject();
      req.headers().forEach(h -> headers.put(h.getKey(), h.getValue()));
      req.response().putHeader("Content-Type", "application/json").end(new JsonObject()
          .put("echo", "the upstream received").put("method", req.method().name()).put("uri", req.uri())
          .put("headers", headers).encodePrettily());
    })).listen(port, "127.0.0.1");
  }

  /** The same configuration with every upstream's URL replaced by {@code url} (timeouts and pool sizes kept). */
  public static GatewayConfig everyUpstreamTo(GatewayConfig config, URI url) {
    Map<String, UpstreamConfig> upstreams = new LinkedHashMap<>();
    config.upstreams().forEach((name, u) -> upstreams.put(name, u.withUrl(url)));
    return new GatewayConfig(config.file(), config.listener(), config.issuers(), config.roles(), upstreams,
        config.headers(), config.security(), config.tenancy(), config.appRoles(), config.admin(), config.state(),
        config.routes(), config.tracing(), config.cors());
  }
}
