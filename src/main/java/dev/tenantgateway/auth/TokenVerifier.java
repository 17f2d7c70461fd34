package dev.tenantgateway.auth;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import com.github.benmanes.caffeine.cache.Expiry;
import dev.tenantgateway.policy.Denial;
import io.netty.util.concurrent.FastThreadLocal;
import io.vertx.core.Future;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;
import java.util.function.LongSupplier;

/**
 * Verifies bearer tokens (RFC 7519, with the RFC 8725 rules): the issuer is chosen by {@code iss} before any
 * signature check, so keys of different issuers never mix; the algorithm must be on that issuer's allowlist; the
 * signature must verify against that issuer's keys; {@code exp} is required, {@code nbf} and {@code aud} enforced
 * with the issuer's leeway. Verified tokens are cached until they expire, so a client that reuses its token pays
 * for the signature once.
 */
public final class TokenVerifier {

  /** Larger tokens are refused before any decoding. */
  public static final int MAX_TOKEN_LENGTH = 16 * 1024;
  /** Per-thread table in front of the cache; 4096 slots keep at most a few MiB of verified tokens alive per thread. */
  private static final int MAX_RECENT_SLOTS = 4096;
  /** A larger JOSE header is refused before decoding: real headers are a few hundred bytes. */
  public static final int MAX_HEADER_LENGTH = 2 * 1024;

  private final Map<String, Issuer> byIssuer;
  private final LongSupplier clockSeconds;
  private final Cache<String, VerifiedToken> cache;
  private final Consumer<Boolean> cacheListener;
  /**
   * Per thread (each event loop), a direct-mapped table in front of the cache, indexed by the token's last
   * characters. Every request's header value is a new string, so a look-up in the cache hashes the whole token
   * (several hundred characters) each time, and every cache read reorders the cache's bookkeeping; a reused token is
   * found here with one comparison instead. Entries are checked exactly like cache hits, and a new generation (after
   * {@link #invalidateAll}) voids them all. The table holds cached instances only (no per-request objects), so
   * filling a slot creates no garbage.
   */
  private final FastThreadLocal<Recent> recent = new FastThreadLocal<>() {
    @Override
    protected Recent initialValue() {
      return new Recent(recentSlots);
    }
  };
  private final int recentSlots;
  private final AtomicInteger generation = new AtomicInteger();

  private static final class Recent {
    final VerifiedToken[] tokens;
    final int[] generations;

    Recent(int slots) {
      tokens = new VerifiedToken[slots];
      generations = new int[slots];
    }
  }

  public TokenVerifier(Map<String, Issuer> byIssuer, long cacheSize, LongSupplier clockSeconds) {
    this(byIssuer, cacheSize, clockSeconds, hit -> { });
  }

  /** @param cacheListener told whether each {@link #cached} look-up hit (for metrics) */
  public TokenVerifier(Map<String, Issuer> byIssuer, long cacheSize, LongSupplier clockSeconds,
                       Consumer<Boolean> cacheListener) {
    this.cacheListener = cacheListener;
    // a power of two, never more slots than the cache has entries (so the table keeps at most that many alive)
    this.recentSlots = Integer.highestOneBit((int) Math.max(1, Math.min(MAX_RECENT_SLOTS, cacheSize)));
    this.byIssuer = Map.copyOf(byIssuer);
    this.clockSeconds = clockSeconds;
    this.cache = Caffeine.newBuilder()
        .maximumSize(cacheSize)
        // maintenance (eviction, expiry) runs on the calling event loop, amortized over reads: the default hands it to
        // the common pool, whose thread then competes with the event loop for the core
        .executor(Runnable::run)
        .expireAfter(new Expiry<String, VerifiedToken>() {
          @Override
          public long expireAfterCreate(String token, VerifiedToken verified, long currentTime) {
            long seconds = verified.expiresAt() + verified.issuer().leewaySeconds() - clockSeconds.getAsLong();
            return TimeUnit.SECONDS.toNanos(Math.max(0, seconds));
          }

          @Override
          public long expireAfterUpdate(String token, VerifiedToken verified, long currentTime, long currentDuration) {
            return currentDuration;
          }

          @Override
          public long expireAfterRead(String token, VerifiedToken verified, long currentTime, long currentDuration) {
            return currentDuration;
          }
        })
        .build();
  }

  public Map<String, Issuer> issuers() {
    return byIssuer;
  }

  /**
   * A verified token from the cache, still within its lifetime and still signed by a key its issuer has, or null.
   * Lets the common case finish without allocating a future.
   */
  public VerifiedToken cached(String token) {
    VerifiedToken hit = lookup(token);
    cacheListener.accept(hit != null);
    return hit;
  }

