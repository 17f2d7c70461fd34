package dev.tenantgateway.policy;

import java.util.List;

/**
 * Why a request stops before the upstream: an HTTP status, a stable machine-readable code and a message that is
 * safe to show the client. One responder renders it (see {@code server.ProblemResponder}); stages only create it.
 *
 * @param required the permissions the route requires, shown on 403 {@code permission_denied} (never what the caller has)
 */
public record Denial(int status, String code, String title, String detail, List<String> required,
                     long retryAfterSeconds) {

  public Denial {
    required = required == null ? List.of() : List.copyOf(required);
  }

  public static Denial of(int status, String code, String title, String detail) {
    return new Denial(status, code, title, detail, List.of(), 0);
  }

  public static Denial badRequest(String detail) {
    return of(400, "bad_request", "Bad request", detail);
  }

  public static Denial routeNotFound() {
    return of(404, "route_not_found", "Not found", "No route matches this method and path.");
  }

  /** 405: the path exists with other methods; the responder's caller sends {@code Allow} with them. */
  public static Denial methodNotAllowed() {
    return of(405, "method_not_allowed", "Method not allowed",
        "This path does not accept this method; the Allow header lists the methods it accepts.");
  }

  /** 501: a method the gateway never routes (method names are case-sensitive). */
  public static Denial notImplemented() {
    return of(501, "not_implemented", "Not implemented", "The gateway does not implement this method.");
  }

  /** 400: a WebSocket upgrade on a route without {@code websocket: true}. */
  public static Denial websocketNotAllowed() {
    return of(400, "websocket_not_allowed", "WebSocket not allowed", "This route does not accept WebSocket upgrades.");
  }

  public static Denial tokenMissing() {
    return of(401, "token_missing", "Authentication required", "This route requires a Bearer token.");
  }

  public static Denial tokenInvalid(String detail) {
    return of(401, "token_invalid", "Invalid token", detail);
  }

  public static Denial tokenExpired() {
    return of(401, "token_expired", "Token expired", "The token has expired.");
  }

  public static Denial issuerUnknown() {
    return of(401, "issuer_unknown", "Unknown issuer", "The token's issuer is not configured on this gateway.");
  }

  public static Denial tenantRequired() {
    return of(403, "tenant_required", "Tenant required", "This route requires a tenant and the token names none.");
  }

  public static Denial permissionDenied(List<String> required) {
    return new Denial(403, "permission_denied", "Permission denied",
        "The caller lacks a permission this route requires in the active tenant.", required, 0);
  }

  public static Denial upstreamUnavailable() {
    return of(502, "upstream_unavailable", "Upstream unavailable", "The upstream service could not be reached.");
  }

  public static Denial upstreamTimeout() {
    return of(504, "upstream_timeout", "Upstream timeout", "The upstream service did not answer in time.");
  }

  /** True for the 401 codes that say the presented token itself is bad (RFC 6750 {@code invalid_token}). */
  public boolean isInvalidToken() {
    return status == 401 && !"token_missing".equals(code);
  }

  /** A failed {@code Future} carries its denial through composition without a stack trace. */
  public DeniedException asException() {
    return new DeniedException(this);
  }

  public static final class DeniedException extends RuntimeException {
    private final transient Denial denial;

    DeniedException(Denial denial) {
      super(denial.code(), null, false, false);
      this.denial = denial;
    }

    public Denial denial() {
      return denial;
    }
  }
}
