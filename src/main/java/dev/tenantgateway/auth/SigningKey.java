package dev.tenantgateway.auth;

import io.vertx.ext.auth.impl.jose.JWK;
import io.vertx.ext.auth.impl.jose.JWS;

import java.math.BigInteger;
import java.security.interfaces.ECPublicKey;
import java.security.interfaces.RSAPublicKey;
import java.util.Arrays;

/**
 * One public key of an issuer, bound to one algorithm. Signature checks are done by the vertx-auth JOSE classes;
 * this adds the shape checks they leave out: the exact signature length of the algorithm (raw R||S for ECDSA, never
 * DER), and ECDSA {@code r} and {@code s} in {@code [1, n-1]} (the CVE-2022-21449 class).
 */
public final class SigningKey {

  private final String kid;
  private final String alg;
  private final JWK jwk;
  private final int signatureLength;
  private final BigInteger ecOrder;
  // JWS guards its java.security.Signature with a lock; one per event-loop thread avoids contention.
  private final ThreadLocal<JWS> jws;

  SigningKey(JWK jwk) {
    this.jwk = jwk;
    this.kid = jwk.getId();
    this.alg = jwk.getAlgorithm();
    if (jwk.publicKey() instanceof RSAPublicKey rsa) {
      this.signatureLength = (rsa.getModulus().bitLength() + 7) / 8;
      this.ecOrder = null;
    } else if (jwk.publicKey() instanceof ECPublicKey ec) {
      this.ecOrder = ec.getParams().getOrder();
      this.signatureLength = 2 * ((ec.getParams().getCurve().getField().getFieldSize() + 7) / 8);
    } else {
      this.signatureLength = -1;
      this.ecOrder = null;
    }
    new JWS(jwk); // fail now, at load time, if the algorithm and key do not fit
    this.jws = ThreadLocal.withInitial(() -> new JWS(jwk));
  }

  public String kid() {
    return kid;
  }

  public String alg() {
    return alg;
  }

  JWK jwk() {
    return jwk;
  }

  boolean verify(byte[] signature, byte[] signingInput) {
    if (signatureLength > 0 && signature.length != signatureLength) {
      return false;
    }
    if (ecOrder != null) {
      int half = signature.length / 2;
      BigInteger r = new BigInteger(1, Arrays.copyOfRange(signature, 0, half));
      BigInteger s = new BigInteger(1, Arrays.copyOfRange(signature, half, signature.length));
      if (r.signum() == 0 || s.signum() == 0 || r.compareTo(ecOrder) >= 0 || s.compareTo(ecOrder) >= 0) {
        return false;
      }
    }
    try {
      return jws.get().verify(signature, signingInput);
    } catch (RuntimeException e) {
      return false;
    }
  }

  @Override
  public String toString() {
    return "SigningKey[kid=" + kid + ", alg=" + alg + "]";
  }
}