  private VerifiedToken lookup(String token) {
    Recent table = recent.get();
    int slot = slot(token, recentSlots);
    VerifiedToken hit = table.tokens[slot];
    int current = generation.get();
    if (hit == null || table.generations[slot] != current || !hit.token().equals(token)) {
      hit = cache.getIfPresent(token);
      if (hit == null) {
        return null;
      }
      table.tokens[slot] = hit;
      table.generations[slot] = current;
    }
    if (hit.expiresAt() + hit.issuer().leewaySeconds() <= clockSeconds.getAsLong()
        || !hit.issuer().keys().current().contains(hit.key())) {
      cache.invalidate(token);
      table.tokens[slot] = null;
      return null;
    }
    return hit;
  }

  /** The recent-table slot of a token: a hash of its last 16 characters (signature bytes, for a signed token). */
  private static int slot(String token, int slots) {
    int length = token.length();
    int hash = length;
    for (int i = Math.max(0, length - 16); i < length; i++) {
      hash = 31 * hash + token.charAt(i);
    }
    return (hash ^ (hash >>> 16)) & (slots - 1);
  }

  /** Verifies the token; a failed future carries a {@link Denial.DeniedException} with the 401 to send. */
  public Future<VerifiedToken> verify(String token) {
    VerifiedToken hit = lookup(token);
    if (hit != null) {
      return Future.succeededFuture(hit);
    }
    Parsed parsed;
    try {
      parsed = parse(token);
    } catch (Denial.DeniedException denied) {
      return Future.failedFuture(denied);
    }
    List<SigningKey> candidates = parsed.issuer.keys().current().candidates(parsed.kid, parsed.alg);
    if (!candidates.isEmpty()) {
      return finish(token, parsed, candidates);
    }
    // An unknown key: maybe the issuer rotated. One shared, rate-limited refetch, then one more look.
    return parsed.issuer.keys().refreshForUnknownKey().compose(keys -> {
      List<SigningKey> retry = keys.candidates(parsed.kid, parsed.alg);
      if (retry.isEmpty()) {
        return Future.failedFuture(Denial.tokenInvalid(keys.isEmpty()
            ? "No signing keys are available for this issuer." : "The token's signing key is unknown.").asException());
      }
      return finish(token, parsed, retry);
    });
  }

  private Future<VerifiedToken> finish(String token, Parsed parsed, List<SigningKey> candidates) {
    SigningKey signer = null;
    for (SigningKey key : candidates) {
      if (key.verify(parsed.signature, parsed.signingInput)) {
        signer = key;
        break;
      }
    }
    if (signer == null) {
      return Future.failedFuture(Denial.tokenInvalid("The token's signature is invalid.").asException());
    }
    Denial claimsDenial = checkClaims(parsed);
    if (claimsDenial != null) {
      return Future.failedFuture(claimsDenial.asException());
    }
    VerifiedToken verified = new VerifiedToken(token, parsed.issuer, parsed.claims, parsed.exp, signer);
    cache.put(token, verified);
    return Future.succeededFuture(verified);
  }

  private record Parsed(Issuer issuer, String alg, String kid, JsonObject claims, long exp,
                        byte[] signingInput, byte[] signature) {
  }

  private Parsed parse(String token) {
    if (token.length() > MAX_TOKEN_LENGTH) {
      throw Denial.tokenInvalid("The token is too large.").asException();
    }
    int dot1 = token.indexOf('.');
    int dot2 = dot1 < 0 ? -1 : token.indexOf('.', dot1 + 1);
    if (dot1 < 0 || dot2 < 0 || token.indexOf('.', dot2 + 1) >= 0) {
      throw Denial.tokenInvalid(dot1 >= 0 && token.chars().filter(c -> c == '.').count() == 4
          ? "Encrypted tokens (JWE) are not accepted." : "The token is not a signed JWT (JWS compact form).").asException();
    }
    if (dot1 > MAX_HEADER_LENGTH) {
      throw Denial.tokenInvalid("The token's header is too large.").asException();
    }
    JsonObject header;
    JsonObject claims;
    byte[] signature;
    try {
      header = Jose.object(Jose.base64Url(token.substring(0, dot1)));
      claims = Jose.object(Jose.base64Url(token.substring(dot1 + 1, dot2)));
      signature = Jose.base64Url(token.substring(dot2 + 1));
    } catch (IllegalArgumentException e) {
      throw Denial.tokenInvalid("The token is malformed.").asException();
    }
    Object alg = header.getValue("alg");
    if (!(alg instanceof String algorithm) || algorithm.isEmpty() || "none".equalsIgnoreCase(algorithm)) {
      throw Denial.tokenInvalid("The token is unsigned or names no algorithm.").asException();
    }
    if (header.containsKey("crit")) {
      // RFC 7515 4.1.11: a recipient must refuse critical extensions it does not understand; we understand none.
      throw Denial.tokenInvalid("The token has critical header parameters this gateway does not understand.").asException();
    }
    if (header.containsKey("enc") || "JWT".equalsIgnoreCase(String.valueOf(header.getValue("cty")))) {
      throw Denial.tokenInvalid("Nested or encrypted tokens are not accepted.").asException();
    }
    // "kid": null, a number or an object is not "no kid": anything but a string is refused
    Object kidValue = header.getValue("kid");
    if ((kidValue != null || header.containsKey("kid")) && !(kidValue instanceof String)) {
      throw Denial.tokenInvalid("The token's key id is malformed.").asException();
    }
    Object iss = claims.getValue("iss");
    if (!(iss instanceof String issuerName)) {
      throw Denial.issuerUnknown().asException();
    }
    Issuer issuer = byIssuer.get(issuerName);
    if (issuer == null) {
      throw Denial.issuerUnknown().asException();
    }
    if (!issuer.algorithms().contains(algorithm)) {
      throw Denial.tokenInvalid("The token's algorithm is not allowed for its issuer.").asException();
    }
    if (issuer.requiredType() != null && !issuer.requiredType().equalsIgnoreCase(typeOf(header))) {
      throw Denial.tokenInvalid("The token's type is not accepted here.").asException();
    }
    long exp = numericDate(claims.getValue("exp"));
    if (exp < 0) {
      throw Denial.tokenInvalid("The token has no valid expiry (exp).").asException();
    }
    byte[] signingInput = token.substring(0, dot2).getBytes(StandardCharsets.US_ASCII);
    return new Parsed(issuer, algorithm, (String) kidValue, claims, exp, signingInput, signature);
  }

