package dev.tenantgateway.edge;

import dev.tenantgateway.support.GatewayFixture;
import dev.tenantgateway.support.RawHttp;
import dev.tenantgateway.support.RawHttp2;
import dev.tenantgateway.support.RawHttp2.Frame;
import dev.tenantgateway.support.RecordingUpstream;
import dev.tenantgateway.support.RecordingUpstream.Received;
import dev.tenantgateway.support.TestCertificates;
import dev.tenantgateway.support.TestIssuer;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClientAgent;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpClientResponse;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpVersion;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.core.net.PemTrustOptions;
import io.vertx.junit5.VertxExtension;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * HTTP/2 at the listener: ALPN h2 on TLS and h2c with prior knowledge, with every trust-boundary rule of HTTP/1.1
 * holding per stream; malformed streams written frame by frame. Upstreams are spoken to in HTTP/1.1, and each test
 * asserts what the recording upstream received.
 */
@ExtendWith(VertxExtension.class)
class Http2IT {

  static final String ROUTES = """
      listener:
        host: 127.0.0.1
        port: 0
        http2: { enabled: true, h2c: true, max_concurrent_streams: 4 }
      issuers:
        - id: idp
          issuer: https://idp.test/
          jwks_uri: ${JWKS}
          audiences: [gateway]
          claims: { tenant: org_code, roles: roles }
      roles:
        viewer: [docs:read]
      upstreams:
        app: { url: "${UPSTREAM}" }
      routes:
        - { id: docs, methods: [GET, POST], path: "/docs/**", upstream: app, require: docs:read }
        - { id: small, methods: [POST], path: /small, upstream: app, require: docs:read, max_body_size: 1kb }
        - { id: status, methods: [GET], path: /status, upstream: app, public: true }
      """;

  @TempDir
  static Path dir;
  static Vertx vertx;
  static TestIssuer idp;
  static RecordingUpstream upstream;
  static GatewayFixture h2c;
  static GatewayFixture tls;
  static GatewayFixture plain;
  static HttpClientAgent h2cClient;
  static HttpClientAgent tlsClient;
  static String viewer;

  @BeforeAll
  static void start(Vertx v) throws Exception {
    vertx = v;
    idp = new TestIssuer("https://idp.test/").start(vertx);
    upstream = new RecordingUpstream().start(vertx);
    Map<String, String> env = new HashMap<>(Map.of("JWKS", idp.jwksUri(), "UPSTREAM", upstream.url()));
    h2c = GatewayFixture.start(vertx, ROUTES, env);
    plain = GatewayFixture.start(vertx, ROUTES.replace("h2c: true", "h2c: false"), env);
    TestCertificates ca = TestCertificates.newCa("h2 test CA");
    ca.server(true).writePem(dir.resolve("tls.crt"), dir.resolve("tls.key"), ca.certificate());
    ca.writeCa(dir.resolve("ca.crt"));
    tls = GatewayFixture.start(vertx, ROUTES.replace("http2: { enabled: true, h2c: true,",
        "tls: { cert_file: \"" + dir.resolve("tls.crt") + "\", key_file: \"" + dir.resolve("tls.key") + "\" }\n"
            + "  http2: { enabled: true,"), env);
    h2cClient = vertx.createHttpClient(new HttpClientOptions().setProtocolVersion(HttpVersion.HTTP_2)
        .setHttp2ClearTextUpgrade(false).setDefaultHost("127.0.0.1").setDefaultPort(h2c.port()));
    tlsClient = vertx.createHttpClient(new HttpClientOptions().setProtocolVersion(HttpVersion.HTTP_2)
        .setSsl(true).setUseAlpn(true).setTrustOptions(new PemTrustOptions().addCertPath(dir.resolve("ca.crt")
            .toString())).setDefaultHost("localhost").setDefaultPort(tls.port()));
    viewer = idp.mint(idp.claims("eve").put("org_code", "acme").put("roles", new JsonArray().add("viewer")));
  }

  @AfterAll
  static void stop() throws Exception {
    h2cClient.close().await(10, TimeUnit.SECONDS);
    tlsClient.close().await(10, TimeUnit.SECONDS);
    h2c.close();
    plain.close();
    tls.close();
  }

  @BeforeEach
  void clear() {
    upstream.clear();
  }

  record Answer(HttpVersion version, int status, Buffer body) {
    String code() {
      return body.toJsonObject().getString("code");
    }
  }

