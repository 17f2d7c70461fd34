package dev.tenantgateway.cors;

import dev.tenantgateway.policy.AllowedOrigin;
import dev.tenantgateway.policy.Denial;
import dev.tenantgateway.policy.DenialCode;
import io.vertx.core.MultiMap;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpMethod;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * One route's cross-origin policy (or the top-level one, for requests no route matched), compiled at load: origins in
 * a hash set, patterns compiled, every response header value already joined. The gateway owns the CORS headers of a
 * route with a policy: it answers the preflight itself, and on every other response it drops whatever
 * {@code Access-Control-*} headers the upstream sent and writes its own for an allowed origin only.
 *
 * <p>Never {@code *} with credentials (refused at load), never an Origin echoed unless an entry allowed it.
 */
public final class CorsPolicy {

  public static final CharSequence ORIGIN = HttpHeaders.ORIGIN;
  public static final CharSequence REQUEST_METHOD = HttpHeaders.createOptimized("Access-Control-Request-Method");
  public static final CharSequence REQUEST_HEADERS = HttpHeaders.createOptimized("Access-Control-Request-Headers");
  static final CharSequence ALLOW_ORIGIN = HttpHeaders.ACCESS_CONTROL_ALLOW_ORIGIN;
  static final CharSequence ALLOW_CREDENTIALS = HttpHeaders.ACCESS_CONTROL_ALLOW_CREDENTIALS;
  static final CharSequence ALLOW_METHODS = HttpHeaders.ACCESS_CONTROL_ALLOW_METHODS;
  static final CharSequence ALLOW_HEADERS = HttpHeaders.ACCESS_CONTROL_ALLOW_HEADERS;
  static final CharSequence EXPOSE_HEADERS = HttpHeaders.ACCESS_CONTROL_EXPOSE_HEADERS;
  static final CharSequence MAX_AGE = HttpHeaders.ACCESS_CONTROL_MAX_AGE;
  private static final List<CharSequence> OWNED = List.of(ALLOW_ORIGIN, ALLOW_CREDENTIALS, ALLOW_METHODS,
      ALLOW_HEADERS, EXPOSE_HEADERS, MAX_AGE);
  private static final String VARY_ACTUAL = "Origin";
  private static final String VARY_PREFLIGHT = "Origin, Access-Control-Request-Method, Access-Control-Request-Headers";

  private final Set<String> exact;
  private final AllowedOrigin[] patterns;
  private final boolean anyOrigin;
  private final boolean tenantOrigin;
  private final Set<HttpMethod> methods;
  private final String methodsValue;
  private final Set<String> headers;
  private final boolean anyHeader;
  private final String headersValue;
  private final String exposeValue;
  private final boolean credentials;
  private final String maxAgeValue;
  private final String description;

  private CorsPolicy(List<String> allowOrigins, boolean tenantOrigin, Collection<HttpMethod> allowMethods,
                     List<String> allowHeaders, List<String> exposeHeaders, boolean credentials, Duration maxAge) {
    Set<String> exact = new HashSet<>();
    List<AllowedOrigin> patterns = new ArrayList<>();
    boolean any = false;
    for (String entry : allowOrigins) {
      AllowedOrigin origin = AllowedOrigin.parse(entry);
      if (origin.isAny()) {
        any = true;
      } else if (origin.isPattern()) {
        patterns.add(origin);
      } else {
        exact.add(origin.text());
      }
    }
    this.exact = Set.copyOf(exact);
    this.patterns = patterns.toArray(new AllowedOrigin[0]);
    this.anyOrigin = any;
    this.tenantOrigin = tenantOrigin;
    this.methods = Set.copyOf(allowMethods);
    this.methodsValue = String.join(", ", allowMethods.stream().map(HttpMethod::name).sorted().toList());
    Set<String> headers = new HashSet<>();
    boolean anyHeader = false;
    for (String h : allowHeaders) {
      if (h.equals("*")) {
        anyHeader = true;
      } else {
        headers.add(h.toLowerCase(Locale.ROOT));
      }
    }
    this.headers = Set.copyOf(headers);
    this.anyHeader = anyHeader;
    this.headersValue = anyHeader || allowHeaders.isEmpty() ? null : String.join(", ", allowHeaders);
    this.exposeValue = exposeHeaders.isEmpty() ? null : String.join(", ", exposeHeaders);
    this.credentials = credentials;
    this.maxAgeValue = maxAge == null ? null : Long.toString(maxAge.toSeconds());
    this.description = "origins " + allowOrigins + (tenantOrigin ? " bound to the caller's tenant" : "")
        + ", methods " + methodsValue + ", headers " + (anyHeader ? "any" : allowHeaders)
        + (credentials ? ", with credentials" : "");
  }

  /**
   * A policy from its settings, already validated (the origins were checked when routes.yaml was read); the
   * compile step ({@code compile.CorsCompiler}) turns the model's {@code cors:} section into these arguments.
   *
   * @param allowMethods the methods a preflight may ask for (the route's own where the policy lists none)
   * @param maxAge how long a browser may cache a preflight, or null for the browser's default
   */
  public static CorsPolicy of(List<String> allowOrigins, boolean tenantOrigin, Collection<HttpMethod> allowMethods,
                              List<String> allowHeaders, List<String> exposeHeaders, boolean credentials,
                              Duration maxAge) {
    return new CorsPolicy(allowOrigins, tenantOrigin, allowMethods, allowHeaders, exposeHeaders, credentials, maxAge);
  }

