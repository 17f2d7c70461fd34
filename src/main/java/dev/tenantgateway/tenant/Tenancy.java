package dev.tenantgateway.tenant;

import dev.tenantgateway.policy.Denial;
import dev.tenantgateway.policy.DenialCode;
import io.vertx.core.MultiMap;
import io.vertx.core.http.HttpHeaders;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * How a request may choose the tenant it acts in, when the token lists memberships: a path parameter
 * ({@code /orgs/{tenant}/...}), a tenant-switcher header, or a subdomain ({@code {tenant}.app.example.com}). The
 * choice is only a request: it is checked against the memberships the token carries.
 *
 * @param header the switcher header, or null when disabled
 * @param subdomainSuffix the host suffix after the {@code {tenant}} label (".app.example.com"), or null
 * @param pathParam the path parameter that names the tenant
 * @param mePath the path of the caller-introspection endpoint, or null when disabled
 * @param defaultToSingleMembership a token listing exactly one membership, with no tenant chosen, acts in it
 */
public record Tenancy(String header, String subdomainSuffix, String pathParam, String mePath,
                     boolean defaultToSingleMembership) {

  public Tenancy(String header, String subdomainSuffix, String pathParam, String mePath) {
    this(header, subdomainSuffix, pathParam, mePath, false);
  }

  public static Tenancy defaults() {
    return new Tenancy("X-Active-Tenant", null, "tenant", "/_gateway/me", false);
  }

  /** How a request chooses among the tenants its token lists, for the 403 that asks it to. */
  public String howToChoose() {
    List<String> ways = new ArrayList<>();
    if (header != null) {
      ways.add("the " + header + " header");
    }
    ways.add("a {" + pathParam + "} path parameter on routes that have one");
    if (subdomainSuffix != null) {
      ways.add("the subdomain {tenant}" + subdomainSuffix);
    }
    return "The token lists several tenants and the request chooses none; choose one with "
        + String.join(", or ", ways) + ".";
  }

  /**
   * The tenant the request asks for, or null when it names none: through the route's tenant path parameter (or the
   * {@code ?tenant=} query of the introspection endpoint), the switcher header and the subdomain. Every source that
   * names one must name the same: two different tenants are a 403 {@code tenant_mismatch}, two switcher headers a 400.
   *
   * @param fromPath the value of the tenant path parameter (or the query), or null
   */
  public String requested(String fromPath, MultiMap headers) {
    String requested = fromPath;
    if (header != null) {
      List<String> values = headers.getAll(header);
      if (values.size() > 1) {
        throw Denial.badRequest("Several " + header + " headers were sent.").asException();
      }
      requested = agree(requested, values.isEmpty() ? null : values.get(0).trim());
    }
    return agree(requested, fromHost(headers.get(HttpHeaders.HOST)));
  }

  private static String agree(String first, String second) {
    if (first == null || first.isEmpty()) {
      return second == null || second.isEmpty() ? null : second;
    }
    if (second != null && !second.isEmpty() && !second.equals(first)) {
      throw Denial.of(DenialCode.TENANT_MISMATCH, "The request names two different tenants.").asException();
    }
    return first;
  }

  /** The tenant the host names through the subdomain template, or null. */
  public String fromHost(String host) {
    if (subdomainSuffix == null || host == null) {
      return null;
    }
    if (host.isEmpty()) {
      return null;
    }
    int colon = host.lastIndexOf(':');
    if (colon > 0 && host.indexOf(']') < colon) {
      host = host.substring(0, colon);
    }
    host = host.toLowerCase(Locale.ROOT);
    if (!host.endsWith(subdomainSuffix) || host.length() == subdomainSuffix.length()) {
      return null;
    }
    String label = host.substring(0, host.length() - subdomainSuffix.length());
    return label.indexOf('.') >= 0 ? null : label;
  }
}
