package dev.tenantgateway.auth;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.io.ByteArrayInputStream;
import java.math.BigInteger;
import java.security.AlgorithmParameters;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.PublicKey;
import java.security.cert.CertificateFactory;
import java.security.spec.ECGenParameterSpec;
import java.security.spec.ECParameterSpec;
import java.security.spec.ECPoint;
import java.security.spec.ECPublicKeySpec;
import java.security.spec.RSAPublicKeySpec;
import java.security.spec.X509EncodedKeySpec;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HexFormat;
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
      List<String> fitting;
      try {
        fitting = algorithmsFor(json, allowedAlgorithms);
      } catch (RuntimeException e) {
        LOG.log(System.Logger.Level.WARNING, "issuer " + issuerId + ": skipping a malformed JWKS key: " + e.getMessage());
        continue;
      }
      for (String alg : fitting) {
        try {
          keys.add(new SigningKey(kidOf(json), alg, publicKey(json)));
          source.add(alg + " " + json.encode());
        } catch (RuntimeException e) {
          LOG.log(System.Logger.Level.WARNING, "issuer " + issuerId + ": skipping JWKS key kid=" + json.getValue("kid") + " for " + alg + ": " + e.getMessage());
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
        keys.add(new SigningKey(null, alg, publicKeyFromPem(pem, alg)));
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

  private static String kidOf(JsonObject jwk) {
    Object kid = jwk.getValue("kid");
    if (kid != null && !(kid instanceof String)) {
      throw new IllegalArgumentException("kid is not a string");
    }
    return (String) kid;
  }

  /** The public key a JWK (RFC 7517, 7518 section 6, RFC 8037) describes; private parts are ignored. */
  static PublicKey publicKey(JsonObject jwk) {
    try {
      switch (jwk.getString("kty", "")) {
        case "RSA": {
          BigInteger n = new BigInteger(1, member(jwk, "n"));
          BigInteger e = new BigInteger(1, member(jwk, "e"));
          return KeyFactory.getInstance("RSA").generatePublic(new RSAPublicKeySpec(n, e));
        }
        case "EC": {
          String curve = switch (jwk.getString("crv", "")) {
            case "P-256" -> "secp256r1";
            case "P-384" -> "secp384r1";
            case "P-521" -> "secp521r1";
            default -> throw new IllegalArgumentException("unsupported curve " + jwk.getString("crv"));
          };
          AlgorithmParameters parameters = AlgorithmParameters.getInstance("EC");
          parameters.init(new ECGenParameterSpec(curve));
          ECParameterSpec spec = parameters.getParameterSpec(ECParameterSpec.class);
          int length = (spec.getCurve().getField().getFieldSize() + 7) / 8;
          byte[] x = member(jwk, "x");
          byte[] y = member(jwk, "y");
          if (x.length != length || y.length != length) {
            throw new IllegalArgumentException("EC coordinates must be " + length + " bytes");
          }
          ECPoint point = new ECPoint(new BigInteger(1, x), new BigInteger(1, y));
          return KeyFactory.getInstance("EC").generatePublic(new ECPublicKeySpec(point, spec));
        }
        case "OKP": {
          // SubjectPublicKeyInfo = fixed DER prefix naming the curve + the raw key (RFC 8410)
          String crv = jwk.getString("crv", "");
          byte[] x = member(jwk, "x");
          String prefix = switch (crv) {
            case "Ed25519" -> x.length == 32 ? "302a300506032b6570032100" : null;
            case "Ed448" -> x.length == 57 ? "3043300506032b6571033a00" : null;
            default -> throw new IllegalArgumentException("unsupported OKP curve " + crv);
          };
          if (prefix == null) {
            throw new IllegalArgumentException(crv + " key has the wrong length");
          }
          byte[] head = HexFormat.of().parseHex(prefix);
          byte[] spki = new byte[head.length + x.length];
          System.arraycopy(head, 0, spki, 0, head.length);
          System.arraycopy(x, 0, spki, head.length, x.length);
          return KeyFactory.getInstance("EdDSA").generatePublic(new X509EncodedKeySpec(spki));
        }
        default:
          throw new IllegalArgumentException("unsupported key type " + jwk.getString("kty"));
      }
    } catch (GeneralSecurityException | ClassCastException e) {
      throw new IllegalArgumentException(e.getMessage(), e);
    }
  }

  private static byte[] member(JsonObject jwk, String name) {
    Object value = jwk.getValue(name);
    if (!(value instanceof String text) || text.isEmpty()) {
      throw new IllegalArgumentException("missing or malformed \"" + name + "\"");
    }
    return Base64.getUrlDecoder().decode(text);
  }

  /** The public key of a PEM {@code PUBLIC KEY} (SubjectPublicKeyInfo) or {@code CERTIFICATE}, read for an algorithm. */
  static PublicKey publicKeyFromPem(String pem, String alg) {
    try {
      if (pem.contains("-----BEGIN CERTIFICATE-----")) {
        return CertificateFactory.getInstance("X.509")
            .generateCertificate(new ByteArrayInputStream(pem.getBytes(java.nio.charset.StandardCharsets.US_ASCII)))
            .getPublicKey();
      }
      int begin = pem.indexOf("-----BEGIN PUBLIC KEY-----");
      int end = pem.indexOf("-----END PUBLIC KEY-----");
      if (begin < 0 || end < begin) {
        throw new IllegalArgumentException("not a PEM public key (-----BEGIN PUBLIC KEY-----)");
      }
      byte[] der = Base64.getMimeDecoder().decode(pem.substring(begin + "-----BEGIN PUBLIC KEY-----".length(), end));
      String type = alg.startsWith("ES") ? "EC" : alg.equals("EdDSA") ? "EdDSA" : "RSA";
      return KeyFactory.getInstance(type).generatePublic(new X509EncodedKeySpec(der));
    } catch (GeneralSecurityException e) {
      throw new IllegalArgumentException(e.getMessage(), e);
    }
  }
}
