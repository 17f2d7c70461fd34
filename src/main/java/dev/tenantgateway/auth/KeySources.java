package dev.tenantgateway.auth;

import io.vertx.core.Vertx;
import io.vertx.ext.web.client.WebClient;

import java.net.URI;
import java.time.Duration;
import java.util.Set;

/** Static factories for {@link KeySource}s; the implementations stay package-private. */
public final class KeySources {

  private KeySources() {
  }

  public static KeySource jwks(Vertx vertx, WebClient client, String issuerId, URI uri, Set<String> algorithms,
                               Duration refresh, Duration cooldown) {
    return new JwksKeySource(vertx, client, issuerId, uri, algorithms, refresh, cooldown, Duration.ofSeconds(10));
  }

  /** @throws IllegalArgumentException when the PEM text holds no key usable with the algorithms */
  public static KeySource pem(String pem, Set<String> algorithms) {
    return new StaticKeySource(Keys.fromPem(pem, algorithms));
  }
}
