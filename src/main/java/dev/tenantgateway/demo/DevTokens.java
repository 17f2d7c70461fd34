package dev.tenantgateway.demo;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.auth.JWTOptions;
import io.vertx.ext.auth.PubSecKeyOptions;
import io.vertx.ext.auth.impl.jose.JWK;
import io.vertx.ext.auth.impl.jose.JWT;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * Development tokens, signed RS256 with a committed, public key (examples/dev-keys): for the quick start, the demo and
 * {@code dev-token} only. One place builds their claims, so the command and the demo issuer mint alike.
 */
public final class DevTokens {

  public static final String ISSUER = "https://dev-issuer.tenant-gateway.local/";
  public static final String AUDIENCE = "tenant-gateway";

  private final JWT signer;

  private DevTokens(JWT signer) {
    this.signer = signer;
  }

  /** @param privateKey a PKCS#8 PEM RSA private key */
  public static DevTokens load(Path privateKey) throws IOException {
    String pem = Files.readString(privateKey);
    return new DevTokens(new JWT().addJWK(new JWK(new PubSecKeyOptions().setAlgorithm("RS256").setBuffer(pem))));
  }

  /**
   * @param org the org_code claim, or null
   * @param roles the roles claim, or null
   * @param permissions the permissions claim, or null
   */
  public String mint(String issuer, String audience, String subject, String org, List<String> roles,
                     List<String> permissions, long ttlSeconds) {
    long now = System.currentTimeMillis() / 1000;
    JsonObject claims = new JsonObject()
        .put("iss", issuer).put("aud", audience).put("sub", subject).put("iat", now).put("exp", now + ttlSeconds);
    if (org != null) {
      claims.put("org_code", org);
    }
    if (roles != null) {
      claims.put("roles", new JsonArray(roles));
    }
    if (permissions != null) {
      claims.put("permissions", new JsonArray(permissions));
    }
    return signer.sign(claims, new JWTOptions().setAlgorithm("RS256").setNoTimestamp(true));
  }
}
