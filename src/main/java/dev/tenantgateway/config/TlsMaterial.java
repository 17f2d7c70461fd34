package dev.tenantgateway.config;

import io.vertx.core.buffer.Buffer;
import io.vertx.core.net.KeyCertOptions;
import io.vertx.core.net.PemKeyCertOptions;
import io.vertx.core.net.PemTrustOptions;
import io.vertx.core.net.PfxOptions;
import io.vertx.core.net.TrustOptions;

import javax.net.ssl.KeyManager;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.X509KeyManager;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.Signature;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * Reads certificates and keys from their files and checks them before anything listens or connects: the files must
 * be readable and parse, and the private key must belong to the certificate (a key that does not match fails every
 * handshake, which would otherwise only show once clients connect). The same reading serves the start, {@code
 * validate} and every reload of rotated files. Blocking: call it off the event loop.
 */
public final class TlsMaterial {

  /** What is wrong with the TLS files, with the key of routes.yaml it concerns and how to fix it. */
  public static final class TlsProblem extends Exception {
    private final String key;
    private final String hint;

    TlsProblem(String key, String message, String hint) {
      super(message, null, false, false);
      this.key = key;
      this.hint = hint;
    }

    public String key() {
      return key;
    }

    public String hint() {
      return hint;
    }
  }

  private static final String[] KEY_TYPES = {"RSA", "EC", "EdDSA", "Ed25519", "Ed448", "RSASSA-PSS"};

  private TlsMaterial() {
  }

  /** The listener's certificate chain and key, read now and checked to belong together. */
  public static KeyCertOptions listener(ListenerTls tls) throws TlsProblem {
    KeyCertOptions options;
    if (tls.pem()) {
      options = new PemKeyCertOptions()
          .setCertValue(read(tls.certFile(), "cert_file"))
          .setKeyValue(read(tls.keyFile(), "key_file"));
    } else {
      options = new PfxOptions().setValue(read(tls.keystoreFile(), "keystore_file"))
          .setPassword(tls.keystorePassword());
    }
    checkPair(options, tls.pem() ? "cert_file" : "keystore_file", tls.pem() ? "key_file" : "keystore_password");
    return options;
  }

  /**
   * Checks what an {@code https://} upstream's {@code tls:} names: the CA bundle parses, and the client certificate
   * (PEM or PKCS#12) can be read and belongs to its key. Problems are keyed by the {@code tls:} key they concern.
   */
  public static void upstream(UpstreamTls tls) throws TlsProblem {
    if (tls.caFile() != null) {
      caBundle(tls.caFile(), "ca_file");
    }
    if (tls.certFile() != null) {
      clientCertificate(tls.certFile(), tls.keyFile(), "");
    } else if (tls.keystoreFile() != null) {
      PfxOptions keystore = new PfxOptions().setValue(read(tls.keystoreFile(), "keystore_file"))
          .setPassword(tls.keystorePassword());
      checkPair(keystore, "keystore_file", "keystore_password");
    }
  }

  /** A client certificate and key (PEM) presented to an upstream, checked to belong together. */
  public static KeyCertOptions clientCertificate(Path certFile, Path keyFile, String keyPrefix) throws TlsProblem {
    KeyCertOptions options = new PemKeyCertOptions()
        .setCertValue(read(certFile, keyPrefix + "cert_file"))
        .setKeyValue(read(keyFile, keyPrefix + "key_file"));
    checkPair(options, keyPrefix + "cert_file", keyPrefix + "key_file");
    return options;
  }

  /** A CA bundle (PEM, one or more certificates) to check an upstream's certificate against. */
  public static TrustOptions caBundle(Path caFile, String key) throws TlsProblem {
    Buffer pem = read(caFile, key);
    try {
      var certificates = CertificateFactory.getInstance("X.509").generateCertificates(
          new java.io.ByteArrayInputStream(pem.getBytes()));
      if (certificates.isEmpty()) {
        throw new CertificateException("no certificate in the file");
      }
    } catch (CertificateException e) {
      throw new TlsProblem(key, caFile + " holds no PEM certificate: " + e.getMessage(),
          "give a file of -----BEGIN CERTIFICATE----- blocks (the CA that signed the upstream's certificate)");
    }
    return new PemTrustOptions().addCertValue(pem);
  }

