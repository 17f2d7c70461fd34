package dev.tenantgateway.cors;

import java.util.Map;

/**
 * Which cross-origin policy a request falls under: its route's, or the top-level one where no route matched (a 404
 * or the caller-introspection endpoint). Absent from the snapshot (null) when routes.yaml configures CORS nowhere,
 * so that gateway does no CORS work at all.
 *
 * <p>A route's policy is kept here beside the route table, keyed by the route's id, so that routes know nothing of
 * CORS; the compile step ({@code compile.CorsCompiler}) builds it once per load.
 */
public final class CorsRules {

  private final CorsPolicy global;
  private final Map<String, CorsPolicy> byRoute;
  private final boolean tenantBound;

  private CorsRules(CorsPolicy global, Map<String, CorsPolicy> byRoute) {
    this.global = global;
    this.byRoute = Map.copyOf(byRoute);
    boolean tenantBound = global != null && global.tenantOrigin();
    for (CorsPolicy policy : this.byRoute.values()) {
      tenantBound |= policy.tenantOrigin();
    }
    this.tenantBound = tenantBound;
  }

  /**
   * The rules, or null when neither the top level nor any route has a policy.
   *
   * @param global the top-level policy (for requests no route matched), or null
   * @param byRoute each route's policy (its own merged over the top-level one) by route id; routes without one absent
   */
  public static CorsRules of(CorsPolicy global, Map<String, CorsPolicy> byRoute) {
    return global == null && byRoute.isEmpty() ? null : new CorsRules(global, byRoute);
  }

  /** The policy for a request that matched the route {@code routeId}, or (null) matched none; null: no CORS there. */
  public CorsPolicy policyFor(String routeId) {
    return routeId != null ? byRoute.get(routeId) : global;
  }

  /** Whether some policy binds {@code {tenant}} origins to the caller's tenant. */
  public boolean tenantBound() {
    return tenantBound;
  }
}
