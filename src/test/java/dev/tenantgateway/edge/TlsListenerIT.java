package dev.tenantgateway.edge;

import dev.tenantgateway.support.LogCapture;
import dev.tenantgateway.support.GatewayFixture;
import dev.tenantgateway.support.RecordingUpstream;
import dev.tenantgateway.support.TestCertificates;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpClientAgent;
import io.vertx.core.http.HttpClientConnection;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpConnectOptions;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpVersion;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.net.PemTrustOptions;
import io.vertx.junit5.VertxExtension;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

import java.math.BigInteger;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.cert.X509Certificate;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * TLS termination through real sockets: a Vert.x client that trusts only the test CA, the gateway serving a
 * certificate from PEM files the test writes, and the files rotated in place as cert-manager does.
 */
@ExtendWith(VertxExtension.class)
class TlsListenerIT {

  static final String ROUTES = """
      listener:
        host: 127.0.0.1
        port: 0
        tls: { cert_file: "${CERT}", key_file: "${KEY}" }
        http2:
          enabled: "${HTTP2:-true}"
      admin: { host: 127.0.0.1, port: 0, reload_interval: 0s }
      upstreams:
        app: { url: "${UPSTREAM}" }
      routes:
        - { id: status, methods: [GET, POST], path: /status, upstream: app, public: true }
      """;

  @TempDir
  static Path dir;
  static Vertx vertx;
  static RecordingUpstream upstream;
  static TestCertificates ca;
  static Path caFile;

  GatewayFixture gateway;
  Path cert;
  Path key;
  HttpClientAgent client;

  @BeforeAll
  static void setUp() throws Exception {
    // load the JDK's TLS and Jackson classes here rather than in the first handshake or JSON answer on an event loop
    javax.net.ssl.SSLContext.getDefault().createSSLEngine().getSupportedCipherSuites();
    new io.vertx.core.json.JsonObject().put("warm", true).encode();
    vertx = Vertx.vertx();
    upstream = new RecordingUpstream().start(vertx);
    ca = TestCertificates.newCa("gateway test CA");
    caFile = dir.resolve("ca.crt");
    ca.writeCa(caFile);
  }

  @AfterAll
  static void tearDown() throws Exception {
    upstream.stop().await(10, TimeUnit.SECONDS);
    vertx.close().await(10, TimeUnit.SECONDS);
  }

  @BeforeEach
  void start() throws Exception {
    cert = Files.createTempFile(dir, "tls", ".crt");
    key = Files.createTempFile(dir, "tls", ".key");
    upstream.clear();
  }

  @AfterEach
  void stop() throws Exception {
    if (client != null) {
      client.close().await(10, TimeUnit.SECONDS);
    }
    if (gateway != null) {
      gateway.close();
    }
  }

  void startGateway(TestCertificates.Issued served, String http2) throws Exception {
    served.writePem(cert, key, ca.certificate());
    gateway = GatewayFixture.start(vertx, ROUTES, Map.of("CERT", cert.toString(), "KEY", key.toString(),
        "UPSTREAM", upstream.url(), "HTTP2", http2));
  }

  HttpClientOptions trusting() {
    return new HttpClientOptions().setSsl(true).setVerifyHost(true).setTrustOptions(new PemTrustOptions()
        .addCertPath(caFile.toString())).setDefaultHost("localhost").setDefaultPort(gateway.port());
  }

  Future<HttpClientConnection> connect(HttpClientAgent agent) {
    return agent.connect(new HttpConnectOptions().setHost("localhost").setPort(gateway.port()));
  }

  static int get(HttpClientConnection connection) throws Exception {
    return connection.request(new RequestOptions().setMethod(HttpMethod.GET).setURI("/status"))
        .compose(request -> request.send().compose(response -> response.body().map(b -> response.statusCode())))
        .await(20, TimeUnit.SECONDS);
  }

  static BigInteger serial(HttpClientConnection connection) throws Exception {
    return ((X509Certificate) connection.peerCertificates().get(0)).getSerialNumber();
  }

  @Test
  void servesHttpsWithTls13AndTls12() throws Exception {
    TestCertificates.Issued served = ca.server(false);
    startGateway(served, "true");
    client = vertx.createHttpClient(trusting());
    HttpClientConnection tls13 = connect(client).await(20, TimeUnit.SECONDS);
    assertEquals(200, get(tls13));
    assertEquals("TLSv1.3", tls13.sslSession().getProtocol());
    assertEquals(served.serial(), serial(tls13));
    assertEquals("/status", upstream.last().uri());
    // the upstream learns the client came over TLS
    assertEquals("https", upstream.last().header("X-Forwarded-Proto"));

    HttpClientAgent tls12Client = vertx.createHttpClient(trusting()
        .setEnabledSecureTransportProtocols(Set.of("TLSv1.2")));
    try {
      HttpClientConnection tls12 = connect(tls12Client).await(20, TimeUnit.SECONDS);
      assertEquals(200, get(tls12));
      assertEquals("TLSv1.2", tls12.sslSession().getProtocol());
      assertTrue(tls12.sslSession().getCipherSuite().startsWith("TLS_ECDHE_"), tls12.sslSession().getCipherSuite());
      assertTrue(tls12.sslSession().getCipherSuite().contains("_GCM_") || tls12.sslSession().getCipherSuite()
          .contains("CHACHA20"), tls12.sslSession().getCipherSuite());
    } finally {
      tls12Client.close().await(10, TimeUnit.SECONDS);
    }
  }

