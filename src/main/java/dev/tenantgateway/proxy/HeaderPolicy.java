package dev.tenantgateway.proxy;

import dev.tenantgateway.tenant.Caller;
import io.vertx.core.MultiMap;
import io.vertx.core.http.HttpHeaders;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * The trust boundary on request headers. Every header whose name is reserved is removed, whatever its letter case,
 * with {@code _} read as {@code -} (CGI-style upstreams read {@code X_Tenant_Id} as {@code X-Tenant-Id}), every
 * duplicate of it, and also any header the client names in {@code Connection}; client {@code Forwarded} and
 * {@code X-Forwarded-*} go too. Then the verified values are set, once each. Nothing a client sends can reach the
 * upstream under a name the upstream trusts.
 */
public final class HeaderPolicy {

  /**
   * Headers a client may not remove by listing them in {@code Connection}: the message framing depends on them, and
   * {@code Upgrade} is how the proxy recognises a WebSocket handshake (it handles that hop itself).
   */
  private static final Set<String> FRAMING = Set.of("content-length", "transfer-encoding", "host", "upgrade");

  private final Set<String> reserved;
  // names as AsciiString, whose hash is computed once: set() on every request hashes the name
  private final CharSequence tenantName;
  private final CharSequence userName;
  private final CharSequence rolesName;
  private final CharSequence permissionsName;
  private final CharSequence appRolesName;
  /** The request id header, sent upstream and back to the client. */
  public static final CharSequence REQUEST_ID = HttpHeaders.createOptimized("X-Request-Id");
  private static final CharSequence X_FORWARDED_FOR = HttpHeaders.createOptimized("X-Forwarded-For");
  private static final CharSequence X_FORWARDED_PROTO = HttpHeaders.createOptimized("X-Forwarded-Proto");
  private static final CharSequence X_FORWARDED_HOST = HttpHeaders.createOptimized("X-Forwarded-Host");

  public HeaderPolicy(String tenantHeader, String userHeader, String rolesHeader, String permissionsHeader,
                      String appRolesHeader, List<String> extraReserved) {
    this.tenantName = HttpHeaders.createOptimized(tenantHeader);
    this.userName = HttpHeaders.createOptimized(userHeader);
    this.rolesName = HttpHeaders.createOptimized(rolesHeader);
    this.permissionsName = HttpHeaders.createOptimized(permissionsHeader);
    this.appRolesName = HttpHeaders.createOptimized(appRolesHeader);
    Set<String> names = new HashSet<>();
    for (String name : List.of(tenantHeader, userHeader, rolesHeader, permissionsHeader, appRolesHeader, REQUEST_ID.toString(),
        "forwarded", "x-real-ip")) {
      names.add(fold(name));
    }
    for (String name : extraReserved) {
      names.add(fold(name));
    }
    this.reserved = Set.copyOf(names);
    for (String name : this.reserved) {
      firstChars[name.charAt(0)] = true;
    }
    firstChars['x'] = true; // x-forwarded-*
    firstChars['f'] = true; // forwarded
  }

  private final boolean[] firstChars = new boolean[128];

  /** Cheap pre-check: could this name, folded, be reserved? Only names starting like a reserved one can. */
  private boolean mayBeReserved(String name) {
    if (name.isEmpty()) {
      return false;
    }
    char c = Character.toLowerCase(name.charAt(0));
    return c < 128 && firstChars[c];
  }

  /** The comparison form of a header name: lower case, with underscores read as hyphens. */
  public static String fold(String name) {
    return name.toLowerCase(Locale.ROOT).replace('_', '-');
  }

  public boolean isReserved(String headerName) {
    String folded = fold(headerName);
    return reserved.contains(folded) || folded.startsWith("x-forwarded-");
  }

  /**
   * Rewrites the request headers in place for forwarding.
   *
   * @param caller null on public routes: reserved headers are still removed, none is set
   * @param clientAddress the peer's address, for {@code X-Forwarded-For}
   * @param trustedPeer the peer is a configured trusted proxy: its {@code Forwarded} and {@code X-Forwarded-*}
   *     headers are kept, and the peer's address is appended to {@code X-Forwarded-For}
   */
  public void apply(MultiMap headers, Caller caller, boolean forwardAuthorization, String requestId,
                    String clientAddress, String scheme, String host, boolean trustedPeer) {
    List<String> remove = null;
    List<String> connectionListed = connectionTokens(headers);
    String forwardedFor = trustedPeer ? headers.get("X-Forwarded-For") : null;
    String forwardedProto = trustedPeer ? headers.get("X-Forwarded-Proto") : null;
    String forwardedHost = trustedPeer ? headers.get("X-Forwarded-Host") : null;
    for (Map.Entry<String, String> header : headers) {
      String name = header.getKey();
      if (connectionListed == null && !mayBeReserved(name)) {
        continue; // the common header: no allocation
      }
      String folded = fold(name);
      boolean proxyHeader = folded.startsWith("x-forwarded-") || folded.equals("forwarded");
      if ((reserved.contains(folded) && !(trustedPeer && proxyHeader)) || (proxyHeader && !trustedPeer)
          || (folded.startsWith("x-forwarded-") && !name.equalsIgnoreCase(folded))
          || (connectionListed != null && connectionListed.contains(folded) && !FRAMING.contains(folded))) {
        if (remove == null) {
          remove = new ArrayList<>(4);
        }
        remove.add(name);
      }
    }
    if (remove != null) {
      for (String name : remove) {
        // (a name listed twice is removed once: remove() takes every value)
        headers.remove(name);
      }
    }
    if (!forwardAuthorization) {
      headers.remove(HttpHeaders.AUTHORIZATION);
    }
    headers.set(REQUEST_ID, requestId);
    if (clientAddress != null) {
      headers.set(X_FORWARDED_FOR, forwardedFor == null ? clientAddress : forwardedFor + ", " + clientAddress);
    }
    headers.set(X_FORWARDED_PROTO, forwardedProto != null ? forwardedProto : scheme);
    if (forwardedHost != null || host != null) {
      headers.set(X_FORWARDED_HOST, forwardedHost != null ? forwardedHost : host);
    }
    if (caller != null) {
      if (caller.tenant() != null) {
        headers.set(tenantName, caller.tenant());
      }
      if (caller.user() != null) {
        headers.set(userName, caller.user());
      }
      headers.set(rolesName, caller.rolesHeader());
      headers.set(permissionsName, caller.permissionsHeader());
      if (!caller.appRoles().isEmpty()) {
        headers.set(appRolesName, caller.appRolesHeader());
      }
    }
  }

  private static List<String> connectionTokens(MultiMap headers) {
    List<String> values = headers.getAll(HttpHeaders.CONNECTION);
    if (values.isEmpty()) {
      return null;
    }
    List<String> tokens = new ArrayList<>();
    for (String value : values) {
      for (String token : value.split(",")) {
        String trimmed = token.trim();
        if (!trimmed.isEmpty()) {
          tokens.add(fold(trimmed));
        }
      }
    }
    return tokens;
  }
}
