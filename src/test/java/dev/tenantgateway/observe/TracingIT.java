package dev.tenantgateway.observe;

import dev.tenantgateway.support.GatewayFixture;
import dev.tenantgateway.support.GatewayFixture.Response;
import dev.tenantgateway.support.OtlpReceiver;
import dev.tenantgateway.support.OtlpReceiver.ReceivedSpan;
import dev.tenantgateway.support.RecordingUpstream;
import dev.tenantgateway.support.RecordingUpstream.Received;
import dev.tenantgateway.support.TestIssuer;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;

import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static io.vertx.core.http.HttpMethod.DELETE;
import static io.vertx.core.http.HttpMethod.GET;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Tracing through real sockets: spans exported over OTLP/HTTP to a loopback receiver that decodes the protobuf, W3C
 * trace context as the recording upstream received it, and the trace id in the access log and problem bodies.
 */
@ExtendWith(VertxExtension.class)
class TracingIT {

  static final String ROUTES = """
      listener: { host: 127.0.0.1, port: 0 }
      issuers:
        - { id: idp, issuer: "https://idp.test/", jwks_uri: "${JWKS}", audiences: [gateway], claims: { tenant: org_code, roles: roles } }
      roles:
        viewer: [projects:read]
      upstreams:
        app: { url: "${UPSTREAM}" }
      routes:
        - { id: list-projects, methods: [GET], path: /projects, upstream: app, require: projects:read }
        - { id: delete-project, methods: [DELETE], path: "/projects/{id}", upstream: app, require: projects:delete }
        - { id: broken, methods: [GET], path: /broken, upstream: down, require: projects:read }
      """;

  static final Pattern TRACEPARENT = Pattern.compile("00-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})");
  static final String TRACE = "4bf92f3577b34da6a3ce929d0e0e4736";
  static final String PARENT = "00f067aa0ba902b7";

  static Vertx vertx;
  static TestIssuer idp;
  static RecordingUpstream upstream;
  static OtlpReceiver collector;
  static GatewayFixture traced;
  static GatewayFixture unsampled;
  static GatewayFixture untraced;

  @BeforeAll
  static void start(Vertx v) throws Exception {
    vertx = v;
    idp = new TestIssuer("https://idp.test/").start(vertx);
    upstream = new RecordingUpstream().start(vertx);
    collector = new OtlpReceiver().start(vertx);
    int closed;
    try (java.net.ServerSocket socket = new java.net.ServerSocket(0)) {
      closed = socket.getLocalPort(); // nothing listens there once it is closed
    }
    String routes = ROUTES.replace("  app: { url: \"${UPSTREAM}\" }\n",
        "  app: { url: \"${UPSTREAM}\" }\n  down: { url: \"http://127.0.0.1:" + closed + "\" }\n");
    Map<String, String> env = Map.of("JWKS", idp.jwksUri(), "UPSTREAM", upstream.url(), "OTLP", collector.endpoint());
    traced = GatewayFixture.start(vertx, routes
        + "tracing: { endpoint: \"${OTLP}\", protocol: http/protobuf, sampling_ratio: 1, service_name: edge-gw }\n", env);
    unsampled = GatewayFixture.start(vertx, routes
        + "tracing: { endpoint: \"${OTLP}\", sampling_ratio: 0, service_name: edge-unsampled }\n", env);
    untraced = GatewayFixture.start(vertx, routes, env);
  }

  @AfterAll
  static void stop() throws Exception {
    for (GatewayFixture gateway : List.of(traced, unsampled, untraced)) {
      gateway.close();
    }
    collector.stop().await(5, TimeUnit.SECONDS);
    upstream.stop().await(5, TimeUnit.SECONDS);
  }

  static String viewer(String tenant) {
    return idp.mint(idp.claims("sarah").put("org_code", tenant).put("roles", new JsonArray().add("viewer")));
  }

  /** The upstream request carrying this request id. */
  static Received upstreamGot(Response response) {
    String requestId = response.header("X-Request-Id");
    return upstream.received().stream().filter(r -> requestId.equals(r.header("X-Request-Id"))).findFirst()
        .orElseThrow(() -> new AssertionError("the upstream never received request " + requestId));
  }

