package dev.tenantgateway.support;

import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.bouncycastle.cert.X509v3CertificateBuilder;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.openssl.jcajce.JcaPEMWriter;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;

import java.io.IOException;
import java.io.OutputStream;
import java.io.StringWriter;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.KeyStore;
import java.security.cert.X509Certificate;
import java.security.spec.ECGenParameterSpec;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Real X.509 material made in the test: a CA, and certificates it issues for {@code localhost} and {@code 127.0.0.1}
 * (servers) or for a client, written as PEM (PKCS#1 RSA keys, SEC1 EC keys, as cert-manager and openssl write them)
 * or PKCS#12.
 */
public final class TestCertificates {

  private static final AtomicLong SERIALS = new AtomicLong(System.nanoTime());

  /** A certificate with its key; {@code serial} tells two issues apart. */
  public record Issued(X509Certificate certificate, KeyPair keys) {
    public BigInteger serial() {
      return certificate.getSerialNumber();
    }

    /** Writes the certificate (followed by {@code chain}) and the key as PEM files. */
    public void writePem(Path certFile, Path keyFile, X509Certificate... chain) throws IOException {
      StringBuilder certs = new StringBuilder(pem(certificate));
      for (X509Certificate c : chain) {
        certs.append(pem(c));
      }
      Files.writeString(certFile, certs, StandardCharsets.US_ASCII);
      Files.writeString(keyFile, keys.getPrivate().getAlgorithm().equals("EC") ? sec1(keys) : pem(keys.getPrivate()),
          StandardCharsets.US_ASCII);
    }

    public void writePkcs12(Path file, String password) throws Exception {
      KeyStore store = KeyStore.getInstance("PKCS12");
      store.load(null, null);
      store.setKeyEntry("gateway", keys.getPrivate(), password.toCharArray(), new X509Certificate[]{certificate});
      try (OutputStream out = Files.newOutputStream(file)) {
        store.store(out, password.toCharArray());
      }
    }
  }

  private final Issued ca;

  private TestCertificates(Issued ca) {
    this.ca = ca;
  }

  /** A new CA with an RSA key. */
  public static TestCertificates newCa(String name) throws Exception {
    KeyPair keys = rsa();
    X500Name subject = new X500Name("CN=" + name);
    X509v3CertificateBuilder builder = builder(subject, subject, keys);
    builder.addExtension(Extension.basicConstraints, true, new BasicConstraints(0));
    builder.addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.keyCertSign | KeyUsage.cRLSign));
    return new TestCertificates(new Issued(sign(builder, keys), keys));
  }

  public X509Certificate certificate() {
    return ca.certificate();
  }

  public void writeCa(Path file) throws IOException {
    Files.writeString(file, pem(ca.certificate()), StandardCharsets.US_ASCII);
  }

  /** A server certificate for localhost and 127.0.0.1; {@code ec} chooses a P-256 key over RSA. */
  public Issued server(boolean ec) throws Exception {
    KeyPair keys = ec ? ec() : rsa();
    X509v3CertificateBuilder builder = builder(new X500Name("CN=localhost"),
        X500Name.getInstance(ca.certificate().getSubjectX500Principal().getEncoded()), keys);
    builder.addExtension(Extension.subjectAlternativeName, false, new GeneralNames(new GeneralName[]{
        new GeneralName(GeneralName.dNSName, "localhost"), new GeneralName(GeneralName.iPAddress, "127.0.0.1")}));
    builder.addExtension(Extension.basicConstraints, true, new BasicConstraints(false));
    return new Issued(sign(builder, ca.keys()), keys);
  }

  /** A server certificate (RSA) for these DNS names only: no IP address, so connecting by address needs the name. */
  public Issued serverFor(String... dnsNames) throws Exception {
    KeyPair keys = rsa();
    X509v3CertificateBuilder builder = builder(new X500Name("CN=" + dnsNames[0]),
        X500Name.getInstance(ca.certificate().getSubjectX500Principal().getEncoded()), keys);
    GeneralName[] names = new GeneralName[dnsNames.length];
    for (int i = 0; i < dnsNames.length; i++) {
      names[i] = new GeneralName(GeneralName.dNSName, dnsNames[i]);
    }
    builder.addExtension(Extension.subjectAlternativeName, false, new GeneralNames(names));
    builder.addExtension(Extension.basicConstraints, true, new BasicConstraints(false));
    return new Issued(sign(builder, ca.keys()), keys);
  }

  /** A client certificate for mutual TLS. */
  public Issued client(String name) throws Exception {
    KeyPair keys = rsa();
    X509v3CertificateBuilder builder = builder(new X500Name("CN=" + name),
        X500Name.getInstance(ca.certificate().getSubjectX500Principal().getEncoded()), keys);
    builder.addExtension(Extension.basicConstraints, true, new BasicConstraints(false));
    return new Issued(sign(builder, ca.keys()), keys);
  }

  public static String pem(Object object) throws IOException {
    StringWriter out = new StringWriter();
    try (JcaPEMWriter writer = new JcaPEMWriter(out)) {
      writer.writeObject(object);
    }
    return out.toString();
  }

  /** An EC key as openssl and cert-manager write it: SEC1 with the named curve and the public key. */
  static String sec1(KeyPair keys) throws IOException {
    org.bouncycastle.asn1.pkcs.PrivateKeyInfo info = org.bouncycastle.asn1.pkcs.PrivateKeyInfo.getInstance(
        keys.getPrivate().getEncoded());
    org.bouncycastle.asn1.sec.ECPrivateKey inner = org.bouncycastle.asn1.sec.ECPrivateKey.getInstance(
        info.parsePrivateKey());
    org.bouncycastle.asn1.x509.SubjectPublicKeyInfo publicInfo =
        org.bouncycastle.asn1.x509.SubjectPublicKeyInfo.getInstance(keys.getPublic().getEncoded());
    org.bouncycastle.asn1.sec.ECPrivateKey full = new org.bouncycastle.asn1.sec.ECPrivateKey(256, inner.getKey(),
        publicInfo.getPublicKeyData(), info.getPrivateKeyAlgorithm().getParameters());
    StringWriter out = new StringWriter();
    try (org.bouncycastle.util.io.pem.PemWriter writer = new org.bouncycastle.util.io.pem.PemWriter(out)) {
      writer.writeObject(new org.bouncycastle.util.io.pem.PemObject("EC PRIVATE KEY", full.getEncoded()));
    }
    return out.toString();
  }

  public static KeyPair rsa() throws Exception {
    KeyPairGenerator generator = KeyPairGenerator.getInstance("RSA");
    generator.initialize(2048);
    return generator.generateKeyPair();
  }

  private static KeyPair ec() throws Exception {
    KeyPairGenerator generator = KeyPairGenerator.getInstance("EC");
    generator.initialize(new ECGenParameterSpec("secp256r1"));
    return generator.generateKeyPair();
  }

  private static X509v3CertificateBuilder builder(X500Name subject, X500Name issuer, KeyPair keys) {
    Instant now = Instant.now();
    return new JcaX509v3CertificateBuilder(issuer, BigInteger.valueOf(SERIALS.incrementAndGet()),
        Date.from(now.minus(Duration.ofHours(1))), Date.from(now.plus(Duration.ofDays(30))), subject, keys.getPublic());
  }

  private static X509Certificate sign(X509v3CertificateBuilder builder, KeyPair signer) throws Exception {
    String algorithm = signer.getPrivate().getAlgorithm().equals("EC") ? "SHA256withECDSA" : "SHA256withRSA";
    return new JcaX509CertificateConverter().getCertificate(
        builder.build(new JcaContentSignerBuilder(algorithm).build(signer.getPrivate())));
  }
}
