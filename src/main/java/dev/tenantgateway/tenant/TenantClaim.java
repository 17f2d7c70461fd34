package dev.tenantgateway.tenant;

import io.vertx.core.json.JsonObject;

import java.util.ArrayList;
import java.util.List;

/**
 * Where the token names its active tenant: a claim path, and optionally a prefix that marks and is removed from the
 * tenant value (Logto organization tokens carry {@code aud: "urn:logto:organization:<id>"}). When the path reaches
 * several values (an audience array), exactly one must carry the prefix.
 */
public record TenantClaim(ClaimPath path, String prefix) {

  /** The tenant ids the token names through this claim (usually zero or one). */
  public List<String> tenants(JsonObject claims) {
    List<String> found = new ArrayList<>();
    for (String value : path.strings(claims)) {
      if (prefix == null || prefix.isEmpty()) {
        found.add(value);
      } else if (value.startsWith(prefix) && value.length() > prefix.length()) {
        found.add(value.substring(prefix.length()));
      }
    }
    return found;
  }
}
