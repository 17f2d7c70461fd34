package dev.tenantgateway.policy;

import java.util.List;

/**
 * Why a request stops before the upstream: a {@link DenialCode} (status, stable code, title) and a detail that is
 * safe to show the client. One responder renders it ({@link ProblemResponder}); stages only create it.
 *
 * @param required the permissions the route requires, shown on 403 {@code permission_denied} (never what the caller has)
 */
public record Denial(DenialCode reason, String detail, List<String> required, long retryAfterSeconds) {

  public Denial {
    required = required == null ? List.of() : List.copyOf(required);
  }

  public static Denial of(DenialCode reason, String detail) {
    return new Denial(reason, detail, List.of(), 0);
  }

  public int status() {
    return reason.status();
  }

  /** The stable machine-readable code. */
  public String code() {
    return reason.code();
  }

  public String title() {
    return reason.title();
  }

  public static Denial badRequest(String detail) {
    return of(DenialCode.BAD_REQUEST, detail);
  }

  public static Denial routeNotFound() {
    return of(DenialCode.ROUTE_NOT_FOUND, "No route matches this method and path.");
  }

  /** 405: the path exists with other methods; the responder's caller sends {@code Allow} with them. */
  public static Denial methodNotAllowed() {
    return of(DenialCode.METHOD_NOT_ALLOWED,
        "This path does not accept this method; the Allow header lists the methods it accepts.");
  }

  /** 501: a method the gateway never routes (method names are case-sensitive). */
  public static Denial notImplemented() {
    return of(DenialCode.NOT_IMPLEMENTED, "The gateway does not implement this method.");
  }

  /** 400: a WebSocket upgrade on a route without {@code websocket: true}. */
  public static Denial websocketNotAllowed() {
    return of(DenialCode.WEBSOCKET_NOT_ALLOWED, "This route does not accept WebSocket upgrades.");
  }

  public static Denial tokenMissing() {
    return of(DenialCode.TOKEN_MISSING, "This route requires a Bearer token.");
  }

  public static Denial tokenInvalid(String detail) {
    return of(DenialCode.TOKEN_INVALID, detail);
  }

  public static Denial tokenExpired() {
    return of(DenialCode.TOKEN_EXPIRED, "The token has expired.");
  }

  public static Denial issuerUnknown() {
    return of(DenialCode.ISSUER_UNKNOWN, "The token's issuer is not configured on this gateway.");
  }

  public static Denial tenantRequired() {
    return of(DenialCode.TENANT_REQUIRED, "This route requires a tenant and the token names none.");
  }

  public static Denial permissionDenied(List<String> required) {
    return new Denial(DenialCode.PERMISSION_DENIED,
        "The caller lacks a permission this route requires in the active tenant.", required, 0);
  }

  public static Denial upstreamUnavailable() {
    return of(DenialCode.UPSTREAM_UNAVAILABLE, "The upstream service could not be reached.");
  }

  public static Denial upstreamTimeout() {
    return of(DenialCode.UPSTREAM_TIMEOUT, "The upstream service did not answer in time.");
  }

  /** True for the 401 codes that say the presented token itself is bad (RFC 6750 {@code invalid_token}). */
  public boolean isInvalidToken() {
    return reason.status() == 401 && reason != DenialCode.TOKEN_MISSING && reason != DenialCode.ADMIN_UNAUTHORIZED;
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