  private static Buffer read(Path file, String key) throws TlsProblem {
    try {
      return Buffer.buffer(Files.readAllBytes(file));
    } catch (IOException e) {
      throw new TlsProblem(key, "cannot read " + file + " (" + e.getClass().getSimpleName() + ": " + e.getMessage()
          + ")", "paths are relative to the directory of routes.yaml; the gateway's user must be able to read the file");
    }
  }

  private static void checkPair(KeyCertOptions options, String certKey, String keyKey) throws TlsProblem {
    X509KeyManager manager;
    try {
      // the values are given, so no Vert.x instance is needed to read files
      KeyManagerFactory factory = options.getKeyManagerFactory(null);
      manager = x509(factory.getKeyManagers());
    } catch (Exception e) {
      throw new TlsProblem(options instanceof PfxOptions ? certKey : keyKey,
          "the certificate or key cannot be read: " + message(e),
          options instanceof PfxOptions ? "check that the file is PKCS#12 and the password is right"
              : "give a PEM certificate (chain) and its PEM private key (PKCS#8, PKCS#1 RSA or SEC1 EC)");
    }
    Set<String> aliases = new LinkedHashSet<>();
    for (String type : KEY_TYPES) {
      String[] found = manager == null ? null : manager.getServerAliases(type, null);
      if (found != null) {
        aliases.addAll(List.of(found));
      }
    }
    if (aliases.isEmpty()) {
      throw new TlsProblem(certKey, "no private key with a certificate was found",
          "give a certificate and the private key it was issued for");
    }
    List<String> mismatches = new ArrayList<>();
    for (String alias : aliases) {
      X509Certificate[] chain = manager.getCertificateChain(alias);
      PrivateKey key = manager.getPrivateKey(alias);
      if (chain == null || chain.length == 0 || key == null) {
        throw new TlsProblem(certKey, "no certificate goes with the private key",
            "give the certificate the key was issued for");
      }
      if (!belongTogether(key, chain[0].getPublicKey())) {
        mismatches.add(chain[0].getSubjectX500Principal().getName());
      }
    }
    if (!mismatches.isEmpty()) {
      throw new TlsProblem(keyKey, "the private key does not match the certificate (" + mismatches.get(0) + ")",
          "give the key the certificate was issued for (cert-manager writes them together as tls.crt and tls.key)");
    }
  }

  private static X509KeyManager x509(KeyManager[] managers) {
    for (KeyManager m : managers) {
      if (m instanceof X509KeyManager x) {
        return x;
      }
    }
    return null;
  }

  /** Signs a challenge with the private key and verifies it with the certificate's public key. */
  static boolean belongTogether(PrivateKey key, PublicKey certificateKey) {
    if (!key.getAlgorithm().equals(certificateKey.getAlgorithm())
        && !(isEdDsa(key.getAlgorithm()) && isEdDsa(certificateKey.getAlgorithm()))) {
      return false;
    }
    String algorithm = switch (key.getAlgorithm()) {
      case "RSA" -> "SHA256withRSA";
      case "EC" -> "SHA256withECDSA";
      case "RSASSA-PSS" -> "RSASSA-PSS";
      default -> key.getAlgorithm(); // EdDSA, Ed25519, Ed448
    };
    byte[] challenge = "tenant-gateway key check".getBytes(java.nio.charset.StandardCharsets.US_ASCII);
    try {
      Signature signer = Signature.getInstance(algorithm);
      if (algorithm.equals("RSASSA-PSS")) {
        signer.setParameter(new java.security.spec.PSSParameterSpec("SHA-256", "MGF1",
            java.security.spec.MGF1ParameterSpec.SHA256, 32, 1));
      }
      signer.initSign(key);
      signer.update(challenge);
      byte[] signature = signer.sign();
      Signature verifier = Signature.getInstance(algorithm);
      if (algorithm.equals("RSASSA-PSS")) {
        verifier.setParameter(new java.security.spec.PSSParameterSpec("SHA-256", "MGF1",
            java.security.spec.MGF1ParameterSpec.SHA256, 32, 1));
      }
      verifier.initVerify(certificateKey);
      verifier.update(challenge);
      return verifier.verify(signature);
    } catch (GeneralSecurityException | RuntimeException e) {
      return false;
    }
  }

  private static boolean isEdDsa(String algorithm) {
    return algorithm.startsWith("Ed");
  }

  private static String message(Throwable e) {
    Throwable root = e;
    while (root.getCause() != null && root.getCause() != root) {
      root = root.getCause();
    }
    String text = root.getMessage();
    return text == null ? root.getClass().getSimpleName() : text;
  }
}
