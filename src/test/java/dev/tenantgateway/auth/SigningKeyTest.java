package dev.tenantgateway.auth;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.Signature;
import java.security.interfaces.ECPublicKey;
import java.security.interfaces.RSAPublicKey;
import java.security.spec.ECGenParameterSpec;
import java.security.spec.MGF1ParameterSpec;
import java.security.spec.PSSParameterSpec;
import java.util.Arrays;
import java.util.Base64;
import java.util.List;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Every algorithm an issuer may allow, from a JWKS and from a PEM file, checked with keys and signatures made by the
 * JDK here: a good signature verifies; a changed input, a signature of the wrong shape, ECDSA r or s out of range
 * and a key of the wrong type do not.
 */
class SigningKeyTest {

  static final Base64.Encoder B64 = Base64.getUrlEncoder().withoutPadding();
  static final byte[] INPUT = "eyJhbGciOiJ4In0.eyJzdWIiOiJ1MSJ9".getBytes(StandardCharsets.US_ASCII);

  record Made(JsonObject jwk, KeyPair pair, byte[] signature) {
  }

  static Made make(String alg) throws Exception {
    KeyPair pair;
    Signature signer;
    JsonObject jwk = new JsonObject().put("kid", "k1").put("use", "sig");
    if (alg.startsWith("RS") || alg.startsWith("PS")) {
      KeyPairGenerator g = KeyPairGenerator.getInstance("RSA");
      g.initialize(2048);
      pair = g.generateKeyPair();
      RSAPublicKey rsa = (RSAPublicKey) pair.getPublic();
      jwk.put("kty", "RSA").put("n", B64.encodeToString(unsigned(rsa.getModulus())))
          .put("e", B64.encodeToString(unsigned(rsa.getPublicExponent())));
      String bits = alg.substring(2);
      if (alg.startsWith("PS")) {
        signer = Signature.getInstance("RSASSA-PSS", "SunRsaSign");
        signer.setParameter(new PSSParameterSpec("SHA-" + bits, "MGF1", new MGF1ParameterSpec("SHA-" + bits),
            Integer.parseInt(bits) / 8, 1));
      } else {
        signer = Signature.getInstance("SHA" + bits + "withRSA", "SunRsaSign");
      }
    } else if (alg.startsWith("ES")) {
      String bits = alg.substring(2);
      String curve = switch (bits) {
        case "256" -> "secp256r1";
        case "384" -> "secp384r1";
        default -> "secp521r1";
      };
      KeyPairGenerator g = KeyPairGenerator.getInstance("EC");
      g.initialize(new ECGenParameterSpec(curve));
      pair = g.generateKeyPair();
      ECPublicKey ec = (ECPublicKey) pair.getPublic();
      int length = (ec.getParams().getCurve().getField().getFieldSize() + 7) / 8;
      jwk.put("kty", "EC").put("crv", bits.equals("512") ? "P-521" : "P-" + bits)
          .put("x", B64.encodeToString(fixed(ec.getW().getAffineX(), length)))
          .put("y", B64.encodeToString(fixed(ec.getW().getAffineY(), length)));
      signer = Signature.getInstance("SHA" + bits + "withECDSAinP1363Format", "SunEC");
    } else {
      pair = KeyPairGenerator.getInstance("Ed25519").generateKeyPair();
      byte[] spki = pair.getPublic().getEncoded();
      jwk.put("kty", "OKP").put("crv", "Ed25519").put("x", B64.encodeToString(Arrays.copyOfRange(spki, spki.length - 32, spki.length)));
      signer = Signature.getInstance("Ed25519", "SunEC");
    }
    signer.initSign(pair.getPrivate());
    signer.update(INPUT);
    return new Made(jwk, pair, signer.sign());
  }

  static byte[] unsigned(BigInteger value) {
    byte[] bytes = value.toByteArray();
    return bytes[0] == 0 && bytes.length > 1 ? Arrays.copyOfRange(bytes, 1, bytes.length) : bytes;
  }

  static byte[] fixed(BigInteger value, int length) {
    byte[] bytes = unsigned(value);
    byte[] out = new byte[length];
    System.arraycopy(bytes, 0, out, length - bytes.length, bytes.length);
    return out;
  }

  static SigningKey only(KeySet keys, String alg) {
    List<SigningKey> candidates = keys.candidates("k1", alg);
    assertEquals(1, candidates.size(), alg);
    return candidates.get(0);
  }

