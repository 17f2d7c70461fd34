package dev.tenantgateway.demo;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.PrivateKey;
import java.security.Signature;
import java.security.spec.PKCS8EncodedKeySpec;
import java.util.Base64;
import java.util.List;

/**
 * Development tokens, signed RS256 with a committed, public key (examples/dev-keys): for the quick start, the demo and
 * {@code dev-token} only. One place builds their claims, so the command and the demo issuer mint alike.
 */
public final class DevTokens {

  public static final String ISSUER = "https://dev-issuer.tenant-gateway.local/";
  public static final String AUDIENCE = "tenant-gateway";
  private static final Base64.Encoder B64 = Base64.getUrlEncoder().withoutPadding();

  private final PrivateKey key;

  private DevTokens(PrivateKey key) {
    this.key = key;
  }

  /** @param privateKey a PKCS#8 PEM RSA private key */
  public static DevTokens load(Path privateKey) throws IOException {
    String pem = Files.readString(privateKey);
    int begin = pem.indexOf("-----BEGIN PRIVATE KEY-----");
    int end = pem.indexOf("-----END PRIVATE KEY-----");
    if (begin < 0 || end < begin) {
      throw new IOException(privateKey + " is not a PKCS#8 PEM private key (-----BEGIN PRIVATE KEY-----)");
    }
    byte[] der = Base64.getMimeDecoder().decode(pem.substring(begin + "-----BEGIN PRIVATE KEY-----".length(), end));
    try {
      return new DevTokens(KeyFactory.getInstance("RSA").generatePrivate(new PKCS8EncodedKeySpec(der)));
    } catch (GeneralSecurityException e) {
      throw new IOException(privateKey + ": not an RSA private key: " + e.getMessage(), e);
    }
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
    String header = new JsonObject().put("typ", "JWT").put("alg", "RS256").encode();
    String signingInput = B64.encodeToString(header.getBytes(StandardCharsets.UTF_8)) + "."
        + B64.encodeToString(claims.encode().getBytes(StandardCharsets.UTF_8));
    try {
      Signature signature = Signature.getInstance("SHA256withRSA");
      signature.initSign(key);
      signature.update(signingInput.getBytes(StandardCharsets.US_ASCII));
      return signingInput + "." + B64.encodeToString(signature.sign());
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("signing a development token failed", e);
    }
  }
}
