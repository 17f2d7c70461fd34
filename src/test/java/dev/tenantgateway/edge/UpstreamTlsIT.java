package dev.tenantgateway.edge;

import dev.tenantgateway.support.GatewayFixture;
import dev.tenantgateway.support.TestCertificates;
import dev.tenantgateway.support.TestIssuer;
import io.vertx.core.MultiMap;
import io.vertx.core.Vertx;
import io.vertx.core.http.ClientAuth;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.core.net.PemKeyCertOptions;
import io.vertx.core.net.PemTrustOptions;
import io.vertx.junit5.VertxExtension;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.security.cert.X509Certificate;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * HTTPS upstreams through real sockets: Vert.x HTTPS servers with certificates from a CA made in the test, one
 * requiring a client certificate from a second CA (mutual TLS), the other serving a certificate for a DNS name only.
 * Each route's upstream differs in its {@code tls:} section; the test asserts what the upstream received, or that it
 * received nothing and the client got 502 {@code upstream_unavailable}.
 */
@ExtendWith(VertxExtension.class)
class UpstreamTlsIT {

  static final String ROUTES = """
      listener: { host: 127.0.0.1, port: 0 }
      issuers:
        - id: idp
          issuer: https://idp.test/
          jwks_uri: ${JWKS}
          audiences: [gateway]
          claims: { tenant: org_code, roles: roles }
      roles:
        viewer: [orders:read]
      upstreams:
        mtls: { url: "https://localhost:${MTLS}/api", tls: { ca_file: "${CA}", cert_file: "${CLIENT_CRT}", key_file: "${CLIENT_KEY}" } }
        p12: { url: "https://localhost:${MTLS}", tls: { ca_file: "${CA}", keystore_file: "${CLIENT_P12}", keystore_password: s3cret } }
        wrong-ca: { url: "https://localhost:${MTLS}", tls: { ca_file: "${OTHER_CA}", cert_file: "${CLIENT_CRT}", key_file: "${CLIENT_KEY}" } }
        no-client-cert: { url: "https://localhost:${MTLS}", tls: { ca_file: "${CA}" } }
        untrusted-client: { url: "https://localhost:${MTLS}", tls: { ca_file: "${CA}", cert_file: "${ROGUE_CRT}", key_file: "${ROGUE_KEY}" } }
        jvm-trust: { url: "https://localhost:${NAMED}" }
        by-address: { url: "https://127.0.0.1:${NAMED}", tls: { ca_file: "${CA}" } }
        by-name: { url: "https://127.0.0.1:${NAMED}", tls: { ca_file: "${CA}", server_name: orders.internal } }
        unverified: { url: "https://127.0.0.1:${NAMED}", tls: { verify: false } }
      routes:
        - { id: mtls, methods: [GET, POST], path: "/mtls/**", upstream: mtls, require: orders:read }
        - { id: p12, methods: [GET], path: "/p12", upstream: p12, public: true }
        - { id: wrong-ca, methods: [GET], path: "/wrong-ca", upstream: wrong-ca, public: true }
        - { id: no-client-cert, methods: [GET], path: "/no-client-cert", upstream: no-client-cert, public: true }
        - { id: untrusted-client, methods: [GET], path: "/untrusted-client", upstream: untrusted-client, public: true }
        - { id: jvm-trust, methods: [GET], path: "/jvm-trust", upstream: jvm-trust, public: true }
        - { id: by-address, methods: [GET], path: "/by-address", upstream: by-address, public: true }
        - { id: by-name, methods: [GET], path: "/by-name", upstream: by-name, public: true }
        - { id: unverified, methods: [GET], path: "/unverified", upstream: unverified, public: true }
      """;

  /** What an HTTPS upstream received, with the client certificate it was shown. */
  record Received(String server, String uri, MultiMap headers, String clientSubject, String sni, int bodyLength) {
  }

  @TempDir
  static Path dir;
  static TestIssuer idp;
  static HttpServer mtlsServer;
  static HttpServer namedServer;
  static GatewayFixture gateway;
  static final List<Received> received = new CopyOnWriteArrayList<>();

  @BeforeAll
  static void start(Vertx vertx) throws Exception {
    TestCertificates ca = TestCertificates.newCa("upstream test CA");
    ca.writeCa(dir.resolve("ca.crt"));
    TestCertificates.newCa("some other CA").writeCa(dir.resolve("other-ca.crt"));
    ca.server(false).writePem(dir.resolve("mtls.crt"), dir.resolve("mtls.key"));
    ca.serverFor("orders.internal").writePem(dir.resolve("named.crt"), dir.resolve("named.key"));
    // the client certificate comes from its own CA, the only one the mTLS upstream accepts clients from
    TestCertificates clients = TestCertificates.newCa("gateway clients CA");
    clients.writeCa(dir.resolve("clients-ca.crt"));
    TestCertificates.Issued client = clients.client("tenant-gateway");
    client.writePem(dir.resolve("client.crt"), dir.resolve("client.key"));
    client.writePkcs12(dir.resolve("client.p12"), "s3cret");
    TestCertificates.newCa("rogue CA").client("rogue").writePem(dir.resolve("rogue.crt"), dir.resolve("rogue.key"));

    mtlsServer = https(vertx, "mtls", new HttpServerOptions().setClientAuth(ClientAuth.REQUIRED)
        .setTrustOptions(new PemTrustOptions().addCertPath(dir.resolve("clients-ca.crt").toString()))
        .setKeyCertOptions(new PemKeyCertOptions().setCertPath(dir.resolve("mtls.crt").toString())
            .setKeyPath(dir.resolve("mtls.key").toString())));
    namedServer = https(vertx, "named", new HttpServerOptions()
        .setKeyCertOptions(new PemKeyCertOptions().setCertPath(dir.resolve("named.crt").toString())
            .setKeyPath(dir.resolve("named.key").toString())));

    idp = new TestIssuer("https://idp.test/").start(vertx);
    Map<String, String> env = new HashMap<>();
    env.put("JWKS", idp.jwksUri());
    env.put("MTLS", String.valueOf(mtlsServer.actualPort()));
    env.put("NAMED", String.valueOf(namedServer.actualPort()));
    Map.of("CA", "ca.crt", "OTHER_CA", "other-ca.crt", "CLIENT_CRT", "client.crt", "CLIENT_KEY", "client.key",
        "CLIENT_P12", "client.p12", "ROGUE_CRT", "rogue.crt", "ROGUE_KEY", "rogue.key")
        .forEach((variable, file) -> env.put(variable, dir.resolve(file).toString()));
    gateway = GatewayFixture.start(vertx, ROUTES, env);
  }

