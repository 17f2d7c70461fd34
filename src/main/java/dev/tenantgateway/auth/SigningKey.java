package dev.tenantgateway.auth;

import java.math.BigInteger;
import java.security.GeneralSecurityException;
import java.security.PublicKey;
import java.security.Signature;
import java.security.interfaces.ECPublicKey;
import java.security.interfaces.EdECPublicKey;
import java.security.interfaces.RSAPublicKey;
import java.security.spec.MGF1ParameterSpec;
import java.security.spec.PSSParameterSpec;
import java.util.Arrays;

/**
 * One public key of an issuer, bound to one algorithm. The signature itself is checked with
 * {@link java.security.Signature} (so the native provider, when {@link CryptoProviders} installed it, does the work);
 * the shape checks around it are ours: the exact signature length of the algorithm (raw R||S for ECDSA, never DER;
 * 64 or 114 bytes for EdDSA, as some providers accept trailing bytes),
 * and ECDSA {@code r} and {@code s} in {@code [1, n-1]} (the CVE-2022-21449 class).
 */
public final class SigningKey {

  private final String kid;
  private final String alg;
  private final PublicKey publicKey;
  private final String jcaName;
  private final PSSParameterSpec pss;
  private final int signatureLength;
  private final BigInteger ecOrder;
  /** A {@link Signature} is stateful: one per thread, initialised for this key once. */
  private final ThreadLocal<Signature> verifiers;

  /**
   * @throws IllegalArgumentException when the key's type or size does not fit the algorithm
   */
  SigningKey(String kid, String alg, PublicKey publicKey) {
    this.kid = kid;
    this.alg = alg;
    this.publicKey = publicKey;
    int bits = alg.equals("EdDSA") ? 0 : Integer.parseInt(alg.substring(2));
    String hash = "SHA" + bits;
    switch (alg.substring(0, 2)) {
      case "RS", "PS" -> {
        if (!(publicKey instanceof RSAPublicKey rsa)) {
          throw new IllegalArgumentException(alg + " needs an RSA key, not " + publicKey.getAlgorithm());
        }
        this.signatureLength = (rsa.getModulus().bitLength() + 7) / 8;
        this.ecOrder = null;
        if (alg.startsWith("PS")) {
          String digest = "SHA-" + bits;
          this.jcaName = "RSASSA-PSS";
          this.pss = new PSSParameterSpec(digest, "MGF1", new MGF1ParameterSpec(digest), bits / 8, 1);
        } else {
          this.jcaName = hash + "withRSA";
          this.pss = null;
        }
      }
      case "ES" -> {
        if (!(publicKey instanceof ECPublicKey ec)) {
          throw new IllegalArgumentException(alg + " needs an EC key, not " + publicKey.getAlgorithm());
        }
        int fieldBits = ec.getParams().getCurve().getField().getFieldSize();
        int expected = switch (bits) {
          case 256 -> 256;
          case 384 -> 384;
          default -> 521;
        };
        if (fieldBits != expected) {
          throw new IllegalArgumentException(alg + " needs a key on the " + expected + "-bit curve, not " + fieldBits);
        }
        this.ecOrder = ec.getParams().getOrder();
        this.signatureLength = 2 * ((fieldBits + 7) / 8);
        this.jcaName = hash + "withECDSA";
        this.pss = null;
      }
      case "Ed" -> {
        if (!(publicKey instanceof EdECPublicKey ed)) {
          throw new IllegalArgumentException(alg + " needs an Ed25519 or Ed448 key, not " + publicKey.getAlgorithm());
        }
        // RFC 8032: 64 bytes for Ed25519, 114 for Ed448; some providers ignore bytes past the signature
        this.signatureLength = "Ed448".equalsIgnoreCase(ed.getParams().getName()) ? 114 : 64;
        this.ecOrder = null;
        this.jcaName = "EdDSA";
        this.pss = null;
      }
      default -> throw new IllegalArgumentException("unsupported algorithm " + alg);
    }
    newVerifier(); // fail now, at load time, if no provider can check this algorithm with this key
    this.verifiers = ThreadLocal.withInitial(this::newVerifier);
  }

  private Signature newVerifier() {
    try {
      Signature signature = Signature.getInstance(jcaName);
      signature.initVerify(publicKey);
      if (pss != null) {
        signature.setParameter(pss);
      }
      return signature;
    } catch (GeneralSecurityException e) {
      throw new IllegalArgumentException(alg + ": " + e.getMessage(), e);
    }
  }

  public String kid() {
    return kid;
  }

  public String alg() {
    return alg;
  }

  PublicKey publicKey() {
    return publicKey;
  }

  boolean verify(byte[] signature, byte[] signingInput) {
    if (signatureLength > 0 && signature.length != signatureLength) {
      return false;
    }
    byte[] checked = signature;
    if (ecOrder != null) {
      int half = signature.length / 2;
      BigInteger r = new BigInteger(1, Arrays.copyOfRange(signature, 0, half));
      BigInteger s = new BigInteger(1, Arrays.copyOfRange(signature, half, signature.length));
      if (r.signum() == 0 || s.signum() == 0 || r.compareTo(ecOrder) >= 0 || s.compareTo(ecOrder) >= 0) {
        return false;
      }
      checked = der(r, s);
    }
    Signature verifier = verifiers.get();
    try {
      verifier.update(signingInput);
      return verifier.verify(checked); // also resets it for the next token
    } catch (GeneralSecurityException | RuntimeException e) {
      verifiers.remove(); // its state is unknown after a failure: the next check on this thread starts afresh
      return false;
    }
  }

  /** ECDSA {@code (r, s)} as the DER SEQUENCE every provider accepts. */
  private static byte[] der(BigInteger r, BigInteger s) {
    byte[] rb = r.toByteArray();
    byte[] sb = s.toByteArray();
    int content = 2 + rb.length + 2 + sb.length + (rb.length > 127 ? 1 : 0) + (sb.length > 127 ? 1 : 0);
    byte[] out = new byte[2 + (content > 127 ? 1 : 0) + content];
    int i = 0;
    out[i++] = 0x30;
    if (content > 127) {
      out[i++] = (byte) 0x81;
    }
    out[i++] = (byte) content;
    i = integer(out, i, rb);
    integer(out, i, sb);
    return out;
  }

  private static int integer(byte[] out, int at, byte[] value) {
    out[at++] = 0x02;
    if (value.length > 127) {
      out[at++] = (byte) 0x81;
    }
    out[at++] = (byte) value.length;
    System.arraycopy(value, 0, out, at, value.length);
    return at + value.length;
  }

  @Override
  public String toString() {
    return "SigningKey[kid=" + kid + ", alg=" + alg + "]";
  }
}
