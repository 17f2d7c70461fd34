package dev.tenantgateway.auth;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.auth.PubSecKeyOptions;
import io.vertx.ext.auth.impl.jose.JWK;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/** Turns a JWKS document or a PEM public key into {@link SigningKey}s bound to the issuer's allowed algorithms. */
final class Keys {

  private static final System.Logger LOG = System.getLogger(Keys.class.getName());

  private Keys() {
  }

  /**
   * Every usable signing key of a JWKS. Keys for encryption, symmetric keys, keys of algorithms the issuer does not
   * allow and malformed keys are skipped. A key without {@code alg} is bound to each allowed algorithm of its type.
   */
  static KeySet fromJwks(JsonObject jwks, Set<String> allowedAlgorithms, String issuerId) {
    JsonArray entries = jwks.getJsonArray("keys");
    if (entries == null) {
      throw new IllegalArgumentException("JWKS has no \"keys\" array");
    }
    List<SigningKey> keys = new ArrayList<>();
    Set<String> source = new HashSet<>();
    for (Object entry : entries) {
      if (!(entry instanceof JsonObject json)) {
        continue;
      }
      String use = json.getString("use");
      if (use != null && !"sig".equals(use)) {
        continue;
      }
      for (String alg : algorithmsFor(json, allowedAlgorithms)) {
        try {
          keys.add(new SigningKey(new JWK(json.copy().put("alg", alg))));
          source.add(alg + " " + json.encode());
        } catch (RuntimeException e) {
          LOG.log(System.Logger.Level.WARNING, "issuer " + issuerId + ": skipping JWKS key kid=" + json.getString("kid") + " for " + alg + ": " + e.getMessage());
        }
      }
    }
    return new KeySet(keys, source);
  }

  private static List<String> algorithmsFor(JsonObject jwk, Set<String> allowed) {
    String kty = jwk.getString("kty", "");
    String alg = jwk.getString("alg");
    List<String> result = new ArrayList<>();
    for (String candidate : allowed) {
      boolean fits = switch (kty) {
        case "RSA" -> candidate.startsWith("RS") || candidate.startsWith("PS");
        case "EC" -> candidate.equals(curveAlgorithm(jwk.getString("crv")));
        case "OKP" -> candidate.equals("EdDSA");
        default -> false; // "oct" and anything unknown: a shared secret never verifies tokens here
      };
      if (fits && (alg == null || alg.equals(candidate))) {
        result.add(candidate);
      }
    }
    return result;
  }

  private static String curveAlgorithm(String crv) {
    if (crv == null) {
      return "";
    }
    return switch (crv) {
      case "P-256" -> "ES256";
      case "P-384" -> "ES384";
      case "P-521" -> "ES512";
      default -> "";
    };
  }

  /** The keys a PEM public key gives for the allowed algorithms that fit its type; none is an error. */
  static KeySet fromPem(String pem, Set<String> allowedAlgorithms) {
    List<SigningKey> keys = new ArrayList<>();
    Set<String> source = new HashSet<>();
    List<String> errors = new ArrayList<>();
    for (String alg : allowedAlgorithms) {
      try {
        keys.add(new SigningKey(new JWK(new PubSecKeyOptions().setAlgorithm(alg).setBuffer(pem))));
        source.add(alg + " " + pem);
      } catch (RuntimeException e) {
        errors.add(alg + ": " + e.getMessage());
      }
    }
    if (keys.isEmpty()) {
      throw new IllegalArgumentException("the PEM key fits none of the allowed algorithms " + allowedAlgorithms + " " + errors);
    }
    return new KeySet(keys, source);
  }
}
