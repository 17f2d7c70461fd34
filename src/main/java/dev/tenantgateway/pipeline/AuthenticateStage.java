package dev.tenantgateway.pipeline;

import dev.tenantgateway.auth.SigningKey;
import dev.tenantgateway.auth.TokenVerifier;
import dev.tenantgateway.auth.VerifiedToken;
import dev.tenantgateway.policy.Denial;
import io.vertx.core.Future;
import io.vertx.core.MultiMap;
import io.vertx.core.http.HttpHeaders;

import java.lang.System.Logger.Level;
import java.util.List;

/**
 * 3 authenticate: the Bearer token to a {@link VerifiedToken}, or 401. A token verified before answers at once from
 * the verifier's cache; a new one waits for its signature check (and its issuer's keys). Public routes stand aside.
 */
public final class AuthenticateStage implements Stage {

  private static final System.Logger LOG = System.getLogger(AuthenticateStage.class.getName());

  private final TokenVerifier verifier;

  public AuthenticateStage(TokenVerifier verifier) {
    this.verifier = verifier;
  }

  @Override
  public String name() {
    return "3 authenticate";
  }

  @Override
  public boolean callersOnly() {
    return true;
  }

  @Override
  public Verdict step(RequestContext ctx) {
    String token = bearerToken(ctx.headers);
    VerifiedToken cached = verifier.cached(token);
    if (cached != null) {
      ctx.token = cached;
      return Verdict.CONTINUE;
    }
    return Verdict.await(verifier.verify(token).transform(result -> {
      if (result.succeeded()) {
        ctx.token = result.result();
        return Future.succeededFuture(Verdict.CONTINUE);
      }
      if (result.cause() instanceof Denial.DeniedException) {
        return Future.failedFuture(result.cause());
      }
      LOG.log(Level.WARNING, "request " + ctx.requestId + ": token verification failed unexpectedly", result.cause());
      return Future.succeededFuture(Verdict.deny(Denial.tokenInvalid("The token could not be verified.")));
    }));
  }

  /**
   * The bearer token (RFC 6750 section 2.1), or a {@link Denial.DeniedException}: several Authorization headers are
   * ambiguous (400), another scheme or none means no token (401 {@code token_missing}).
   */
  static String bearerToken(MultiMap headers) {
    List<String> values = headers.getAll(HttpHeaders.AUTHORIZATION);
    if (values.isEmpty()) {
      throw Denial.tokenMissing().asException();
    }
    if (values.size() > 1) {
      throw Denial.badRequest("Several Authorization headers were sent.").asException();
    }
    String value = values.get(0);
    if (value.length() < 7 || !value.regionMatches(true, 0, "Bearer ", 0, 7)) {
      throw Denial.tokenMissing().asException();
    }
    String token = value.substring(7).trim();
    if (token.isEmpty()) {
      throw Denial.tokenInvalid("The bearer token is empty.").asException();
    }
    return token;
  }

  @Override
  public String explain(RequestContext ctx) {
    VerifiedToken verified = ctx.token;
    long left = verified.expiresAt() - System.currentTimeMillis() / 1000;
    return "issuer '" + verified.issuer().id() + "' (" + verified.issuer().issuer() + "), signature ok with "
        + describe(verified.key()) + ", expires in " + left + "s";
  }

  private static String describe(SigningKey key) {
    if (key == null) {
      return "its key";
    }
    return key.kid() == null ? "the issuer's " + key.alg() + " key (it has no kid)"
        : "key '" + key.kid() + "' (" + key.alg() + ")";
  }
}
