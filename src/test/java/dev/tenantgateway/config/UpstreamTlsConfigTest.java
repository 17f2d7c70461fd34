package dev.tenantgateway.config;

import dev.tenantgateway.compile.ConfigLoader;
import dev.tenantgateway.support.TestCertificates;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** What {@code validate} (and the start) says about {@code upstreams.NAME.tls}. */
class UpstreamTlsConfigTest {

  @TempDir
  static Path dir;

  @BeforeAll
  static void certificates() throws Exception {
    TestCertificates ca = TestCertificates.newCa("upstream CA");
    ca.writeCa(dir.resolve("ca.crt"));
    TestCertificates.Issued client = ca.client("gateway");
    client.writePem(dir.resolve("client.crt"), dir.resolve("client.key"));
    client.writePkcs12(dir.resolve("client.p12"), "s3cret");
    // a key issued for another certificate: every handshake with the upstream would fail
    Files.writeString(dir.resolve("other.key"), TestCertificates.pem(TestCertificates.rsa().getPrivate()));
    Files.writeString(dir.resolve("garbage.crt"), "not a certificate\n");
  }

  /** One upstream, {@code app}, at {@code url} with the given {@code tls:} flow mapping (line 3). */
  static GatewayConfig load(String url, String tls) throws ConfigException {
    String yaml = "upstreams:\n"
        + "  app:\n"
        + "    url: \"" + url + "\"\n"
        + (tls == null ? "" : "    tls: " + tls + "\n")
        + """
        routes:
          - { id: status, methods: [GET], path: /status, upstream: app, public: true }
        """;
    return ConfigLoader.parse(yaml, "routes.yaml", dir, Map.<String, String>of()::get);
  }

  static List<String> errors(String tls) {
    ConfigException e = assertThrows(ConfigException.class, () -> load("https://orders.internal:8443", tls));
    return e.errors().stream().map(ConfigError::toString).toList();
  }

  @Test
  void pemClientCertificateAndCaBundleAreReadRelativeToRoutesYaml() throws Exception {
    UpstreamTls tls = load("https://orders.internal:8443",
        "{ ca_file: ca.crt, cert_file: client.crt, key_file: client.key, server_name: orders.example.com }")
        .upstreams().get("app").tls();
    assertEquals(dir.resolve("ca.crt"), tls.caFile());
    assertEquals(dir.resolve("client.key"), tls.keyFile());
    assertEquals("orders.example.com", tls.serverName());
    assertTrue(tls.verify());
    assertTrue(tls.clientCertificate());
  }

  @Test
  void pkcs12ClientCertificate() throws Exception {
    UpstreamTls tls = load("https://orders.internal:8443",
        "{ ca_file: ca.crt, keystore_file: client.p12, keystore_password: s3cret }").upstreams().get("app").tls();
    assertEquals(dir.resolve("client.p12"), tls.keystoreFile());
    assertTrue(tls.clientCertificate());
  }

  @Test
  void httpsWithoutATlsSectionUsesTheJvmTrustStoreAndHttpHasNoTls() throws Exception {
    assertSame(UpstreamTls.DEFAULT, load("https://orders.internal", null).upstreams().get("app").tls());
    assertTrue(UpstreamTls.DEFAULT.verify());
    assertFalse(UpstreamTls.DEFAULT.clientCertificate());
    assertNull(load("http://orders.internal", null).upstreams().get("app").tls());
  }

  @Test
  void aMissingFileIsNamedWithItsPositionAndAHint() {
    List<String> errors = errors("{ ca_file: missing-ca.crt }");
    assertEquals(1, errors.size(), errors.toString());
    assertTrue(errors.get(0).startsWith("routes.yaml:4:21: upstreams.app.tls.ca_file: cannot read "
        + dir.resolve("missing-ca.crt")), errors.get(0));
    assertTrue(errors.get(0).contains("relative to the directory of routes.yaml"), errors.get(0));
  }

  @Test
  void aCaFileWithoutCertificates() {
    List<String> errors = errors("{ ca_file: garbage.crt }");
    assertEquals(1, errors.size(), errors.toString());
    assertTrue(errors.get(0).startsWith("routes.yaml:4:21: upstreams.app.tls.ca_file: "), errors.get(0));
    assertTrue(errors.get(0).contains("-----BEGIN CERTIFICATE-----"), errors.get(0));
  }