  static Answer send(HttpClientAgent client, HttpMethod method, String uri, Buffer body, String... headers)
      throws Exception {
    return client.request(new RequestOptions().setMethod(method).setURI(uri)).compose(request -> {
      for (int i = 0; i < headers.length; i += 2) {
        request.headers().add(headers[i], headers[i + 1]);
      }
      Future<HttpClientResponse> sent = body == null ? request.send() : request.send(body);
      return sent.compose(r -> r.body().map(b -> new Answer(r.version(), r.statusCode(), b)));
    }).await(20, TimeUnit.SECONDS);
  }

  @Test
  void alpnNegotiatesH2OnTlsAndTheUpstreamGetsHttp11WithTrustedHeaders() throws Exception {
    Answer answer = send(tlsClient, HttpMethod.GET, "/docs/a?x=1", null, "Authorization", "Bearer " + viewer,
        "X-Tenant-Id", "evil", "x-forwarded-for", "203.0.113.9");
    assertEquals(HttpVersion.HTTP_2, answer.version());
    assertEquals(200, answer.status());
    Received received = upstream.last();
    assertEquals("/docs/a?x=1", received.uri());
    assertEquals("acme", received.header("X-Tenant-Id"));
    assertEquals("https", received.header("X-Forwarded-Proto"));
    assertEquals("127.0.0.1", received.header("X-Forwarded-For"));
    assertEquals(0, received.bodyLength());
    // a stream that ended with its HEADERS frame has no body: nothing chunked is sent upstream
    assertNull(received.header("Transfer-Encoding"));
    assertTrue(received.headers().names().stream().noneMatch(n -> n.startsWith(":")), received.headers().names()
        .toString());
  }

  @Test
  void h2cWithPriorKnowledgeOnAPlainListener() throws Exception {
    Answer answer = send(h2cClient, HttpMethod.GET, "/docs/b", null, "Authorization", "Bearer " + viewer);
    assertEquals(HttpVersion.HTTP_2, answer.version());
    assertEquals(200, answer.status());
    assertEquals("acme", upstream.last().header("X-Tenant-Id"));
    assertEquals("http", upstream.last().header("X-Forwarded-Proto"));
  }

  @Test
  void theSameDecisionsOnHttp2() throws Exception {
    assertEquals("token_missing", send(h2cClient, HttpMethod.GET, "/docs/b", null).code());
    assertEquals("route_not_found", send(h2cClient, HttpMethod.GET, "/admin", null).code());
    assertEquals(400, send(h2cClient, HttpMethod.GET, "/docs/..%2fadmin", null,
        "Authorization", "Bearer " + viewer).status());
    assertEquals(400, send(h2cClient, HttpMethod.GET, "/docs/a", null, "Authorization", "Bearer " + viewer,
        "X-HTTP-Method-Override", "DELETE").status());
    assertTrue(upstream.received().isEmpty());
  }

  @Test
  void perStreamBodyLimits() throws Exception {
    Answer declared = send(h2cClient, HttpMethod.POST, "/small", Buffer.buffer(new byte[2048]),
        "Authorization", "Bearer " + viewer);
    assertEquals(413, declared.status());
    assertEquals("body_too_large", declared.code());
    // within the limit on the same connection: accepted
    assertEquals(200, send(h2cClient, HttpMethod.POST, "/small", Buffer.buffer(new byte[512]),
        "Authorization", "Bearer " + viewer).status());
    assertEquals(1, upstream.received().size());
    assertEquals(512, upstream.last().bodyLength());
  }

  @Test
  void bodyOverTheLimitWithoutContentLengthNeverReachesTheUpstreamComplete() throws Exception {
    try (RawHttp2 raw = RawHttp2.connect(h2c.port())) {
      raw.headers(1, false, ":method", "POST", ":scheme", "http", ":authority", "gw", ":path", "/small",
          "authorization", "Bearer " + viewer);
      raw.data(1, false, new byte[800]);
      raw.data(1, true, new byte[800]);
      Frame outcome = raw.outcome(1);
      assertNotNull(outcome);
      assertTrue(outcome.type() == RawHttp2.RST_STREAM || "413".equals(outcome.status()), outcome.toString());
    }
    for (Received r : upstream.received()) {
      assertTrue(r.bodyLength() <= 1024, "the upstream received " + r.bodyLength() + " bytes");
    }
  }

  @Test
  void aBodyWithoutContentLengthIsForwardedWhole() throws Exception {
    try (RawHttp2 raw = RawHttp2.connect(h2c.port())) {
      raw.headers(1, false, ":method", "POST", ":scheme", "http", ":authority", "gw", ":path", "/small",
          "authorization", "Bearer " + viewer);
      raw.data(1, false, new byte[300]);
      raw.data(1, true, new byte[300]);
      assertEquals("200", raw.outcome(1).status());
    }
    assertEquals(600, upstream.last().bodyLength());
    // read whole before forwarding, so the legacy upstream gets a length rather than chunks
    assertEquals("600", upstream.last().header("Content-Length"));
  }

