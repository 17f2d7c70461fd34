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
import java.util.function.BiConsumer;

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
    FieldCheck fields = checkFields(headers);
    if (fields.count > security.maxHeaderCount()) {
      throw Denial.of(dev.tenantgateway.policy.DenialCode.TOO_MANY_HEADERS,
          "The request has more than " + security.maxHeaderCount() + " header fields.").asException();
    }
    if (fields.hosts > 1) {
      throw Denial.badRequest("Several Host headers were sent.").asException();
    }
    String host = fields.host;
    if (host == null && version == HttpVersion.HTTP_1_1) {
      throw Denial.badRequest("An HTTP/1.1 request must carry a Host header.").asException();
    }
    if (host != null && !isUriHostAndPort(host)) {
      throw Denial.badRequest("The Host header must be a host name or address with an optional port.").asException();
    }
    if (fields.methodOverride) {
      if (!security.stripMethodOverride()) {
        throw Denial.badRequest("Method override headers are not accepted; send the real method.").asException();
      }
      for (String name : METHOD_OVERRIDES) {
        headers.remove(name);
      }
    }
    String target = uri;
    if (!target.isEmpty() && target.charAt(0) != '/') {
      target = originForm(target, host);
    }
    PathNormalizer.Result result = PathNormalizer.normalize(target, security.allowPathLookalikes());
    if (!result.ok()) {
      throw Denial.badRequest(result.error()).asException();
    }
    if (result.query() != null && hasAccessTokenParameter(result.query())) {
      // RFC 6750 section 2: one method per request, and a token in a URL ends up in logs and Referer headers. A query
      // token is never a credential here, and refusing (rather than removing it) keeps the forwarded query verbatim.
      throw Denial.badRequest("A token in the query string (access_token) is not accepted; send it only in the "
          + "Authorization header.").asException();
    }
    if (!security.mergeSlashes() && target.indexOf("//") >= 0 && target.indexOf("//") < pathEnd(target)) {
      throw Denial.badRequest("The path contains an empty segment ('//').").asException();
    }
    return result;
  }

  /** tchar (RFC 9110 section 5.6.2): a field name is one or more of these. */
  private static final boolean[] TCHAR = new boolean[128];
  /** unreserved and sub-delims (RFC 3986): what a reg-name is made of, besides pct-encoded octets. */
  private static final boolean[] REG_NAME = new boolean[128];

  static {
    String alphaNum = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
    for (char c : (alphaNum + "!#$%&'*+-.^_`|~").toCharArray()) {
      TCHAR[c] = true;
    }
    for (char c : (alphaNum + "-._~" + "!$&'()*+,;=").toCharArray()) {
      REG_NAME[c] = true;
    }
  }

  /**
   * Every field name must be an RFC 9110 token (no empty name, no spaces, separators or non-ASCII), and no value may
   * hold CR, LF or NUL (RFC 9110 section 5.5): a hop that splits or truncates on them would read other headers. The
   * same single pass counts the fields (a repeated name each time; the map's own {@code size()} counts distinct names
   * and builds a sorted set of them to do it), the Host fields, and notes a method override header.
   */
  static FieldCheck checkFields(MultiMap headers) {
    FieldCheck check = new FieldCheck();
    headers.forEach(check); // one pass, no iterator or entry objects
    return check;
  }

  /** What one pass over the header fields found. */
  static final class FieldCheck implements BiConsumer<String, String> {
    int count;
    int hosts;
    /** The first Host value, or null. */
    String host;
    boolean methodOverride;

    @Override
    public void accept(String name, String value) {
      count++;
      if (!isToken(name)) {
        throw Denial.badRequest("A header field name is empty or not a token (RFC 9110 section 5.1).").asException();
      }
      if (value.indexOf('\r') >= 0 || value.indexOf('\n') >= 0 || value.indexOf('\0') >= 0) {
        throw Denial.badRequest("The " + name + " header holds CR, LF or NUL.").asException();
      }
      int length = name.length();
      if (length == 4 && name.equalsIgnoreCase("host")) {
        if (hosts++ == 0) {
          host = value;
        }
      } else if (length >= 13 && length <= 22 && (name.charAt(0) | 0x20) == 'x' && isMethodOverride(name)) {
        methodOverride = true;
      }
    }
  }

  private static boolean isMethodOverride(String name) {
    for (String override : METHOD_OVERRIDES) {
      if (override.equalsIgnoreCase(name)) {
        return true;
      }
    }
    return false;
  }

  static boolean isToken(String name) {
    int n = name.length();
    if (n == 0) {
      return false;
    }
    for (int i = 0; i < n; i++) {
      char c = name.charAt(i);
      if (c >= 128 || !TCHAR[c]) {
        return false;
      }
    }
    return true;
  }

  /**
   * RFC 9110 section 7.2: {@code Host = uri-host [ ":" port ]}, where uri-host is an IP-literal in brackets, an IPv4
   * address or a reg-name (RFC 3986 section 3.2.2). No userinfo ({@code a@b}), path, spaces or second colon. An empty
   * value is allowed (RFC 9112 section 3.2, a target without authority).
   */
  static boolean isUriHostAndPort(String host) {
    int n = host.length();
    int portStart;
    if (n > 0 && host.charAt(0) == '[') {
      int close = host.indexOf(']');
      if (close < 2 || !isIpLiteral(host.substring(1, close))) {
        return false;
      }
      portStart = close + 1;
    } else {
      int i = 0;
      while (i < n && host.charAt(i) != ':') {
        char c = host.charAt(i);
        if (c == '%') {
          if (i + 2 >= n || Character.digit(host.charAt(i + 1), 16) < 0 || Character.digit(host.charAt(i + 2), 16) < 0) {
            return false;
          }
          i += 3;
          continue;
        }
        if (c >= 128 || !REG_NAME[c]) {
          return false;
        }
        i++;
      }
      portStart = i;
    }
    if (portStart == n) {
      return true;
    }
    if (host.charAt(portStart) != ':' || n - portStart - 1 > 5) {
      return false;
    }
    int port = 0;
    for (int i = portStart + 1; i < n; i++) {
      char c = host.charAt(i);
      if (c < '0' || c > '9') {
        return false;
      }
      port = port * 10 + (c - '0');
    }
    return port <= 65535;
  }

  /** IPv6address or IPvFuture inside brackets: hex digits, colons and dots (an embedded IPv4), or v-prefixed. */
  private static boolean isIpLiteral(String inside) {
    for (int i = 0; i < inside.length(); i++) {
      char c = inside.charAt(i);
      if (!(Character.digit(c, 16) >= 0 || c == ':' || c == '.')) {
        return false;
      }
    }
    return inside.indexOf(':') >= 0;
  }

  /**
   * Whether the query has a parameter that some upstream reads as {@code access_token}: the name percent-decoded,
   * in any letter case, with {@code .}, space or {@code [} read as {@code _} and {@code [...]} suffixes ignored (as
   * PHP does).
   */
  static boolean hasAccessTokenParameter(String query) {
    int n = query.length();
    int start = 0;
    while (start <= n) {
      int end = query.indexOf('&', start);
      if (end < 0) {
        end = n;
      }
      int eq = query.indexOf('=', start);
      int nameEnd = eq >= 0 && eq < end ? eq : end;
      if (nameEnd - start >= 12 && isAccessToken(query.substring(start, nameEnd))) {
        return true;
      }
      start = end + 1;
    }
    return false;
  }

  private static boolean isAccessToken(String rawName) {
    String name;
    try {
      name = java.net.URLDecoder.decode(rawName, java.nio.charset.StandardCharsets.UTF_8);
    } catch (IllegalArgumentException e) {
      name = rawName;
    }
    name = name.toLowerCase(Locale.ROOT);
    int bracket = name.indexOf('[', 1);
    if (bracket > 0 && name.indexOf(']', bracket) > 0) {
      name = name.substring(0, bracket);
    }
    name = name.replace('.', '_').replace(' ', '_').replace('[', '_');
    return name.equals("access_token");
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
