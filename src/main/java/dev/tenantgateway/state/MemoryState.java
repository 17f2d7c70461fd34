package dev.tenantgateway.state;

import io.vertx.core.Future;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/** The embedded default: revocations, memberships and rate-limit windows in this process's memory. */
public final class MemoryState implements RevocationStore, MembershipStore, RateLimiter {

  private final Map<String, Long> revokedJtis = new ConcurrentHashMap<>();
  private final Map<String, Long> usersBefore = new ConcurrentHashMap<>();
  private final Map<String, Long> tenantsBefore = new ConcurrentHashMap<>();
  private final Map<String, Map<String, List<String>>> memberships = new ConcurrentHashMap<>();
  private final Map<String, long[]> windows = new ConcurrentHashMap<>();

  /** The same answer as {@link #isRevoked}, without a future, for the synchronous hot path. */
  public boolean isRevokedNow(dev.tenantgateway.auth.VerifiedToken token, String user, String tenant) {
    if (revokedJtis.isEmpty() && usersBefore.isEmpty() && tenantsBefore.isEmpty()) {
      return false;
    }
    Object jti = token.claims().getValue("jti");
    Object iat = token.claims().getValue("iat");
    return isRevoked(jti instanceof String s ? s : null, user, tenant, iat instanceof Number n ? n.longValue() : 0).result();
  }

  @Override
  public Future<Boolean> isRevoked(String jti, String user, String tenant, long issuedAt) {
    long now = System.currentTimeMillis() / 1000;
    if (jti != null) {
      Long until = revokedJtis.get(jti);
      if (until != null) {
        if (until > now) {
          return Future.succeededFuture(true);
        }
        revokedJtis.remove(jti, until);
      }
    }
    Long userBefore = user == null ? null : usersBefore.get(user);
    Long tenantBefore = tenant == null ? null : tenantsBefore.get(tenant);
    return Future.succeededFuture((userBefore != null && issuedAt < userBefore)
        || (tenantBefore != null && issuedAt < tenantBefore));
  }

  @Override
  public Future<Void> revokeToken(String jti, long expiresAt) {
    revokedJtis.put(jti, expiresAt);
    return Future.succeededFuture();
  }

  @Override
  public Future<Void> revokeUser(String user, long before) {
    usersBefore.merge(user, before, Math::max);
    return Future.succeededFuture();
  }

  @Override
  public Future<Void> revokeTenant(String tenant, long before) {
    tenantsBefore.merge(tenant, before, Math::max);
    return Future.succeededFuture();
  }

  @Override
  public Future<Map<String, List<String>>> memberships(String user) {
    Map<String, List<String>> found = memberships.get(user);
    return Future.succeededFuture(found == null ? Map.of() : Map.copyOf(found));
  }

  @Override
  public Future<Void> set(String user, String tenant, List<String> roles) {
    memberships.computeIfAbsent(user, u -> new ConcurrentHashMap<>()).put(tenant, List.copyOf(roles));
    return Future.succeededFuture();
  }

  @Override
  public Future<Void> remove(String user, String tenant) {
    Map<String, List<String>> found = memberships.get(user);
    if (found != null) {
      found.remove(tenant);
    }
    return Future.succeededFuture();
  }

  @Override
  public Future<Outcome> acquire(String key, long limit, long windowMillis) {
    long now = System.currentTimeMillis();
    // each step stores a new array, so what compute returns is this request's own view
    long[] window = windows.compute(key, (k, w) -> w == null || w[1] <= now
        ? new long[] {1, now + windowMillis} : new long[] {w[0] + 1, w[1]});
    long count = window[0];
    long resetAt = window[1];
    if (windows.size() > 100_000) {
      windows.entrySet().removeIf(e -> e.getValue()[1] <= now); // bounded: expired windows go
    }
    return Future.succeededFuture(new Outcome(count <= limit, limit, Math.max(0, limit - count),
        Math.max(1, (resetAt - now + 999) / 1000)));
  }

  /** Lists memberships for the admin API, sorted by tenant. */
  public Map<String, List<String>> snapshot(String user) {
    Map<String, List<String>> out = new LinkedHashMap<>();
    Map<String, List<String>> found = memberships.get(user);
    if (found != null) {
      new ArrayList<>(found.keySet()).stream().sorted().forEach(t -> out.put(t, found.get(t)));
    }
    return out;
  }
}