  @Test
  void aLargeBodyWithoutContentLengthIsStreamedChunkedAndArrivesWhole() throws Exception {
    byte[] bytes = new byte[200_000];
    new java.util.Random(7).nextBytes(bytes);
    Answer answer = h2cClient.request(new RequestOptions().setMethod(HttpMethod.POST).setURI("/docs/big"))
        .compose(request -> {
          request.putHeader("Authorization", "Bearer " + viewer);
          request.setChunked(true); // HTTP/2: DATA frames without a Content-Length
          for (int offset = 0; offset < bytes.length; offset += 25_000) {
            request.write(Buffer.buffer(java.util.Arrays.copyOfRange(bytes, offset, offset + 25_000)));
          }
          return request.end().compose(v -> request.response());
        })
        .compose(r -> r.body().map(b -> new Answer(r.version(), r.statusCode(), b)))
        .await(20, TimeUnit.SECONDS);
    assertEquals(HttpVersion.HTTP_2, answer.version());
    assertEquals(200, answer.status());
    Received received = upstream.last();
    assertEquals(200_000, received.bodyLength());
    assertEquals(java.util.HexFormat.of().formatHex(RecordingUpstream.sha256().digest(bytes)), received.bodySha256());
    assertEquals("chunked", received.header("Transfer-Encoding"));
    assertNull(received.header("Content-Length"));
  }

  @Test
  void authorityAndHostMustAgree() throws Exception {
    try (RawHttp2 raw = RawHttp2.connect(h2c.port())) {
      raw.headers(1, true, ":method", "GET", ":scheme", "http", ":authority", "gw.example.com", ":path", "/status",
          "host", "other.example.com");
      Frame refused = raw.outcome(1);
      assertTrue(refused.type() == RawHttp2.RST_STREAM || "400".equals(refused.status()), refused.toString());
      // agreeing: served
      raw.headers(3, true, ":method", "GET", ":scheme", "http", ":authority", "gw.example.com", ":path", "/status",
          "host", "gw.example.com");
      assertEquals("200", raw.outcome(3).status());
      // only :authority: served, and what the pipeline reads as Host is the authority
      raw.headers(5, true, ":method", "GET", ":scheme", "http", ":authority", "gw.example.com", ":path", "/status");
      assertEquals("200", raw.outcome(5).status());
    }
    assertEquals(2, upstream.received().size());
    assertEquals("gw.example.com", upstream.last().header("X-Forwarded-Host"));
  }

  @ParameterizedTest
  @ValueSource(strings = {"connection:keep-alive", "keep-alive:timeout=5", "proxy-connection:keep-alive",
      "transfer-encoding:chunked", "upgrade:websocket", "te:gzip"})
  void connectionSpecificHeadersAreRefused(String header) throws Exception {
    String[] nv = header.split(":", 2);
    try (RawHttp2 raw = RawHttp2.connect(h2c.port())) {
      raw.headers(1, true, ":method", "GET", ":scheme", "http", ":authority", "gw", ":path", "/status", nv[0], nv[1]);
      Frame outcome = raw.outcome(1);
      assertNotNull(outcome, header);
      assertTrue(outcome.type() == RawHttp2.RST_STREAM || outcome.type() == RawHttp2.GOAWAY
          || "400".equals(outcome.status()), header + " -> " + outcome);
    }
    assertTrue(upstream.received().isEmpty(), header);
  }

  @Test
  void teTrailersIsTheOneTeAllowed() throws Exception {
    try (RawHttp2 raw = RawHttp2.connect(h2c.port())) {
      raw.headers(1, true, ":method", "GET", ":scheme", "http", ":authority", "gw", ":path", "/status", "te", "trailers");
      assertEquals("200", raw.outcome(1).status());
    }
    assertNull(upstream.last().header("te"));
  }

