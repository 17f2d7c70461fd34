package dev.tenantgateway.support;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.PrivateKey;
import java.security.Signature;
import java.security.interfaces.ECPublicKey;
import java.security.interfaces.RSAPublicKey;
import java.security.spec.ECGenParameterSpec;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A real identity provider for tests: RSA and EC keys generated here, a JWKS endpoint on loopback that counts its
 * fetches, and token minting signed with the JDK's own crypto (independent of the code under test).
 */
public final class TestIssuer {

  private static final Base64.Encoder B64 = Base64.getUrlEncoder().withoutPadding();

  /** A key the issuer can sign with; {@code published} keys appear in the JWKS. */
  public record Key(String kid, String alg, KeyPair pair) {
  }

  private final String issuer;
  private final Map<String, Key> keys = new LinkedHashMap<>();
  private final List<String> published = new ArrayList<>();
  private final AtomicInteger fetches = new AtomicInteger();
  private volatile int failStatus = 0;
  private HttpServer server;

  public TestIssuer(String issuer) {
    this.issuer = issuer;
    addKey("rsa-1", "RS256", true);
    addKey("ec-1", "ES256", true);
  }

  public String issuer() {
    return issuer;
  }

  public synchronized Key addKey(String kid, String alg, boolean publish) {
    Key key = new Key(kid, alg, generate(alg));
    keys.put(kid, key);
    if (publish) {
      published.add(kid);
    }
    return key;
  }

  public synchronized void unpublishAll() {
    published.clear();
  }

  public synchronized void publish(String kid) {
    published.add(kid);
  }

  public Key key(String kid) {
    return keys.get(kid);
  }

  /** Makes the JWKS endpoint answer with this status (0 restores normal answers). */
  public void failWith(int status) {
    this.failStatus = status;
  }

  public int fetches() {
    return fetches.get();
  }

  public String jwksUri() {
    return "http://127.0.0.1:" + server.actualPort() + "/jwks.json";
  }

  public TestIssuer start(Vertx vertx) throws Exception {
    // The first JSON encoding in a JVM loads and sets up Jackson (seconds on a busy machine): done here, on the
    // caller's thread, it does not block the event loop that answers the first JWKS fetch.
    jwks().encode();
    server = vertx.createHttpServer().requestHandler(req -> {
      fetches.incrementAndGet();
      if (failStatus != 0) {
        req.response().setStatusCode(failStatus).end();
        return;
      }
      req.response().putHeader("Content-Type", "application/json").end(jwks().encode());
    }).listen(0, "127.0.0.1").await(10, TimeUnit.SECONDS);
    return this;
  }

  public Future<Void> stop() {
    return server == null ? Future.succeededFuture() : server.close();
  }

  public synchronized JsonObject jwks() {
    JsonArray list = new JsonArray();
    for (String kid : published) {
      list.add(jwk(keys.get(kid)));
    }
    return new JsonObject().put("keys", list);
  }

  public static JsonObject jwk(Key key) {
    JsonObject jwk = new JsonObject().put("kid", key.kid()).put("use", "sig").put("alg", key.alg());
    if (key.pair().getPublic() instanceof RSAPublicKey rsa) {
      jwk.put("kty", "RSA").put("n", B64.encodeToString(unsigned(rsa.getModulus(), 0)))
          .put("e", B64.encodeToString(unsigned(rsa.getPublicExponent(), 0)));
    } else {
      ECPublicKey ec = (ECPublicKey) key.pair().getPublic();
      jwk.put("kty", "EC").put("crv", "P-256")
          .put("x", B64.encodeToString(unsigned(ec.getW().getAffineX(), 32)))
          .put("y", B64.encodeToString(unsigned(ec.getW().getAffineY(), 32)));
    }
    return jwk;
  }

  /** The PEM (SubjectPublicKeyInfo) text of a key's public half. */
  public static String pem(Key key) {
    return "-----BEGIN PUBLIC KEY-----\n"
        + Base64.getMimeEncoder(64, "\n".getBytes(StandardCharsets.US_ASCII)).encodeToString(key.pair().getPublic().getEncoded())
        + "\n-----END PUBLIC KEY-----\n";
  }

  private static byte[] unsigned(BigInteger value, int length) {
    byte[] bytes = value.toByteArray();
    if (bytes.length > 1 && bytes[0] == 0) {
      bytes = java.util.Arrays.copyOfRange(bytes, 1, bytes.length);
    }
    if (length > bytes.length) {
      byte[] padded = new byte[length];
      System.arraycopy(bytes, 0, padded, length - bytes.length, bytes.length);
      return padded;
    }
    return bytes;
  }

  private static KeyPair generate(String alg) {
    try {
      if (alg.startsWith("ES")) {
        KeyPairGenerator g = KeyPairGenerator.getInstance("EC");
        g.initialize(new ECGenParameterSpec("secp256r1"));
        return g.generateKeyPair();
      }
      KeyPairGenerator g = KeyPairGenerator.getInstance("RSA");
      g.initialize(2048);
      return g.generateKeyPair();
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException(e);
    }
  }

  // ---------------------------------------------------------------------------------------------------------------
  // Minting

  /** Standard claims for this issuer: iss, aud gateway, iat now, exp in one hour. */
  public JsonObject claims(String sub) {
    long now = System.currentTimeMillis() / 1000;
    return new JsonObject().put("iss", issuer).put("sub", sub).put("aud", "gateway").put("iat", now).put("exp", now + 3600);
  }

  public String mint(JsonObject claims) {
    return mint(claims, "rsa-1");
  }

  public String mint(JsonObject claims, String kid) {
    Key key = keys.get(kid);
    return sign(new JsonObject().put("alg", key.alg()).put("typ", "JWT").put("kid", kid), claims, key);
  }

  /** Signs any header and claims with a key: for tokens that are wrong on purpose. */
  public static String sign(JsonObject header, JsonObject claims, Key key) {
    String signingInput = encode(header) + "." + encode(claims);
    return signingInput + "." + B64.encodeToString(signature(key.alg(), key.pair().getPrivate(), signingInput));
  }

  public static String encode(JsonObject json) {
    return B64.encodeToString(json.encode().getBytes(StandardCharsets.UTF_8));
  }

  public static String encode(byte[] bytes) {
    return B64.encodeToString(bytes);
  }

  private static byte[] signature(String alg, PrivateKey key, String input) {
    try {
      Signature signature = Signature.getInstance(alg.startsWith("ES") ? "SHA256withECDSAinP1363Format" : "SHA256withRSA");
      signature.initSign(key);
      signature.update(input.getBytes(StandardCharsets.US_ASCII));
      return signature.sign();
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException(e);
    }
  }
}