  @Test
  void refusesOldProtocolsAndWeakSuites() throws Exception {
    startGateway(ca.server(true), "true");
    HttpClientAgent tls11 = vertx.createHttpClient(trusting().setEnabledSecureTransportProtocols(Set.of("TLSv1.1")));
    HttpClientAgent cbc = vertx.createHttpClient(trusting().setEnabledSecureTransportProtocols(Set.of("TLSv1.2"))
        .addEnabledCipherSuite("TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA256"));
    try {
      assertThrows(Exception.class, () -> connect(tls11).await(20, TimeUnit.SECONDS));
      assertThrows(Exception.class, () -> connect(cbc).await(20, TimeUnit.SECONDS));
      assertTrue(upstream.received().isEmpty());
    } finally {
      tls11.close().await(10, TimeUnit.SECONDS);
      cbc.close().await(10, TimeUnit.SECONDS);
    }
  }

  @Test
  void plainHttpOnTheTlsPortIsNotServed() throws Exception {
    startGateway(ca.server(false), "true");
    HttpClientAgent plain = vertx.createHttpClient(new HttpClientOptions().setDefaultHost("localhost")
        .setDefaultPort(gateway.port()));
    try {
      assertThrows(Exception.class, () -> plain.request(HttpMethod.GET, "/status")
          .compose(r -> r.send()).await(20, TimeUnit.SECONDS));
      assertTrue(upstream.received().isEmpty());
    } finally {
      plain.close().await(10, TimeUnit.SECONDS);
    }
  }

  @Test
  void rotatedCertificateIsServedWithoutDroppingConnections() throws Exception {
    TestCertificates.Issued first = ca.server(false);
    startGateway(first, "true");
    client = vertx.createHttpClient(trusting().setProtocolVersion(HttpVersion.HTTP_2).setUseAlpn(true));
    HttpClientConnection before = connect(client).await(20, TimeUnit.SECONDS);
    assertEquals(200, get(before));
    assertFalse(gateway.server().reloadCertificate().await(10, TimeUnit.SECONDS), "unchanged files: nothing to do");

    TestCertificates.Issued second = ca.server(true); // an EC key replaces the RSA one, as a re-issue may do
    second.writePem(cert, key, ca.certificate());
    assertTrue(gateway.server().reloadCertificate().await(10, TimeUnit.SECONDS));

    // the open connection carries on with its session ...
    assertEquals(200, get(before));
    assertEquals(first.serial(), serial(before));
    // ... and a new handshake gets the new certificate
    HttpClientConnection after = connect(client).await(20, TimeUnit.SECONDS);
    assertEquals(200, get(after));
    assertEquals(second.serial(), serial(after));
    assertEquals(3, upstream.received().size());
  }

  @Test
  void mismatchedRotationIsRefusedAndTheServingCertificateStays() throws Exception {
    TestCertificates.Issued first = ca.server(false);
    startGateway(first, "false");
    // half a rotation: a new certificate, the old key
    String oldKey = Files.readString(key);
    ca.server(false).writePem(cert, key);
    Files.writeString(key, oldKey);
    try (LogCapture log = LogCapture.of("dev.tenantgateway.server.CertificateReloader")) {
      assertFalse(gateway.server().reloadCertificate().await(10, TimeUnit.SECONDS));
      List<String> errors = log.messages(java.util.logging.Level.SEVERE);
      assertEquals(1, errors.size(), errors::toString);
      assertTrue(errors.get(0).contains("the changed files are refused and the serving certificate stays")
          && errors.get(0).contains("does not match"), errors.get(0));
    }

    client = vertx.createHttpClient(trusting());
    HttpClientConnection connection = connect(client).await(20, TimeUnit.SECONDS);
    assertEquals(200, get(connection));
    assertEquals(first.serial(), serial(connection));

    // the rest of the rotation arrives: now it is served
    TestCertificates.Issued third = ca.server(false);
    third.writePem(cert, key, ca.certificate());
    assertTrue(gateway.server().reloadCertificate().await(10, TimeUnit.SECONDS));
    HttpClientConnection next = connect(client).await(20, TimeUnit.SECONDS);
    assertEquals(third.serial(), serial(next));
  }
}