  /** The access-log line of a response: once written, the request's span has ended too (observe ends it first). */
  static JsonObject logLine(GatewayFixture gateway, Response response) throws Exception {
    String requestId = response.header("X-Request-Id");
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    while (System.nanoTime() < deadline) {
      for (JsonObject line : gateway.accessLog()) {
        if (requestId.equals(line.getString("request_id"))) {
          return line;
        }
      }
      vertx.timer(20).await(1, TimeUnit.SECONDS);
    }
    throw new AssertionError("no access-log line for request " + requestId);
  }

  /** The exported span of a response's request, after the gateway flushed its batch. */
  static ReceivedSpan spanOf(GatewayFixture gateway, Response response) throws Exception {
    String requestId = response.header("X-Request-Id");
    logLine(gateway, response);
    gateway.server().snapshot().tracing().flush().await(10, TimeUnit.SECONDS);
    return collector.span(s -> requestId.equals(s.attribute("gateway.request_id"))).await(10, TimeUnit.SECONDS);
  }

  static Matcher traceparent(Received received) {
    String value = received.header("traceparent");
    assertNotNull(value, "the upstream received a traceparent");
    Matcher m = TRACEPARENT.matcher(value);
    assertTrue(m.matches(), "a well-formed traceparent: " + value);
    return m;
  }

  /** The trace-flags' sampled bit (a new trace also sets the W3C level 2 random bit, 02). */
  static boolean sampled(Matcher traceparent) {
    return (Integer.parseInt(traceparent.group(3), 16) & 1) == 1;
  }

  @Test
  void theGatewaySpanIsTheChildOfTheIncomingTraceparentAndTheParentOfTheUpstreams() throws Exception {
    Response response = traced.send(GET, "/projects", viewer("acme"),
        "traceparent", "00-" + TRACE + "-" + PARENT + "-01", "tracestate", "vendor=opaque,other=1");
    assertEquals(200, response.status());

    Matcher sent = traceparent(upstreamGot(response));
    assertEquals(TRACE, sent.group(1), "the upstream continues the caller's trace");
    assertNotEquals(PARENT, sent.group(2), "the upstream's parent is the gateway span, not the caller's");
    assertTrue(sampled(sent), "sampled");
    assertEquals("vendor=opaque,other=1", upstreamGot(response).header("tracestate"));

    ReceivedSpan span = spanOf(traced, response);
    assertEquals(TRACE, span.traceId());
    assertEquals(PARENT, span.parentSpanId(), "the gateway span is the caller's span's child");
    assertEquals(sent.group(2), span.spanId(), "the upstream received the gateway span as its parent");
    assertEquals("GET list-projects", span.name());
    assertEquals("SPAN_KIND_SERVER", span.kind());
    assertEquals("edge-gw", span.serviceName());
    assertEquals("list-projects", span.attribute("gateway.route"));
    assertEquals("allowed", span.attribute("gateway.decision"));
    assertEquals("acme", span.attribute("gateway.tenant"));
    assertEquals("app", span.attribute("gateway.upstream"));
    assertEquals("GET", span.attribute("http.request.method"));
    assertEquals(200L, span.attribute("http.response.status_code"));
    assertEquals("STATUS_CODE_UNSET", span.statusCode());

    assertEquals(TRACE, logLine(traced, response).getString("trace_id"));
  }

  @Test
  void aRequestWithoutTraceparentStartsANewTrace() throws Exception {
    Response response = traced.send(GET, "/projects", viewer("acme"));
    assertEquals(200, response.status());
    Matcher sent = traceparent(upstreamGot(response));
    assertNull(upstreamGot(response).header("tracestate"));

    ReceivedSpan span = spanOf(traced, response);
    assertEquals(sent.group(1), span.traceId());
    assertEquals(sent.group(2), span.spanId());
    assertEquals("", span.parentSpanId(), "a root span");
    assertEquals(span.traceId(), logLine(traced, response).getString("trace_id"));
  }

