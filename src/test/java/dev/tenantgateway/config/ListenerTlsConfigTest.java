package dev.tenantgateway.config;

import dev.tenantgateway.compile.ConfigLoader;

import dev.tenantgateway.support.TestCertificates;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** What {@code validate} (and the start) says about {@code listener.tls} and {@code listener.http2}. */
class ListenerTlsConfigTest {

  @TempDir
  static Path dir;

  @BeforeAll
  static void certificates() throws Exception {
    TestCertificates ca = TestCertificates.newCa("test CA");
    TestCertificates.Issued rsa = ca.server(false);
    rsa.writePem(dir.resolve("tls.crt"), dir.resolve("tls.key"), ca.certificate());
    TestCertificates.Issued ec = ca.server(true);
    ec.writePem(dir.resolve("ec.crt"), dir.resolve("ec.key"));
    ec.writePkcs12(dir.resolve("gw.p12"), "s3cret");
    // a key issued for another certificate: every handshake would fail
    Files.writeString(dir.resolve("other.key"), TestCertificates.pem(TestCertificates.rsa().getPrivate()));
    Files.writeString(dir.resolve("garbage.crt"), "not a certificate\n");
  }

  static GatewayConfig load(String listener) throws ConfigException {
    String yaml = "listener:\n" + listener.indent(2) + """
        upstreams:
          app: { url: "http://127.0.0.1:9" }
        routes:
          - { id: status, methods: [GET], path: /status, upstream: app, public: true }
        """;
    return ConfigLoader.parse(yaml, "routes.yaml", dir, Map.<String, String>of()::get);
  }

  static List<String> errors(String listener) {
    ConfigException e = assertThrows(ConfigException.class, () -> load(listener));
    return e.errors().stream().map(ConfigError::toString).toList();
  }

  @Test
  void pemFilesAreReadRelativeToRoutesYaml() throws Exception {
    GatewayConfig config = load("tls: { cert_file: tls.crt, key_file: tls.key }");
    ListenerTls tls = config.listener().tls();
    assertEquals(dir.resolve("tls.crt"), tls.certFile());
    assertEquals(List.of("TLSv1.2", "TLSv1.3"), tls.versions());
    assertFalse(config.listener().http2().enabled());
    assertFalse(config.listener().http2().h2c());
    assertEquals(100, config.listener().http2().maxConcurrentStreams());
  }

  @Test
  void ecKeysAndPkcs12Keystores() throws Exception {
    assertEquals(dir.resolve("ec.key"), load("tls: { cert_file: ec.crt, key_file: ec.key }").listener().tls().keyFile());
    ListenerTls p12 = load("tls: { keystore_file: gw.p12, keystore_password: s3cret, versions: [TLSv1.3] }")
        .listener().tls();
    assertFalse(p12.pem());
    assertEquals(List.of("TLSv1.3"), p12.versions());
  }

  @Test
  void keyThatDoesNotMatchTheCertificate() {
    List<String> errors = errors("tls: { cert_file: tls.crt, key_file: other.key }");
    assertEquals(1, errors.size(), errors.toString());
    assertTrue(errors.get(0).startsWith("routes.yaml:2:40: listener.tls.key_file: the private key does not match "
        + "the certificate (CN=localhost)"), errors.get(0));
  }

  @Test
  void unreadableFiles() throws Exception {
    String missing = errors("tls: { cert_file: missing.crt, key_file: tls.key }").get(0);
    assertTrue(missing.startsWith("routes.yaml:2:21: listener.tls.cert_file: cannot read " + dir.resolve("missing.crt")),
        missing);
    assertTrue(missing.contains("relative to the directory of routes.yaml"), missing);
    String garbage = errors("tls: { cert_file: garbage.crt, key_file: tls.key }").get(0);
    assertTrue(garbage.contains("listener.tls.key_file: the certificate or key cannot be read"), garbage);
    String password = errors("tls: { keystore_file: gw.p12, keystore_password: wrong }").get(0);
    assertTrue(password.contains("listener.tls.keystore_file: the certificate or key cannot be read"), password);
    assertTrue(password.contains("the password is right"), password);
  }

  @Test
  void onlyTls12And13() {
    List<String> errors = errors("tls: { cert_file: tls.crt, key_file: tls.key, versions: [TLSv1.1, TLSv1.3] }");
    assertEquals(1, errors.size(), errors.toString());
    assertTrue(errors.get(0).contains("listener.tls.versions: 'TLSv1.1' is not offered — use TLSv1.2 and/or TLSv1.3"),
        errors.get(0));
    assertTrue(errors("tls: { cert_file: tls.crt, key_file: tls.key, versions: [] }").get(0)
        .contains("the list is empty"));
  }

  @Test
  void incompleteOrAmbiguousSettings() {
    assertTrue(errors("tls: { cert_file: tls.crt }").get(0).contains("cert_file and key_file go together"));
    assertTrue(errors("tls: { cert_file: tls.crt, key_file: tls.key, keystore_file: gw.p12 }").get(0)
        .contains("give PEM files or a keystore, not both"));
    assertTrue(errors("tls: {}").get(0).contains("no certificate is given"));
    assertTrue(errors("tls: { keystore_file: gw.p12 }").get(0).contains("keystore_password is missing"));
    assertTrue(errors("tls: { cert: tls.crt }").get(0).contains("listener.tls"));
    assertTrue(errors("http2: { enabled: false, h2c: true }").get(0).contains("listener.http2.h2c"));
    assertTrue(errors("http2: { max_concurrent_streams: 0 }").get(0).contains("max_concurrent_streams"));
  }

  @Test
  void plainListenerByDefault() throws Exception {
    GatewayConfig config = load("port: 0");
    assertNull(config.listener().tls());
    assertEquals(Http2Settings.defaults(), config.listener().http2());
  }
}
