package dev.tenantgateway.server;

import dev.tenantgateway.config.GatewayConfig.Security;
import dev.tenantgateway.policy.Denial;
import dev.tenantgateway.routing.PathNormalizer;
import io.vertx.core.MultiMap;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpVersion;

import java.util.List;
import java.util.Locale;

/**
 * Stage 1 of the pipeline: refuse requests that different servers could read differently, before anything else
 * looks at them, and produce the one canonical target. Framing smuggling shapes (Content-Length with
 * Transfer-Encoding, duplicate Content-Length, unknown transfer codings) are already refused by the HTTP decoder
 * underneath; this adds what it lets through.
 */
final class IngressGuard {

  /** Headers some frameworks read as "the real method": a GET allowed for readers could act as a DELETE. */
  private static final List<String> METHOD_OVERRIDES = List.of("x-http-method-override", "x-http-method",
      "x-method-override");

  private final Security security;

  IngressGuard(Security security) {
    this.security = security;
  }

  /** The canonical target, or a {@link Denial.DeniedException}. */
  PathNormalizer.Result check(HttpServerRequest request) {
    return check(request.uri(), request.version(), request.headers());
  }

  PathNormalizer.Result check(String uri, HttpVersion version, MultiMap headers) {
    if (headers.size() > security.maxHeaderCount()) {
      throw Denial.of(dev.tenantgateway.policy.DenialCode.TOO_MANY_HEADERS,
          "The request has more than " + security.maxHeaderCount() + " header fields.").asException();
    }
    List<String> hosts = headers.getAll(HttpHeaders.HOST);
    if (hosts.size() > 1) {
      throw Denial.badRequest("Several Host headers were sent.").asException();
    }
    if (hosts.isEmpty() && version == HttpVersion.HTTP_1_1) {
      throw Denial.badRequest("An HTTP/1.1 request must carry a Host header.").asException();
    }
    for (String name : METHOD_OVERRIDES) {
      if (headers.contains(name)) {
        if (!security.stripMethodOverride()) {
          throw Denial.badRequest("Method override headers are not accepted; send the real method.").asException();
        }
        headers.remove(name);
      }
    }
    String target = uri;
    if (!target.isEmpty() && target.charAt(0) != '/') {
      target = originForm(target, hosts.isEmpty() ? null : hosts.get(0));
    }
    PathNormalizer.Result result = PathNormalizer.normalize(target);
    if (!result.ok()) {
      throw Denial.badRequest(result.error()).asException();
    }
    if (!security.mergeSlashes() && target.indexOf("//") >= 0 && target.indexOf("//") < pathEnd(target)) {
      throw Denial.badRequest("The path contains an empty segment ('//').").asException();
    }
    return result;
  }

  private static int pathEnd(String target) {
    int q = target.indexOf('?');
    return q < 0 ? target.length() : q;
  }

  /**
   * An absolute-form target ({@code GET http://host/path}) is accepted only for the host the request names in
   * {@code Host}; any other authority would let the target and the Host header disagree about where it goes.
   */
  private static String originForm(String target, String host) {
    String lower = target.toLowerCase(Locale.ROOT);
    int schemeEnd = lower.startsWith("http://") ? 7 : lower.startsWith("https://") ? 8 : -1;
    if (schemeEnd < 0 || host == null) {
      throw Denial.badRequest("The request target must be a path starting with '/'.").asException();
    }
    int pathStart = target.indexOf('/', schemeEnd);
    int queryStart = target.indexOf('?', schemeEnd);
    if (queryStart >= 0 && (pathStart < 0 || queryStart < pathStart)) {
      pathStart = queryStart;
    }
    String authority = pathStart < 0 ? target.substring(schemeEnd) : target.substring(schemeEnd, pathStart);
    if (!authority.equalsIgnoreCase(host)) {
      throw Denial.badRequest("An absolute request target must name the same host as the Host header.").asException();
    }
    if (pathStart < 0) {
      return "/";
    }
    return target.charAt(pathStart) == '?' ? "/" + target.substring(pathStart) : target.substring(pathStart);
  }
}