  /**
   * The latest NumericDate accepted: 9999-12-31T23:59:59Z. Every date is at most this and every leeway at most 5
   * minutes, so no sum or difference of them can overflow a long.
   */
  static final long MAX_NUMERIC_DATE = 253_402_300_799L;

  /**
   * A NumericDate claim as epoch seconds, or -1 when it is not a JSON integer in {@code [0, MAX_NUMERIC_DATE]}:
   * fractions, exponents ({@code 1e30}), negative numbers, strings, booleans and null are all malformed.
   */
  static long numericDate(Object value) {
    long seconds;
    if (value instanceof Integer i) {
      seconds = i;
    } else if (value instanceof Long l) {
      seconds = l;
    } else {
      return -1; // Double (a fraction or an exponent), BigInteger (beyond a long), anything not a number
    }
    return seconds >= 0 && seconds <= MAX_NUMERIC_DATE ? seconds : -1;
  }

  private static String typeOf(JsonObject header) {
    Object typ = header.getValue("typ");
    if (!(typ instanceof String type)) {
      return null;
    }
    // RFC 9068: "at+jwt" and "application/at+jwt" are the same media type.
    return type.regionMatches(true, 0, "application/", 0, 12) ? type.substring(12) : type;
  }

  private Denial checkClaims(Parsed parsed) {
    long now = clockSeconds.getAsLong();
    long leeway = parsed.issuer.leewaySeconds();
    JsonObject claims = parsed.claims;
    if (parsed.exp + leeway <= now) {
      return Denial.tokenExpired();
    }
    if (claims.containsKey("nbf")) {
      long nbf = numericDate(claims.getValue("nbf"));
      if (nbf < 0) {
        return Denial.tokenInvalid("The token's nbf claim is malformed.");
      }
      if (nbf - leeway > now) {
        return Denial.tokenInvalid("The token is not valid yet.");
      }
    }
    long iat = -1;
    if (claims.containsKey("iat")) {
      iat = numericDate(claims.getValue("iat"));
      if (iat < 0) {
        return Denial.tokenInvalid("The token's iat claim is malformed.");
      }
    }
    long maxLifetime = parsed.issuer.maxLifetimeSeconds();
    if (maxLifetime > 0 && (iat >= 0 ? parsed.exp - iat > maxLifetime : parsed.exp - now > maxLifetime + leeway)) {
      return Denial.tokenInvalid("The token is valid for longer than this issuer's tokens may be.");
    }
    Object sub = claims.getValue("sub");
    if (sub != null && !(sub instanceof String)) {
      return Denial.tokenInvalid("The token's sub claim is malformed.");
    }
    if (!parsed.issuer.audiences().isEmpty() && !audienceMatches(claims.getValue("aud"), parsed.issuer)) {
      return Denial.tokenInvalid("The token is not meant for this audience.");
    }
    // the issuer's own claim checks: authorized party, payload typ (ID tokens), a shape that admits the token
    String refusal = parsed.issuer.claims().refusal(claims);
    return refusal == null ? null : Denial.tokenInvalid(refusal);
  }

  private static boolean audienceMatches(Object aud, Issuer issuer) {
    if (aud instanceof String single) {
      return issuer.audiences().contains(single);
    }
    if (aud instanceof JsonArray many) {
      for (Object value : many) {
        if (value instanceof String s && issuer.audiences().contains(s)) {
          return true;
        }
      }
    }
    return false;
  }

  /** Drops every cached verification (keys or issuers changed). */
  public void invalidateAll() {
    generation.incrementAndGet();
    cache.invalidateAll();
  }

  public long cacheSize() {
    return cache.estimatedSize();
  }
}