  @Test
  void aKeyThatDoesNotMatchTheClientCertificate() {
    List<String> errors = errors("{ cert_file: client.crt, key_file: other.key }");
    assertEquals(1, errors.size(), errors.toString());
    assertTrue(errors.get(0).startsWith("routes.yaml:4:45: upstreams.app.tls.key_file: the private key does not "
        + "match the certificate (CN=gateway)"), errors.get(0));
  }

  @Test
  void aWrongKeystorePassword() {
    List<String> errors = errors("{ keystore_file: client.p12, keystore_password: wrong }");
    assertEquals(1, errors.size(), errors.toString());
    assertTrue(errors.get(0).startsWith("routes.yaml:4:27: upstreams.app.tls.keystore_file: the certificate or key "
        + "cannot be read"), errors.get(0));
    assertTrue(errors.get(0).contains("password is right"), errors.get(0));
  }

  @ParameterizedTest
  @CsvSource(delimiter = '|', value = {
      "{ cert_file: client.crt }|routes.yaml:4:23: upstreams.app.tls.key_file: mutual TLS is half-configured: cert_file without key_file",
      "{ key_file: client.key }|routes.yaml:4:22: upstreams.app.tls.cert_file: mutual TLS is half-configured: key_file without cert_file",
      "{ keystore_file: client.p12 }|routes.yaml:4:27: upstreams.app.tls.keystore_password: keystore_password is missing",
      "{ keystore_password: s3cret }|routes.yaml:4:31: upstreams.app.tls.keystore_file: keystore_password without keystore_file",
      "{ cert_file: client.crt, key_file: client.key, keystore_file: client.p12, keystore_password: s3cret }|routes.yaml:4:72: upstreams.app.tls.keystore_file: give a PEM client certificate or a keystore, not both",
      "{ ca_file: ca.crt, verify: false }|routes.yaml:4:37: upstreams.app.tls.verify: verify: false would ignore ca_file",
      "{ server_name: \"https://orders.example.com\" }|routes.yaml:4:25: upstreams.app.tls.server_name: 'https://orders.example.com' is not a host name",
      "{ ca_file: ca.crt, ciphers: [RC4] }|routes.yaml:4:29: upstreams.app.tls.ciphers: unknown key"})
  void structuralMistakes(String tls, String expected) {
    List<String> errors = errors(tls);
    assertEquals(1, errors.size(), errors.toString());
    assertTrue(errors.get(0).startsWith(expected), errors.get(0));
  }

  @Test
  void verifyFalseIsAcceptedButValidateWarns() throws Exception {
    GatewayConfig config = load("https://orders.internal:8443", "{ verify: false }");
    assertFalse(config.upstreams().get("app").tls().verify());
    List<String> warnings = dev.tenantgateway.compile.ConfigAdvisor.warnings(config).stream()
        .filter(w -> w.contains("tls.verify")).toList();
    assertEquals(1, warnings.size(), warnings.toString());
    assertTrue(warnings.get(0).startsWith("routes.yaml:3:5: warning: upstream 'app' has tls.verify: false"),
        warnings.get(0));
    assertTrue(dev.tenantgateway.compile.ConfigAdvisor.warnings(load("https://orders.internal:8443",
        "{ ca_file: ca.crt }")).stream().noneMatch(w -> w.contains("tls.verify")));
  }

  @Test
  void tlsOnAPlainHttpUrl() {
    ConfigException e = assertThrows(ConfigException.class,
        () -> load("http://orders.internal:8443/api", "{ ca_file: ca.crt }"));
    List<String> errors = e.errors().stream().map(ConfigError::toString).toList();
    assertEquals(1, errors.size(), errors.toString());
    assertTrue(errors.get(0).startsWith("routes.yaml:4:10: upstreams.app.tls: tls applies to https:// upstreams "
        + "only"), errors.get(0));
    assertTrue(errors.get(0).contains("https://orders.internal:8443/api"), errors.get(0));
  }
}
