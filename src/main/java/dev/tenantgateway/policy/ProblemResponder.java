package dev.tenantgateway.policy;

import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

/**
 * The one place a {@link Denial} becomes an HTTP response: an RFC 9457 {@code application/problem+json} body with
 * the stable {@code code}, the request id and (tracing on) the trace id, and the RFC 6750 {@code WWW-Authenticate} challenge on 401 and 403.
 * Messages come from the denial only; exceptions and claims never reach the client.
 */
public final class ProblemResponder {

  public static final String CONTENT_TYPE = "application/problem+json";
  private static final String TYPE_PREFIX = "urn:tenant-gateway:problem:";

  private final String realm;

  public ProblemResponder(String realm) {
    this.realm = realm;
  }

  public Buffer body(Denial denial, String requestId) {
    return body(denial, requestId, null);
  }

  /** @param traceId the request's trace id, or null when tracing is off */
  public Buffer body(Denial denial, String requestId, String traceId) {
    JsonObject problem = new JsonObject()
        .put("type", TYPE_PREFIX + denial.code())
        .put("title", denial.title())
        .put("status", denial.status())
        .put("detail", denial.detail())
        .put("code", denial.code())
        .put("request_id", requestId);
    if (traceId != null) {
      problem.put("trace_id", traceId);
    }
    if (!denial.required().isEmpty()) {
      problem.put("required_permissions", new JsonArray(denial.required()));
    }
    return problem.toBuffer();
  }

  /** The {@code WWW-Authenticate} value for this denial, or null when it needs none. */
  public String challenge(Denial denial) {
    if (denial.status() == 401) {
      if (!denial.isInvalidToken()) {
        return "Bearer realm=\"" + realm + "\"";
      }
      return "Bearer realm=\"" + realm + "\", error=\"invalid_token\", error_description=\""
          + quoteSafe(denial.detail()) + "\"";
    }
    if (denial.status() == 403 && denial.reason() != DenialCode.CORS_REFUSED
        && denial.reason() != DenialCode.CORS_TENANT_MISMATCH) { // not about the token's scope
      String challenge = "Bearer realm=\"" + realm + "\", error=\"insufficient_scope\", error_description=\""
          + quoteSafe(denial.detail()) + "\"";
      if (!denial.required().isEmpty()) {
        challenge += ", scope=\"" + quoteSafe(String.join(" ", denial.required())) + "\"";
      }
      return challenge;
    }
    return null;
  }

  public void send(HttpServerResponse response, Denial denial, String requestId) {
    send(response, denial, requestId, null);
  }

  /** @param traceId the request's trace id, or null when tracing is off */
  public void send(HttpServerResponse response, Denial denial, String requestId, String traceId) {
    if (response.ended() || response.headWritten()) {
      return;
    }
    Buffer body = body(denial, requestId, traceId);
    response.setStatusCode(denial.status())
        .putHeader(HttpHeaders.CONTENT_TYPE, CONTENT_TYPE)
        .putHeader(HttpHeaders.CACHE_CONTROL, "no-store")
        .putHeader("X-Request-Id", requestId);
    String challenge = challenge(denial);
    if (challenge != null) {
      response.putHeader("WWW-Authenticate", challenge);
    }
    if (denial.retryAfterSeconds() > 0) { // 429 rate_limited, 503 upstream_busy
      response.putHeader(HttpHeaders.RETRY_AFTER, Long.toString(denial.retryAfterSeconds()));
    }
    response.end(body);
  }

  private static String quoteSafe(String text) {
    StringBuilder b = new StringBuilder(text.length());
    for (int i = 0; i < text.length(); i++) {
      char c = text.charAt(i);
      if (c >= 0x20 && c < 0x7F && c != '"' && c != '\\') {
        b.append(c);
      }
    }
    return b.toString();
  }
}
