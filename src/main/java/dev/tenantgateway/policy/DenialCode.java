package dev.tenantgateway.policy;

/**
 * Every reason the gateway answers instead of the upstream: the stable {@code code} clients read, its HTTP status and
 * the problem title. One list, so a status or a title is decided once; the detail of each case stays with the stage
 * that denies.
 */
public enum DenialCode {
  BAD_REQUEST(400, "bad_request", "Bad request"),
  TOO_MANY_HEADERS(431, "bad_request", "Too many header fields"),
  TOKEN_MISSING(401, "token_missing", "Authentication required"),
  TOKEN_INVALID(401, "token_invalid", "Invalid token"),
  TOKEN_EXPIRED(401, "token_expired", "Token expired"),
  ISSUER_UNKNOWN(401, "issuer_unknown", "Unknown issuer"),
  TOKEN_REVOKED(401, "token_revoked", "Token revoked"),
  TENANT_REQUIRED(403, "tenant_required", "Tenant required"),
  TENANT_FORBIDDEN(403, "tenant_forbidden", "Tenant forbidden"),
  TENANT_MISMATCH(403, "tenant_mismatch", "Tenant mismatch"),
  PERMISSION_DENIED(403, "permission_denied", "Permission denied"),
  RESOURCE_FORBIDDEN(403, "resource_forbidden", "Resource forbidden"),
  /** A CORS preflight the route's policy does not allow (origin, method or a request header); never forwarded. */
  CORS_REFUSED(403, "cors_refused", "Cross-origin request refused"),
  /** The Origin matched a {tenant} pattern bound to the caller's tenant ({@code tenant_origin}) but names another. */
  CORS_TENANT_MISMATCH(403, "cors_tenant_mismatch", "Origin of another tenant"),
  ROUTE_NOT_FOUND(404, "route_not_found", "Not found"),
  METHOD_NOT_ALLOWED(405, "method_not_allowed", "Method not allowed"),
  WEBSOCKET_NOT_ALLOWED(400, "websocket_not_allowed", "WebSocket not allowed"),
  /** The request body did not arrive within {@code request_body_timeout} (or below {@code min_rate}). */
  BODY_TIMEOUT(408, "body_timeout", "Request body timeout"),
  BODY_TOO_LARGE(413, "body_too_large", "Request body too large"),
  RATE_LIMITED(429, "rate_limited", "Too many requests"),
  INTERNAL_ERROR(500, "internal_error", "Internal error"),
  NOT_IMPLEMENTED(501, "not_implemented", "Not implemented"),
  UPSTREAM_UNAVAILABLE(502, "upstream_unavailable", "Upstream unavailable"),
  /** Every pooled connection to the upstream stayed busy for {@code pool_timeout}; sent with Retry-After. */
  UPSTREAM_BUSY(503, "upstream_busy", "Upstream busy"),
  STATE_UNAVAILABLE(503, "state_unavailable", "State unavailable"),
  /** The admin API: the state store did not confirm a write in time (it may or may not have taken effect). */
  STATE_OUTCOME_UNKNOWN(503, "state_outcome_unknown", "Outcome unknown"),
  UPSTREAM_TIMEOUT(504, "upstream_timeout", "Upstream timeout"),
  /** The admin API: no or a wrong API token. */
  ADMIN_UNAUTHORIZED(401, "unauthorized", "Unauthorized"),
  /** The admin API: a request it cannot act on (bad JSON, a missing field). */
  ADMIN_BAD_REQUEST(400, "bad_request", "Bad request"),
  /** The admin API: no such endpoint. */
  ADMIN_NOT_FOUND(404, "not_found", "Not found");

  private final int status;
  private final String code;
  private final String title;

  DenialCode(int status, String code, String title) {
    this.status = status;
    this.code = code;
    this.title = title;
  }

  public int status() {
    return status;
  }

  /** The stable machine-readable code of the problem body. */
  public String code() {
    return code;
  }

  public String title() {
    return title;
  }
}
