package dev.tenantgateway.state;

import io.vertx.core.Future;

import java.util.List;
import java.util.Map;

/**
 * The roles of (user, tenant) for identity providers whose tokens carry only the identity. A replica answers from a
 * small local cache kept fresh by invalidation, so removing someone from a tenant takes effect everywhere quickly.
 */
public interface MembershipStore {

  /** Every tenant the user belongs to, with their roles there (empty when none). */
  Future<Map<String, List<String>>> memberships(String user);

  Future<Void> set(String user, String tenant, List<String> roles);

  Future<Void> remove(String user, String tenant);
}