  @Test
  void aMalformedTraceparentIsReplacedByANewTraceAndItsTracestateDropped() throws Exception {
    List<String> malformed = List.of(
        "00-" + TRACE + "-" + PARENT,                               // no flags
        "00-" + TRACE.toUpperCase() + "-" + PARENT + "-01",         // upper-case hex
        "00-00000000000000000000000000000000-" + PARENT + "-01",    // the invalid all-zero trace id
        "00-" + TRACE + "-0000000000000000-01",                     // the invalid all-zero parent id
        "ff-" + TRACE + "-" + PARENT + "-01",                       // the forbidden version ff
        "00-" + TRACE + "-" + PARENT + "-01-junk",                  // version 00 with more fields
        "garbage");
    for (String value : malformed) {
      Response response = traced.send(GET, "/projects", viewer("acme"), "traceparent", value, "tracestate", "v=1");
      assertEquals(200, response.status(), value);
      Received received = upstreamGot(response);
      Matcher sent = traceparent(received);
      assertNotEquals(TRACE, sent.group(1), "a new trace for " + value);
      assertNull(received.header("tracestate"), "the tracestate of an invalid traceparent is not forwarded");
      ReceivedSpan span = spanOf(traced, response);
      assertEquals(sent.group(1), span.traceId());
      assertEquals("", span.parentSpanId(), "a root span for " + value);
    }
  }

  @Test
  void twoTraceparentHeadersAreNeitherTrustedNorForwarded() throws Exception {
    Response response = traced.send(GET, "/projects", viewer("acme"),
        "traceparent", "00-" + TRACE + "-" + PARENT + "-01",
        "traceparent", "00-" + TRACE.replace('4', '5') + "-" + PARENT + "-01");
    Received received = upstreamGot(response);
    assertEquals(1, received.headers().getAll("traceparent").size());
    Matcher sent = traceparent(received);
    assertNotEquals(TRACE, sent.group(1));
    assertNotEquals(TRACE.replace('4', '5'), sent.group(1));
    assertEquals("", spanOf(traced, response).parentSpanId());
  }

  @Test
  void anOverlongTracestateIsDroppedAndTheTraceKept() throws Exception {
    String longState = "vendor=" + "a".repeat(250) + ",other=" + "b".repeat(250);
    assertTrue(longState.length() > 512);
    Response response = traced.send(GET, "/projects", viewer("acme"),
        "traceparent", "00-" + TRACE + "-" + PARENT + "-01", "tracestate", longState);
    Received received = upstreamGot(response);
    assertEquals(TRACE, traceparent(received).group(1));
    assertNull(received.header("tracestate"));
  }

  @Test
  void aRefusedRequestNamesItsTraceInTheProblemBodyTheAccessLogAndTheSpan() throws Exception {
    Response response = traced.send(DELETE, "/projects/7", viewer("acme"),
        "traceparent", "00-" + TRACE + "-" + PARENT + "-01");
    assertEquals(403, response.status());
    assertEquals("permission_denied", response.code());
    assertEquals(TRACE, response.json().getString("trace_id"));
    assertEquals(TRACE, logLine(traced, response).getString("trace_id"));

    ReceivedSpan span = spanOf(traced, response);
    assertEquals(TRACE, span.traceId());
    assertEquals("DELETE delete-project", span.name());
    assertEquals("permission_denied", span.attribute("gateway.decision"));
    assertEquals(403L, span.attribute("http.response.status_code"));
    assertEquals("acme", span.attribute("gateway.tenant"));
    assertEquals("STATUS_CODE_UNSET", span.statusCode(), "a refusal is the client's error, not the server's");
  }

  @Test
  void anUnreachableUpstreamIsAnErrorSpanAndItsProblemBodyNamesTheTrace() throws Exception {
    Response response = traced.send(GET, "/broken", viewer("acme"));
    assertEquals(502, response.status());
    String traceId = response.json().getString("trace_id");
    assertNotNull(traceId);
    ReceivedSpan span = spanOf(traced, response);
    assertEquals(traceId, span.traceId());
    assertEquals("upstream_unavailable", span.attribute("gateway.decision"));
    assertEquals("STATUS_CODE_ERROR", span.statusCode());
  }

  @Test
  void anUnmatchedRequestIsTracedWithoutARoute() throws Exception {
    Response response = traced.send(GET, "/nowhere", null);
    assertEquals(404, response.status());
    ReceivedSpan span = spanOf(traced, response);
    assertEquals("GET", span.name());
    assertNull(span.attribute("gateway.route"));
    assertEquals("route_not_found", span.attribute("gateway.decision"));
    assertEquals(span.traceId(), response.json().getString("trace_id"));
  }