  private static HttpServer https(Vertx vertx, String name, HttpServerOptions options) throws Exception {
    return vertx.createHttpServer(options.setSsl(true).setSni(true)).requestHandler(request -> {
      String subject = null;
      try {
        var certificates = request.connection().peerCertificates();
        subject = certificates.isEmpty() ? null
            : ((X509Certificate) certificates.get(0)).getSubjectX500Principal().getName();
      } catch (javax.net.ssl.SSLPeerUnverifiedException none) {
        // no client certificate was presented (the named server does not ask for one)
      }
      String clientSubject = subject;
      request.body().onSuccess(body -> {
        received.add(new Received(name, request.uri(), MultiMap.caseInsensitiveMultiMap().addAll(request.headers()),
            clientSubject, request.connection().indicatedServerName(), body.length()));
        request.response().putHeader("Content-Type", "application/json")
            .end(new JsonObject().put("served_by", name).encode());
      });
    }).listen(0, "127.0.0.1").await(10, TimeUnit.SECONDS);
  }

  @AfterAll
  static void stop() throws Exception {
    gateway.close();
    mtlsServer.close().await(10, TimeUnit.SECONDS);
    namedServer.close().await(10, TimeUnit.SECONDS);
  }

  @BeforeEach
  void clear() {
    received.clear();
  }

  @Test
  void mutualTlsWithPemFilesForwardsWithTrustedHeaders() throws Exception {
    String token = idp.mint(idp.claims("eve").put("org_code", "acme").put("roles", new JsonArray().add("viewer")));
    GatewayFixture.Response response = gateway.send(HttpMethod.POST, "/mtls/orders?x=1", token,
        io.vertx.core.buffer.Buffer.buffer("{\"n\":1}"), "X-Tenant-Id", "evil");
    assertEquals(200, response.status(), response.body().toString());
    assertEquals("mtls", response.json().getString("served_by"));
    assertEquals(1, received.size());
    Received r = received.get(0);
    assertEquals("/api/mtls/orders?x=1", r.uri());
    assertEquals("CN=tenant-gateway", r.clientSubject());
    assertEquals("acme", r.headers().get("X-Tenant-Id"));
    assertEquals(7, r.bodyLength());
    assertEquals("localhost", r.sni());
  }

  @Test
  void mutualTlsWithAPkcs12Keystore() throws Exception {
    GatewayFixture.Response response = gateway.send(HttpMethod.GET, "/p12", null);
    assertEquals(200, response.status(), response.body().toString());
    assertEquals("CN=tenant-gateway", received.get(0).clientSubject());
  }

  @Test
  void anUpstreamCertificateFromAnotherCaIsRefused() throws Exception {
    assertUnavailable("/wrong-ca");
  }

  @Test
  void theJvmTrustStoreDoesNotKnowTheTestCa() throws Exception {
    assertUnavailable("/jvm-trust");
  }

  @Test
  void anUpstreamRequiringAClientCertificateRefusesAGatewayWithoutOne() throws Exception {
    assertUnavailable("/no-client-cert");
  }

  @Test
  void anUpstreamRefusesAClientCertificateFromACaItDoesNotTrust() throws Exception {
    assertUnavailable("/untrusted-client");
  }

  @Test
  void theHostNameIsVerified() throws Exception {
    // the certificate names orders.internal only; connecting to 127.0.0.1 without server_name fails verification
    assertUnavailable("/by-address");
  }

  @Test
  void serverNameIsVerifiedAndSentAsSni() throws Exception {
    GatewayFixture.Response response = gateway.send(HttpMethod.GET, "/by-name", null);
    assertEquals(200, response.status(), response.body().toString());
    Received r = received.get(0);
    assertEquals("named", r.server());
    assertEquals("orders.internal", r.sni());
    assertTrue(r.headers().get("Host").startsWith("orders.internal"), r.headers().get("Host"));
  }

  @Test
  void verifyFalseAcceptsAnyCertificate() throws Exception {
    GatewayFixture.Response response = gateway.send(HttpMethod.GET, "/unverified", null);
    assertEquals(200, response.status(), response.body().toString());
    assertEquals("named", received.get(0).server());
  }

  private static void assertUnavailable(String path) throws Exception {
    GatewayFixture.Response response = gateway.send(HttpMethod.GET, path, null);
    assertEquals(502, response.status(), response.body().toString());
    assertEquals("upstream_unavailable", response.code());
    assertEquals("application/problem+json", response.header("Content-Type"));
    assertTrue(received.isEmpty(), received.toString());
  }
}
