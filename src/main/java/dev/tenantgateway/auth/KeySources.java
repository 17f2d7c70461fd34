package dev.tenantgateway.auth;

import io.vertx.core.Vertx;
import io.vertx.ext.web.client.WebClient;

import java.net.URI;
import java.time.Duration;
import java.util.Set;
import java.util.function.BiConsumer;

/** Static factories for {@link KeySource}s; the implementations stay package-private. */
public final class KeySources {

  private KeySources() {
  }

  /** @param onFetch told the issuer id and whether each fetch succeeded (for metrics) */
  public static KeySource jwks(Vertx vertx, WebClient client, String issuerId, URI uri, Set<String> algorithms,
                               Duration refresh, Duration cooldown, BiConsumer<String, Boolean> onFetch) {
    return new JwksKeySource(vertx, client, issuerId, uri, algorithms, refresh, cooldown, Duration.ofSeconds(10), onFetch);
  }

  /** @throws IllegalArgumentException when the PEM text holds no key usable with the algorithms */
  public static KeySource pem(String pem, Set<String> algorithms) {
    return new StaticKeySource(Keys.fromPem(pem, algorithms));
  }
}