  @ParameterizedTest
  @ValueSource(strings = {"RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256", "ES384", "ES512", "EdDSA"})
  void everyAllowedAlgorithmVerifiesFromAJwksAndNothingElse(String alg) throws Exception {
    Made made = make(alg);
    KeySet keys = Keys.fromJwks(new JsonObject().put("keys", new JsonArray().add(made.jwk())), Set.of(alg), "idp");
    SigningKey key = only(keys, alg);
    assertTrue(key.verify(made.signature(), INPUT), alg);
    assertTrue(key.verify(made.signature(), INPUT), alg + " again: the per-thread verifier was reset");
    byte[] changed = INPUT.clone();
    changed[3] ^= 1;
    assertFalse(key.verify(made.signature(), changed), alg + " with a changed input");
    byte[] flipped = made.signature().clone();
    flipped[flipped.length / 3] ^= 1;
    assertFalse(key.verify(flipped, INPUT), alg + " with a changed signature");
    assertFalse(key.verify(Arrays.copyOf(made.signature(), made.signature().length + 1), INPUT), alg + " one byte longer");
    assertTrue(key.verify(made.signature(), INPUT), alg + " still verifies after refusals");
  }

  @ParameterizedTest
  @ValueSource(strings = {"RS256", "PS384", "ES256", "ES512", "EdDSA"})
  void thePemKeyVerifiesLikeTheJwk(String alg) throws Exception {
    Made made = make(alg);
    String pem = "-----BEGIN PUBLIC KEY-----\n" + Base64.getMimeEncoder().encodeToString(made.pair().getPublic().getEncoded())
        + "\n-----END PUBLIC KEY-----\n";
    KeySet keys = Keys.fromPem(pem, Set.of(alg));
    List<SigningKey> candidates = keys.candidates(null, alg);
    assertEquals(1, candidates.size());
    assertTrue(candidates.get(0).verify(made.signature(), INPUT));
  }

  @ParameterizedTest
  @ValueSource(strings = {"ES256", "ES384", "ES512"})
  void ecdsaRAndSOutsideTheirRangeAndDerAreRefused(String alg) throws Exception {
    Made made = make(alg);
    SigningKey key = only(Keys.fromJwks(new JsonObject().put("keys", new JsonArray().add(made.jwk())), Set.of(alg), "idp"), alg);
    int half = made.signature().length / 2;
    assertFalse(key.verify(new byte[2 * half], INPUT), "r = s = 0 (CVE-2022-21449)");
    BigInteger n = ((ECPublicKey) made.pair().getPublic()).getParams().getOrder();
    byte[] sPlusN = made.signature().clone();
    byte[] s = fixed(new BigInteger(1, Arrays.copyOfRange(sPlusN, half, 2 * half)).add(n), half + 1);
    if (s[0] == 0) { // s + n still fits: the same value modulo n, which a lax verifier would accept
      System.arraycopy(s, 1, sPlusN, half, half);
      assertFalse(key.verify(sPlusN, INPUT), "s + n");
    }
    Signature der = Signature.getInstance("SHA" + alg.substring(2) + "withECDSA", "SunEC");
    der.initSign(made.pair().getPrivate());
    der.update(INPUT);
    assertFalse(key.verify(der.sign(), INPUT), "a DER signature is not the JWS form");
  }

  @org.junit.jupiter.api.Test
  void keysOfTheWrongTypeOrCurveAreSkippedNotUsed() throws Exception {
    Made rsa = make("RS256");
    Made ec384 = make("ES384");
    JsonObject jwks = new JsonObject().put("keys", new JsonArray()
        .add(rsa.jwk().copy().put("alg", "ES256"))          // declared for another algorithm
        .add(ec384.jwk().copy().put("crv", "P-256"))        // coordinates of the wrong length for the curve
        .add(new JsonObject().put("kty", "oct").put("k", "c2VjcmV0"))  // a shared secret
        .add(rsa.jwk().copy().put("use", "enc"))            // an encryption key
        .add(rsa.jwk().copy().put("kid", 7)));              // a malformed kid
    assertTrue(Keys.fromJwks(jwks, Set.of("RS256", "ES256"), "idp").isEmpty());
    assertThrows(IllegalArgumentException.class, () -> Keys.fromPem("-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----", Set.of("RS256")));
  }
}
