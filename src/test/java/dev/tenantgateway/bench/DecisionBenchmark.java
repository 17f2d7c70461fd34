package dev.tenantgateway.bench;

import dev.tenantgateway.auth.CryptoProviders;
import dev.tenantgateway.auth.Issuer;
import dev.tenantgateway.auth.KeySources;
import dev.tenantgateway.auth.TokenVerifier;
import dev.tenantgateway.auth.VerifiedToken;
import dev.tenantgateway.policy.PermissionSet;
import dev.tenantgateway.policy.Requirement;
import dev.tenantgateway.routing.PathNormalizer;
import dev.tenantgateway.routing.PathTemplate;
import dev.tenantgateway.routing.Route;
import dev.tenantgateway.routing.RouteMatch;
import dev.tenantgateway.routing.RouteTable;
import dev.tenantgateway.support.TestIssuer;
import dev.tenantgateway.tenant.AppRoles;
import dev.tenantgateway.tenant.Caller;
import dev.tenantgateway.tenant.ClaimMapping;
import dev.tenantgateway.tenant.ClaimPath;
import dev.tenantgateway.tenant.RoleTemplate;
import dev.tenantgateway.tenant.TenantClaim;
import dev.tenantgateway.tenant.TenantResolver;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonArray;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;

/**
 * The per-request decision path without the network: normalize, match, verify (cached and uncached), resolve the
 * caller, authorize. Run with {@code bench/jmh.sh}.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(1)
public class DecisionBenchmark {

  RouteTable table;
  TokenVerifier verifier;
  TenantResolver resolver;
  String token;
  char[] tokenChars;
  String[] freshTokens;
  int next;
  VerifiedToken verified;
  Requirement require;

  @Setup
  public void setUp() {
    CryptoProviders.install();
    TestIssuer issuer = new TestIssuer("https://idp.example.test");
    ClaimMapping claims = new ClaimMapping(ClaimPath.parse("sub"), new TenantClaim(ClaimPath.parse("org_code"), null),
        List.of(ClaimPath.parse("permissions"), ClaimPath.parse("scope")), List.of(ClaimPath.parse("roles")));
    Issuer bench = new Issuer("bench", "https://idp.example.test", Set.of("gateway"), Set.of("RS256"), 30, null, claims,
        KeySources.pem(TestIssuer.pem(issuer.key("rsa-1")), Set.of("RS256")));
    verifier = new TokenVerifier(Map.of(bench.issuer(), bench), 10_000, () -> System.currentTimeMillis() / 1000);
    resolver = new TenantResolver(new RoleTemplate(Map.of("viewer", List.of("projects:read"))), AppRoles.NONE);
    List<Route> routes = new ArrayList<>();
    for (String path : List.of("/api/projects", "/api/projects/{id}", "/api/orgs/{tenant}/projects/**", "/health")) {
      routes.add(new Route(path, Set.of(HttpMethod.GET), PathTemplate.parse(path), "up",
          Requirement.permission("projects:read"), false, true, null, false, -1, List.of(), null, null, 1));
    }
    table = RouteTable.build(routes);
    require = Requirement.permission("projects:read");
    token = issuer.mint(issuer.claims("user-sarah").put("aud", "gateway").put("org_code", "org_acme")
        .put("scope", "projects:read reports:read").put("permissions", new JsonArray().add("projects:read")));
    verified = verifier.verify(token).result();
    tokenChars = token.toCharArray();
    freshTokens = new String[256];
    for (int i = 0; i < freshTokens.length; i++) {
      freshTokens[i] = issuer.mint(issuer.claims("user-" + i).put("org_code", "org_acme").put("scope", "projects:read"));
    }
  }

  @Benchmark
  public PathNormalizer.Result normalize() {
    return PathNormalizer.normalize("/api/projects?page=2");
  }

  @Benchmark
  public RouteMatch match() {
    return table.match(HttpMethod.GET, "/api/projects");
  }

  /** The same string every time, so its hash code is already known: the best case. */
  @Benchmark
  public VerifiedToken verifyCached() {
    return verifier.cached(token);
  }

  /**
   * A new string with the token's characters every time, as every request's header value is: what a reused token
   * really costs, including making the string.
   */
  @Benchmark
  public VerifiedToken verifyCachedNewString() {
    return verifier.cached(new String(tokenChars));
  }

  /** A signature check every time: the cost when every request carries a token the cache has not seen. */
  @Benchmark
  public VerifiedToken verifyUncached() {
    verifier.invalidateAll();
    return verifier.verify(freshTokens[next++ & 255]).result();
  }

  @Benchmark
  public Caller resolveCaller() {
    return resolver.resolve(verified, null, true);
  }

  /** Claim reading itself: a token whose caller is not memoized (first request, or another tenant chosen). */
  @Benchmark
  public Caller resolveUncached() {
    return resolver.resolve(verified, null, true, null);
  }

  @Benchmark
  public boolean decide() {
    PathNormalizer.Result target = PathNormalizer.normalize("/api/projects");
    RouteMatch match = table.match(HttpMethod.GET, target.path());
    VerifiedToken checked = verifier.cached(new String(tokenChars));
    Caller caller = resolver.resolve(checked, null, match.route().tenantRequired());
    PermissionSet permissions = caller.permissions();
    return match.route().require().isSatisfiedBy(permissions);
  }
}
