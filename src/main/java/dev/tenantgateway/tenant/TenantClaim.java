package dev.tenantgateway.tenant;

import io.vertx.core.json.JsonObject;

import java.util.ArrayList;
import java.util.List;

/**
 * Where the token names its active tenant: one or more claim paths (the first that holds a value wins), and
 * optionally a prefix and a suffix that mark the tenant value and are removed from it (Logto organization tokens
 * carry {@code aud: "urn:logto:organization:<id>"}). When a path reaches several values (an audience array), only
 * those with the prefix and suffix count. A map names its keys ({@code organization: {acme: {...}}} names acme), or,
 * with {@code idField}, the id inside each entry; a map with several keys names several tenants, which the resolver
 * refuses.
 */
public record TenantClaim(List<ClaimPath> paths, String prefix, String suffix, ClaimPath idField) {

  public TenantClaim {
    paths = List.copyOf(paths);
    prefix = prefix == null ? "" : prefix;
    suffix = suffix == null ? "" : suffix;
  }

  public TenantClaim(List<ClaimPath> paths, String prefix, String suffix) {
    this(paths, prefix, suffix, null);
  }

  public TenantClaim(ClaimPath path, String prefix) {
    this(List.of(path), prefix, null, null);
  }

  /** The tenant ids the token names through this claim (usually zero or one). */
  public List<String> tenants(JsonObject claims) {
    List<String> found = new ArrayList<>();
    for (ClaimPath path : paths) {
      List<String> values = new ArrayList<>();
      path.forEach(claims, value -> {
        if (value instanceof JsonObject map) {
          for (String key : map.fieldNames()) {
            Object id = idField == null ? null : idField.first(map.getValue(key) instanceof JsonObject e ? e : new JsonObject());
            values.add(id instanceof String s ? s : key);
          }
        } else if (value instanceof String s) {
          ClaimPath.splitOnWhitespace(s, values);
        } else if (ClaimPath.asIterable(value) != null) {
          for (Object item : ClaimPath.asIterable(value)) {
            if (item instanceof String s) {
              values.add(s);
            }
          }
        }
      });
      for (String value : values) {
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
