package dev.tenantgateway.routing;

import java.time.Duration;

/**
 * A route's fixed-window limit: {@code requests} per {@code per}, counted by {@code tenant}, {@code user} or
 * {@code tenant_user} (a user within a tenant).
 */
public record RateLimitRule(long requests, Duration per, String by) {

  /** The counter this request draws from; null parts (no tenant on the route) count together. */
  public String key(String routeId, String tenant, String user) {
    return switch (by) {
      case "user" -> routeId + ":u:" + user;
      case "tenant_user" -> routeId + ":tu:" + tenant + ":" + user;
      default -> routeId + ":t:" + tenant;
    };
  }
}
