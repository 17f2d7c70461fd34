package dev.tenantgateway.auth;

import io.vertx.core.Vertx;
import io.vertx.core.http.HttpClient;

import java.net.URI;
import java.time.Duration;
import java.util.Set;
import java.util.function.BiConsumer;

/** Static factories for {@link KeySource}s; the implementations stay package-private. */
public final class KeySources {

  private KeySources() {
  }

  /**
   * @param client an HTTP client that does not follow redirects on its own (the source decides per request)
   * @param onFetch told the issuer id and whether each fetch succeeded (for metrics)
   */
  public static KeySource jwks(Vertx vertx, HttpClient client, String issuerId, URI uri, Set<String> algorithms,
                               Duration refresh, Duration cooldown, JwksFetch limits,
                               BiConsumer<String, Boolean> onFetch) {
    return new JwksKeySource(vertx, client, issuerId, uri, algorithms, refresh, cooldown, limits, onFetch);
  }

  /** @throws IllegalArgumentException when the PEM text holds no key usable with the algorithms */
  public static KeySource pem(String pem, Set<String> algorithms) {
    return new StaticKeySource(Keys.fromPem(pem, algorithms));
  }
}