  @Test
  void aLongTenantIsCutInTheSpan() throws Exception {
    String tenant = "t".repeat(200); // the gateway accepts up to 256
    Response response = traced.send(GET, "/projects", viewer(tenant));
    assertEquals(200, response.status());
    ReceivedSpan span = spanOf(traced, response);
    assertEquals("t".repeat(Tracing.MAX_ATTRIBUTE_LENGTH), span.attribute("gateway.tenant"));
  }

  @Test
  void samplingRatioZeroExportsNothingButStillPropagates() throws Exception {
    Response withParent = unsampled.send(GET, "/projects", viewer("acme"),
        "traceparent", "00-" + TRACE + "-" + PARENT + "-01");
    Response without = unsampled.send(GET, "/projects", viewer("acme"));
    Response refused = unsampled.send(DELETE, "/projects/7", viewer("acme"));
    assertEquals(200, withParent.status());
    assertEquals(403, refused.status());

    Matcher continued = traceparent(upstreamGot(withParent));
    assertEquals(TRACE, continued.group(1), "the caller's trace continues");
    assertNotEquals(PARENT, continued.group(2));
    assertFalse(sampled(continued), "not sampled here, and the upstream is told so");
    Matcher started = traceparent(upstreamGot(without));
    assertFalse(sampled(started));
    assertEquals(started.group(1), logLine(unsampled, without).getString("trace_id"));
    assertNotNull(refused.json().getString("trace_id"));

    logLine(unsampled, refused); // every span of the three has ended
    unsampled.server().snapshot().tracing().flush().await(10, TimeUnit.SECONDS);
    assertFalse(collector.spans().stream().anyMatch(s -> s.serviceName().equals("edge-unsampled")),
        "nothing exported at sampling_ratio 0");
  }

  @Test
  void aReloadTurnsTracingOnAndOff(@TempDir Path dir) throws Exception {
    Path file = dir.resolve("routes.yaml");
    String plain = "admin: { host: 127.0.0.1, port: 0, reload_interval: 0s }\n"
        + ROUTES.replace("${JWKS}", idp.jwksUri()).replace("${UPSTREAM}", upstream.url())
            .replace("  - { id: broken, methods: [GET], path: /broken, upstream: down, require: projects:read }\n", "");
    String withTracing = plain + "tracing: { endpoint: \"" + collector.endpoint() + "\", service_name: reloaded }\n";
    Files.writeString(file, plain);
    try (GatewayFixture gateway = GatewayFixture.start(vertx, plain, Map.of(), file)) {
      String incoming = "00-" + TRACE + "-" + PARENT + "-01";
      assertEquals(incoming, upstreamGot(gateway.send(GET, "/projects", viewer("acme"), "traceparent", incoming))
          .header("traceparent"));

      Files.writeString(file, withTracing);
      gateway.server().reload().await(10, TimeUnit.SECONDS);
      Response traced = gateway.send(GET, "/projects", viewer("acme"), "traceparent", incoming);
      Matcher sent = traceparent(upstreamGot(traced));
      assertEquals(TRACE, sent.group(1));
      assertNotEquals(PARENT, sent.group(2));
      ReceivedSpan span = spanOf(gateway, traced);
      assertEquals("reloaded", span.serviceName());
      assertEquals(sent.group(2), span.spanId());

      Files.writeString(file, plain);
      gateway.server().reload().await(10, TimeUnit.SECONDS);
      assertNull(gateway.server().snapshot().tracing());
      assertEquals(incoming, upstreamGot(gateway.send(GET, "/projects", viewer("acme"), "traceparent", incoming))
          .header("traceparent"));
    }
  }

  @Test
  void withoutATracingSectionTraceHeadersPassThroughUntouched() throws Exception {
    String malformed = "00-not-a-trace";
    Response response = untraced.send(GET, "/projects", viewer("acme"), "traceparent", malformed, "tracestate", "v=1");
    assertEquals(200, response.status());
    Received received = upstreamGot(response);
    assertEquals(malformed, received.header("traceparent"), "the gateway does not take part in tracing");
    assertEquals("v=1", received.header("tracestate"));
    assertFalse(logLine(untraced, response).containsKey("trace_id"));
    Response refused = untraced.send(DELETE, "/projects/7", viewer("acme"));
    assertFalse(refused.json().containsKey("trace_id"));
    assertNull(untraced.server().snapshot().tracing());
  }
}
