package dev.tenantgateway.tenant;

import io.vertx.core.json.JsonObject;

import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * A list-valued field of a claim mapping (roles, permissions, application roles), compiled at load time: the claim
 * paths it reads, whether the first present path wins or all are joined, and the transforms its values go through, in
 * this order:
 * <ol>
 *   <li>split: a single string is split on white space ({@code scope}), on commas, or kept whole; array items are
 *       never split, so {@code ["Tenant Admin"]} is one role;</li>
 *   <li>drop the standard OIDC scopes ({@code openid}, {@code profile}, {@code email}, {@code address},
 *       {@code phone}, {@code offline_access}, Keycloak's {@code organization} and {@code organization:*}), on by
 *       default;</li>
 *   <li>keep only values with a prefix or matching a pattern;</li>
 *   <li>strip a prefix, then add one.</li>
 * </ol>
 *
 * <p>{@code global} says the values are application-wide: they count in every tenant the caller acts in, not only in
 * the tenant the token names. Nothing is global unless the configuration says so.
 */
public final class ClaimValues {

  /** How a string value (not an array item) is cut into values. */
  public enum Split {
    SPACE, COMMA, NONE
  }

  /** Values computed from several claims at once, as a provider's SDK does. */
  public enum Decoder {
    /** Clerk session token v2: {@code org:<feature>:<permission>} from {@code o.per}, {@code o.fpm} and {@code fea}. */
    CLERK_ORG_PERMISSIONS
  }

  static final Set<String> OIDC_SCOPES = Set.of("openid", "profile", "email", "address", "phone", "offline_access",
      "organization");

  public static final ClaimValues NONE = new ClaimValues(List.of(), false, Split.SPACE, true, null, null, null, null,
      false, null);

  private final List<ClaimPath> paths;
  private final boolean firstPresent;
  private final Split split;
  private final boolean dropOidcScopes;
  private final String keepPrefix;
  private final Pattern keepPattern;
  private final String stripPrefix;
  private final String addPrefix;
  private final boolean global;
  private final Decoder decoder;

  public ClaimValues(List<ClaimPath> paths, boolean firstPresent, Split split, boolean dropOidcScopes, String keepPrefix,
                     Pattern keepPattern, String stripPrefix, String addPrefix, boolean global, Decoder decoder) {
    this.paths = List.copyOf(paths);
    this.firstPresent = firstPresent;
    this.split = split;
    this.dropOidcScopes = dropOidcScopes;
    this.keepPrefix = keepPrefix;
    this.keepPattern = keepPattern;
    this.stripPrefix = stripPrefix;
    this.addPrefix = addPrefix;
    this.global = global;
    this.decoder = decoder;
  }

  /** The plain reading of some paths: all joined, split on white space, OIDC scopes dropped. */
  public static ClaimValues of(List<ClaimPath> paths) {
    return new ClaimValues(paths, false, Split.SPACE, true, null, null, null, null, false, null);
  }

  public boolean isEmpty() {
    return paths.isEmpty() && decoder == null;
  }

  public boolean global() {
    return global;
  }

  public List<ClaimPath> paths() {
    return paths;
  }

  /** Adds the values this field finds in {@code root} (the token's claims, or one membership entry) to {@code out}. */
  public void read(Object root, Collection<String> out) {
    if (decoder == Decoder.CLERK_ORG_PERMISSIONS) {
      if (root instanceof JsonObject claims) {
        for (String value : clerkOrgPermissions(claims)) {
          accept(value, out);
        }
      }
      return;
    }
    List<String> raw = new ArrayList<>();
    for (ClaimPath path : paths) {
      raw.clear();
      boolean[] present = new boolean[1];
      path.walkFrom(root, value -> {
        present[0] = true;
        collect(value, raw);
      });
      for (String value : raw) {
        accept(value, out);
      }
      if (firstPresent && present[0]) {
        return;
      }
    }
  }

  public List<String> read(Object root) {
    List<String> out = new ArrayList<>();
    read(root, out);
    return out;
  }

  private void collect(Object value, List<String> raw) {
    if (value instanceof String s) {
      switch (split) {
        case SPACE -> ClaimPath.split(s, (char) 0, raw);
        case COMMA -> ClaimPath.split(s, ',', raw);
        default -> {
          if (!s.isEmpty()) {
            raw.add(s);
          }
        }
      }
    } else if (ClaimPath.asIterable(value) != null) {
      for (Object element : ClaimPath.asIterable(value)) {
        if (element instanceof String s && !s.isEmpty()) {
          raw.add(s);
        }
      }
    }
  }

  private void accept(String value, Collection<String> out) {
    if (dropOidcScopes && isOidcScope(value)) {
      return;
    }
    if (keepPrefix != null && !value.startsWith(keepPrefix)) {
      return;
    }
    if (keepPattern != null && !keepPattern.matcher(value).matches()) {
      return;
    }
    if (stripPrefix != null && value.startsWith(stripPrefix)) {
      value = value.substring(stripPrefix.length());
    }
    if (addPrefix != null) {
      value = addPrefix + value;
    }
    if (!value.isEmpty()) {
      out.add(value);
    }
  }

  static boolean isOidcScope(String value) {
    return OIDC_SCOPES.contains(value) || value.startsWith("organization:");
  }

  /**
   * Clerk's v2 session token lists the active organization's permission names in {@code o.per} (comma-separated),
   * the organization-scoped features in {@code fea} ({@code o:invoices,u:reports}), and in {@code o.fpm} one
   * integer per organization feature whose bit {@code i} (least significant first) grants permission {@code i}: the
   * permission is then {@code org:<feature>:<permission>}, as Clerk's own SDK computes it.
   */
  static List<String> clerkOrgPermissions(JsonObject claims) {
    List<String> result = new ArrayList<>();
    Object o = claims.getValue("o");
    if (!(o instanceof JsonObject org)) {
      return result;
    }
    Object per = org.getValue("per");
    Object fpm = org.getValue("fpm") != null ? org.getValue("fpm") : org.getValue("fpe");
    Object fea = claims.getValue("fea");
    if (!(per instanceof String perText) || fpm == null || !(fea instanceof String feaText)) {
      return result;
    }
    List<String> permissions = new ArrayList<>();
    ClaimPath.split(perText, ',', permissions);
    List<String> features = new ArrayList<>();
    List<String> scoped = new ArrayList<>();
    ClaimPath.split(feaText, ',', scoped);
    for (String entry : scoped) {
      int colon = entry.indexOf(':');
      if (colon > 0 && entry.substring(0, colon).indexOf('o') >= 0 && colon + 1 < entry.length()) {
        features.add(entry.substring(colon + 1));
      }
    }
    List<String> masks = new ArrayList<>();
    if (fpm instanceof String fpmText) {
      ClaimPath.split(fpmText, ',', masks);
    } else if (ClaimPath.asIterable(fpm) != null) {
      for (Object item : ClaimPath.asIterable(fpm)) {
        masks.add(String.valueOf(item));
      }
    } else {
      masks.add(String.valueOf(fpm));
    }
    for (int f = 0; f < features.size() && f < masks.size(); f++) {
      long mask;
      try {
        mask = Long.parseLong(masks.get(f).trim());
      } catch (NumberFormatException e) {
        continue;
      }
      for (int bit = 0; bit < permissions.size() && bit < 63; bit++) {
        if ((mask & (1L << bit)) != 0) {
          result.add("org:" + features.get(f) + ":" + permissions.get(bit));
        }
      }
    }
    return result;
  }

  @Override
  public String toString() {
    return paths.toString();
  }
}
