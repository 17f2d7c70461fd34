package dev.tenantgateway.routing;

/**
 * A route's constraint on the value of one of its path parameters, checked once the caller's tenant is known. The
 * route only names the parameter; what the value is checked against is the tenant package's
 * ({@code tenant.ResourceClaim}), so matching knows nothing of tenants.
 */
public interface ResourceRule {

  /** The path parameter whose value is checked. */
  String param();
}