  /** Whether an Origin matches an entry (exactly, a pattern, or {@code *}), before the tenant is known. */
  public boolean allowsOrigin(String origin) {
    return anyOrigin || exact.contains(origin) || patternTenant(origin) != null;
  }

  /**
   * Whether the response to {@code origin} may be read by it, for a caller acting in {@code tenant} (null: no tenant
   * known, as on public routes or before the tenant stage). An exact entry or {@code *} always allows; with
   * {@code tenant_origin} a pattern allows only when its {@code {tenant}} is the caller's tenant.
   */
  public boolean allows(String origin, String tenant) {
    if (anyOrigin || exact.contains(origin)) {
      return true;
    }
    String label = patternTenant(origin);
    return label != null && (!tenantOrigin || tenant == null || label.equalsIgnoreCase(tenant));
  }

  /**
   * The refusal when an Origin allowed only through a {@code {tenant}} pattern names another tenant than the
   * caller's active one; null when it is fine.
   */
  public Denial checkTenant(String origin, String tenant) {
    if (!tenantOrigin || tenant == null || anyOrigin || exact.contains(origin)) {
      return null;
    }
    String label = patternTenant(origin);
    if (label == null || label.equalsIgnoreCase(tenant)) {
      return null;
    }
    return Denial.of(DenialCode.CORS_TENANT_MISMATCH, "The page's origin belongs to tenant '" + label
        + "', but the request acts in another tenant.");
  }

  public boolean tenantOrigin() {
    return tenantOrigin;
  }

  private String patternTenant(String origin) {
    for (AllowedOrigin pattern : patterns) {
      String label = pattern.tenantOf(origin);
      if (label != null) {
        return label;
      }
    }
    return null;
  }

  /** Null when the preflight may be answered with the headers, or why it is refused. */
  public Denial checkPreflight(String origin, String method, String requestHeaders) {
    if (!allowsOrigin(origin)) {
      return Denial.of(DenialCode.CORS_REFUSED, "The origin " + printable(origin) + " may not call this route.");
    }
    if (!methods.contains(HttpMethod.valueOf(method))) {
      return Denial.of(DenialCode.CORS_REFUSED, "Cross-origin " + printable(method)
          + " requests are not allowed on this route; allowed: " + methodsValue + ".");
    }
    if (requestHeaders != null && !anyHeader) {
      for (String name : requestHeaders.split(",")) {
        String header = name.trim().toLowerCase(Locale.ROOT);
        if (!header.isEmpty() && !headers.contains(header)) {
          return Denial.of(DenialCode.CORS_REFUSED, "The request header " + printable(header)
              + " is not allowed on cross-origin requests to this route.");
        }
      }
    }
    return null;
  }

  /** The answer to an allowed preflight (its status is the caller's: 204). */
  public void writePreflight(MultiMap response, String origin, String requestHeaders) {
    response.set(ALLOW_ORIGIN, anyOrigin && !credentials ? "*" : origin);
    if (credentials) {
      response.set(ALLOW_CREDENTIALS, "true");
    }
    response.set(ALLOW_METHODS, methodsValue);
    String allowHeaders = anyHeader ? requestHeaders : headersValue;
    if (allowHeaders != null && !allowHeaders.isBlank()) {
      response.set(ALLOW_HEADERS, allowHeaders);
    }
    if (maxAgeValue != null) {
      response.set(MAX_AGE, maxAgeValue);
    }
    response.set(HttpHeaders.VARY, VARY_PREFLIGHT);
  }

  /**
   * The CORS headers of any other response (forwarded or refused by the gateway): the upstream's own
   * {@code Access-Control-*} headers are dropped, {@code Vary: Origin} is added, and for an allowed origin
   * {@code Access-Control-Allow-Origin} (with credentials and exposed headers as configured).
   */
  public void writeActual(MultiMap response, String origin, String tenant) {
    for (CharSequence name : OWNED) {
      response.remove(name);
    }
    addVaryOrigin(response);
    if (!allows(origin, tenant)) {
      return;
    }
    response.set(ALLOW_ORIGIN, anyOrigin && !credentials ? "*" : origin);
    if (credentials) {
      response.set(ALLOW_CREDENTIALS, "true");
    }
    if (exposeValue != null) {
      response.set(EXPOSE_HEADERS, exposeValue);
    }
  }

  private static void addVaryOrigin(MultiMap response) {
    for (String vary : response.getAll(HttpHeaders.VARY)) {
      for (String token : vary.split(",")) {
        String t = token.trim();
        if (t.equals("*") || t.equalsIgnoreCase("Origin")) {
          return;
        }
      }
    }
    response.add(HttpHeaders.VARY, VARY_ACTUAL);
  }

  /** A client-sent value, cut short and reduced to printable ASCII, for a problem detail. */
  private static String printable(String text) {
    StringBuilder b = new StringBuilder("'");
    for (int i = 0; i < text.length() && i < 100; i++) {
      char c = text.charAt(i);
      b.append(c >= 0x20 && c < 0x7F && c != '\'' ? c : '?');
    }
    return b.append('\'').toString();
  }

  @Override
  public String toString() {
    return description;
  }
}