  @ParameterizedTest
  @ValueSource(strings = {
      ":method=GET|:scheme=http|:authority=gw|:path=/status|:foo=bar",          // unknown pseudo-header
      ":method=GET|:scheme=http|:authority=gw",                                   // no :path
      ":method=GET|:scheme=http|:authority=gw|:path=/status|:path=/admin",       // two :path
      ":method=GET|:authority=gw|x-a=1|:scheme=http|:path=/status",              // pseudo after a regular field
      ":method=GET|:scheme=http|:authority=gw|:path=/status|X-Upper=1",          // upper-case name
      ":method=GET|:scheme=http|:authority=gw|:path=/status|:status=200",        // response pseudo-header
      ":method=GET|:scheme=http|:authority=gw|:path=status",                     // not origin-form
      ":method=GET|:scheme=http|:authority=gw|:path=",                           // empty :path
      ":method=GET|:scheme=http|:authority=gw|:path=/status|x-bad=a\u0000b",     // NUL in a value
      ":method=GET|:scheme=http|:authority=gw|:path=/status|bad name=1"})        // space in a name
  void malformedHeaderBlocksAreRefused(String block) throws Exception {
    List<String> pairs = new ArrayList<>();
    for (String field : block.split("\\|")) {
      int eq = field.indexOf('=', 1);
      pairs.add(field.substring(0, eq));
      pairs.add(field.substring(eq + 1));
    }
    try (RawHttp2 raw = RawHttp2.connect(h2c.port())) {
      raw.headers(1, true, pairs.toArray(String[]::new));
      Frame outcome = raw.outcome(1);
      assertNotNull(outcome, block);
      assertTrue(outcome.type() == RawHttp2.RST_STREAM || outcome.type() == RawHttp2.GOAWAY
          || outcome.type() == RawHttp2.CLOSED || (outcome.status() != null && outcome.status().startsWith("4")),
          block + " -> " + outcome);
    }
    assertTrue(upstream.received().isEmpty(), block);
  }

  @Test
  void concurrentStreamsAreCapped() throws Exception {
    try (RawHttp2 raw = RawHttp2.connect(h2c.port())) {
      List<Frame> settings = raw.until(0);
      // the server announced its limit in its first SETTINGS frame (identifier 0x3)
      assertTrue(settings.stream().anyMatch(f -> f.type() == RawHttp2.SETTINGS && announces(f, 0x3, 4)),
          settings.toString());
      // four bodies left open, then a fifth stream: refused
      for (int stream = 1; stream <= 9; stream += 2) {
        raw.headers(stream, false, ":method", "POST", ":scheme", "http", ":authority", "gw", ":path", "/docs/x",
            "authorization", "Bearer " + viewer);
      }
      Frame fifth = raw.outcome(9);
      assertNotNull(fifth);
      assertEquals(RawHttp2.RST_STREAM, fifth.type(), fifth.toString());
      assertEquals(0x7, fifth.errorCode(), "REFUSED_STREAM");
    }
  }

  private static boolean announces(Frame settings, int id, long value) {
    byte[] p = settings.payload();
    for (int i = 0; i + 6 <= p.length; i += 6) {
      int key = ((p[i] & 0xff) << 8) | (p[i + 1] & 0xff);
      long v = ((p[i + 2] & 0xffL) << 24) | ((p[i + 3] & 0xff) << 16) | ((p[i + 4] & 0xff) << 8) | (p[i + 5] & 0xff);
      if (key == id && v == value) {
        return true;
      }
    }
    return false;
  }

  /**
   * With h2c off, the prior-knowledge preface is an HTTP/1.1 request line with an unknown method and version: the
   * HTTP/1.1 decoder answers it at once (501, no body) and closes the connection; the pipeline never sees it, so no
   * request id, no upstream. An HTTP/2 client fails at its first read instead of waiting (RFC 9113 section 3.4).
   */
  @Test
  void withoutH2cAPrefaceGetsACleanRefusal() throws Exception {
    byte[] answer;
    try (java.net.Socket socket = new java.net.Socket("127.0.0.1", plain.port())) {
      socket.setSoTimeout(10_000);
      socket.getOutputStream().write(RawHttp2.PREFACE);
      socket.getOutputStream().write(new byte[]{0, 0, 0, RawHttp2.SETTINGS, 0, 0, 0, 0, 0}); // an empty SETTINGS
      socket.getOutputStream().flush();
      answer = socket.getInputStream().readAllBytes(); // to the server's close: a hang fails here with a timeout
    }
    String text = new String(answer, java.nio.charset.StandardCharsets.ISO_8859_1);
    assertTrue(text.startsWith("HTTP/2.0 501 Not Implemented\r\n"), text);
    // one complete, empty response and nothing after it: the rest of the preface and the SETTINGS frame were not
    // read as a second request
    assertTrue(text.toLowerCase(java.util.Locale.ROOT).contains("\r\ncontent-length: 0\r\n"), text);
    assertEquals(text.indexOf("\r\n\r\n") + 4, text.length(), text);
    assertTrue(!text.toLowerCase(java.util.Locale.ROOT).contains("x-request-id"), "the pipeline saw it: " + text);
    assertTrue(upstream.received().isEmpty());
    // the listener goes on serving HTTP/1.1
    assertTrue(RawHttp.status(plain.port(), "GET /status HTTP/1.1\r\nHost: gw\r\nConnection: close\r\n\r\n")
        .startsWith("HTTP/1.1 200"));
    assertEquals(1, upstream.received().size());
  }
}
