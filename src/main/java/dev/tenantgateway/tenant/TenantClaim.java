package dev.tenantgateway.tenant;

import io.vertx.core.json.JsonObject;

import java.util.ArrayList;
import java.util.List;

/**
 * Where the token names its active tenant: one or more claim paths (the first that holds a value wins), and
 * optionally a prefix and a suffix that mark the tenant value and are removed from it (Logto organization tokens
 * carry {@code aud: "urn:logto:organization:<id>"}). When a path reaches several values (an audience array), only
 * those with the prefix and suffix count.
 */
public record TenantClaim(List<ClaimPath> paths, String prefix, String suffix) {

  public TenantClaim {
    paths = List.copyOf(paths);
    prefix = prefix == null ? "" : prefix;
    suffix = suffix == null ? "" : suffix;
  }

  public TenantClaim(ClaimPath path, String prefix) {
    this(List.of(path), prefix, null);
  }

  /** The tenant ids the token names through this claim (usually zero or one). */
  public List<String> tenants(JsonObject claims) {
    List<String> found = new ArrayList<>();
    for (ClaimPath path : paths) {
      for (String value : path.strings(claims)) {
        if (value.length() > prefix.length() + suffix.length() && value.startsWith(prefix) && value.endsWith(suffix)) {
          found.add(value.substring(prefix.length(), value.length() - suffix.length()));
        }
      }
      if (!found.isEmpty()) {
        return found;
      }
    }
    return found;
  }
}
