package dev.tenantgateway.server;

import dev.tenantgateway.support.GatewayFixture;
import dev.tenantgateway.support.GatewayFixture.Response;
import dev.tenantgateway.support.RawHttp;
import dev.tenantgateway.support.RecordingUpstream;
import dev.tenantgateway.support.RecordingUpstream.Received;
import dev.tenantgateway.support.TestIssuer;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.UpgradeRejectedException;
import io.vertx.core.http.WebSocketClient;
import io.vertx.core.http.WebSocketConnectOptions;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.net.ServerSocket;
import java.security.MessageDigest;
import java.util.concurrent.TimeUnit;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;

import static io.vertx.core.http.HttpMethod.DELETE;
import static io.vertx.core.http.HttpMethod.GET;
import static io.vertx.core.http.HttpMethod.POST;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The core promise end to end, through real sockets: a real JWKS endpoint, real keys, a recording upstream. */
@ExtendWith(VertxExtension.class)
class GatewayIT {

  static final String ROUTES = """
      listener:
        host: 127.0.0.1
        port: 0
        realm: test-realm
      issuers:
        - id: main-idp
          issuer: https://idp.test/
          jwks_uri: ${JWKS_URI}
          audiences: [gateway]
          algorithms: [RS256, ES256]
          leeway: 5s
          claims:
            tenant: org_code
            permissions: permissions
            roles: roles
        - id: logto
          issuer: https://logto.test/oidc
          jwks_uri: ${LOGTO_JWKS_URI}
          audiences: []
          claims:
            tenant: { claim: aud, prefix: "urn:logto:organization:" }
            permissions: scope
        - id: namespaced
          issuer: https://tenant.auth0.test/
          jwks_uri: ${NS_JWKS_URI}
          audiences: [gateway]
          claims:
            tenant: https://app.example.com/active_org
            roles: https://app.example.com/roles
            permissions: [permissions, scope]
      roles:
        admin: ["projects:*", "members:*"]
        viewer: [projects:read]
      upstreams:
        app:
          url: ${UPSTREAM_URL}
          connect_timeout: 1s
          response_timeout: 1s
        down:
          url: http://127.0.0.1:${DEAD_PORT}
          connect_timeout: 1s
      routes:
        - id: list-projects
          methods: [GET]
          path: /projects
          upstream: app
          require: projects:read
        - id: delete-project
          methods: [DELETE]
          path: /projects/{id}
          upstream: app
          require: projects:delete
        - id: upload
          methods: [POST]
          path: /uploads
          upstream: app
          require: { any_of: [files:write, projects:write] }
        - id: large
          methods: [GET]
          path: /large/{size}
          upstream: app
          require: projects:read
        - id: slow
          methods: [GET]
          path: /slow
          upstream: app
          require: projects:read
        - id: broken
          methods: [GET]
          path: /broken
          upstream: down
          require: projects:read
        - id: me
          methods: [GET]
          path: /me
          upstream: app
          require: []
          tenant_required: false
        - id: with-token
          methods: [GET]
          path: /raw-token
          upstream: app
          require: []
          forward_authorization: true
        - id: api
          methods: [GET]
          path: /api/v1/**
          upstream: app
          require: projects:read
          strip_prefix: /api/v1
        - id: shapes
          methods: [GET, HEAD]
          path: /shapes/**
          upstream: app
          require: projects:read
          strip_prefix: /shapes
        - id: socket
          methods: [GET]
          path: /ws
          upstream: app
          require: projects:read
          websocket: true
        - id: public-status
          methods: [GET]
          path: /public/status
          upstream: app
          public: true
      """;

  static TestIssuer idp;
  static TestIssuer logto;
  static TestIssuer namespaced;
  static RecordingUpstream upstream;
  static GatewayFixture gateway;

  @BeforeAll
  static void start(Vertx vertx) throws Exception {
    idp = new TestIssuer("https://idp.test/").start(vertx);
    logto = new TestIssuer("https://logto.test/oidc").start(vertx);
    namespaced = new TestIssuer("https://tenant.auth0.test/").start(vertx);
    upstream = new RecordingUpstream().start(vertx);
    int deadPort;
    try (ServerSocket socket = new ServerSocket(0)) {
      deadPort = socket.getLocalPort();
    }
    gateway = GatewayFixture.start(vertx, ROUTES, Map.of(
        "JWKS_URI", idp.jwksUri(), "LOGTO_JWKS_URI", logto.jwksUri(), "NS_JWKS_URI", namespaced.jwksUri(),
        "UPSTREAM_URL", upstream.url(), "DEAD_PORT", Integer.toString(deadPort)));
  }

  @AfterAll
  static void stop() throws Exception {
    gateway.close();
  }

  @BeforeEach
  void clear() {
    upstream.clear();
  }

  static String sarahAt(String org, String role) {
    return idp.mint(idp.claims("sarah").put("org_code", org).put("roles", new JsonArray().add(role)));
  }

  // ---------------------------------------------------------------------------------------------------------------
  // One person, many tenants

  @Test
  void sarahIsAdminAtAcmeAndViewerAtStartup() throws Exception {
    String acme = sarahAt("acme", "admin");
    String startup = sarahAt("startup", "viewer");

    Response deleteAtAcme = gateway.send(DELETE, "/projects/42", acme);
    assertEquals(200, deleteAtAcme.status());
    Received received = upstream.last();
    assertEquals("/projects/42", received.uri());
    assertEquals("acme", received.header("X-Tenant-Id"));
    assertEquals("sarah", received.header("X-User-Id"));
    assertEquals("admin", received.header("X-User-Roles"));
    assertEquals("members:*,projects:*", received.header("X-User-Permissions"));

    upstream.clear();
    Response deleteAtStartup = gateway.send(DELETE, "/projects/42", startup);
    assertEquals(403, deleteAtStartup.status());
    assertEquals("permission_denied", deleteAtStartup.code());
    assertEquals(List.of("projects:delete"), deleteAtStartup.json().getJsonArray("required_permissions").getList());
    assertTrue(upstream.received().isEmpty(), "a denied request never reaches the upstream");

    Response listAtStartup = gateway.send(GET, "/projects", startup);
    assertEquals(200, listAtStartup.status());
    assertEquals("startup", upstream.last().header("X-Tenant-Id"));
    assertEquals("viewer", upstream.last().header("X-User-Roles"));
    assertEquals("projects:read", upstream.last().header("X-User-Permissions"));
  }

  @Test
  void permissionsFromTheTokenAndAnyOfRequirements() throws Exception {
    String token = idp.mint(idp.claims("bob").put("org_code", "acme").put("permissions", new JsonArray().add("files:write")));
    Response response = gateway.send(POST, "/uploads", token, Buffer.buffer("hello"));
    assertEquals(200, response.status());
    assertEquals(5, upstream.last().bodyLength());
    assertEquals("files:write", upstream.last().header("X-User-Permissions"));
    assertEquals("", upstream.last().header("X-User-Roles"));
  }

  @Test
  void ecdsaTokensVerifyToo() throws Exception {
    String token = idp.mint(idp.claims("sarah").put("org_code", "acme").put("roles", new JsonArray().add("viewer")), "ec-1");
    assertEquals(200, gateway.send(GET, "/projects", token).status());
  }

  @Test
  void tenantFromAnOrganizationTokenAudience() throws Exception {
    String token = logto.mint(logto.claims("u-7").put("aud", "urn:logto:organization:org_startup")
        .put("scope", "projects:read projects:write"));
    assertEquals(200, gateway.send(GET, "/projects", token).status());
    assertEquals("org_startup", upstream.last().header("X-Tenant-Id"));
    assertEquals("projects:read,projects:write", upstream.last().header("X-User-Permissions"));
  }

  @Test
  void tenantAndRolesFromNamespacedCustomClaims() throws Exception {
    String token = namespaced.mint(namespaced.claims("auth0|abc")
        .put("https://app.example.com/active_org", "org_acme")
        .put("https://app.example.com/roles", new JsonArray().add("viewer"))
        .put("scope", "openid profile"));
    assertEquals(200, gateway.send(GET, "/projects", token).status());
    assertEquals("org_acme", upstream.last().header("X-Tenant-Id"));
    assertEquals("auth0|abc", upstream.last().header("X-User-Id"));
    assertEquals("projects:read", upstream.last().header("X-User-Permissions"), "OIDC scopes are never permissions");
  }

  // ---------------------------------------------------------------------------------------------------------------
  // The trust boundary

  @Test
  void spoofedTenantHeadersNeverReachTheUpstream() throws Exception {
    String token = sarahAt("acme", "viewer");
    List<String[]> spoofs = List.of(
        new String[] {"X-Tenant-Id", "evil"},
        new String[] {"x-tenant-id", "evil"},
        new String[] {"X-TENANT-ID", "evil"},
        new String[] {"X_Tenant_Id", "evil"},
        new String[] {"x_tenant-ID", "evil"},
        new String[] {"X-Tenant-Id", "evil", "X-Tenant-Id", "evil2"},
        new String[] {"X-User-Id", "admin", "X-User-Roles", "admin", "X-User-Permissions", "*"},
        new String[] {"Connection", "keep-alive, X-Tenant-Id", "X-Tenant-Id", "evil"},
        new String[] {"X-Forwarded-For", "10.0.0.1", "X-Forwarded-Host", "evil.example", "Forwarded", "for=1.2.3.4",
            "X-Forwarded-Proto", "https", "X-Request-Id", "forged"});
    for (String[] spoof : spoofs) {
      upstream.clear();
      Response response = gateway.send(GET, "/projects", token, spoof);
      assertEquals(200, response.status(), () -> "spoof " + String.join(" ", spoof));
      Received received = upstream.last();
      assertEquals(List.of("acme"), received.headers().getAll("X-Tenant-Id"), () -> "spoof " + String.join(" ", spoof));
      assertEquals(List.of("sarah"), received.headers().getAll("X-User-Id"));
      assertEquals(List.of("viewer"), received.headers().getAll("X-User-Roles"));
      assertEquals(List.of("projects:read"), received.headers().getAll("X-User-Permissions"));
      for (String name : received.headers().names()) {
        String folded = name.toLowerCase().replace('_', '-');
        assertFalse(folded.equals("x-tenant-id") && !name.equals("X-Tenant-Id") && !name.equals("x-tenant-id"),
            "look-alike header reached the upstream: " + name);
      }
      assertFalse(received.headers().names().stream().anyMatch(n -> n.contains("_")), "underscore header forwarded");
      assertNull(received.header("Forwarded"));
      assertEquals("127.0.0.1", received.header("X-Forwarded-For"));
      assertEquals("http", received.header("X-Forwarded-Proto"));
      assertEquals(List.of(response.header("X-Request-Id")), received.headers().getAll("X-Request-Id"));
      assertFalse(String.valueOf(received.header("Connection")).contains("X-Tenant-Id"));
    }
  }

  @Test
  void publicRoutesNeedNoTokenButStillStripReservedHeaders() throws Exception {
    Response response = gateway.send(GET, "/public/status", null, "X-Tenant-Id", "evil", "X-User-Id", "root");
    assertEquals(200, response.status());
    assertNull(upstream.last().header("X-Tenant-Id"));
    assertNull(upstream.last().header("X-User-Id"));
  }

  @Test
  void authorizationIsForwardedOnlyWhereTheRouteSaysSo() throws Exception {
    String token = sarahAt("acme", "viewer");
    gateway.send(GET, "/projects", token);
    assertNull(upstream.last().header("Authorization"));
    gateway.send(GET, "/raw-token", token);
    assertEquals("Bearer " + token, upstream.last().header("Authorization"));
  }

  @Test
  void theMatchedPathIsTheForwardedPath() throws Exception {
    String token = sarahAt("acme", "viewer");
    Response dotted = gateway.send(GET, "/public/../projects", null);
    assertEquals(401, dotted.status(), "'/public/../projects' is /projects, which needs a token");
    assertTrue(upstream.received().isEmpty());

    assertEquals(200, gateway.send(GET, "/public/./../%70rojects?x=1", token).status());
    assertEquals("/projects?x=1", upstream.last().uri());

    assertEquals(200, gateway.send(GET, "/api/v1/things//a/?q=%20", token).status());
    assertEquals("/things/a/?q=%20", upstream.last().uri(), "prefix stripped, duplicate slash merged, query kept");

    upstream.clear();
    assertEquals(400, gateway.send(GET, "/public/..%2Fprojects", null).status());
    Response wrongMethod = gateway.send(GET, "/projects/42", token);
    assertEquals(405, wrongMethod.status(), "GET is not a method of delete-project");
    assertEquals("DELETE", wrongMethod.header("Allow"));
    assertTrue(upstream.received().isEmpty());
  }

  @Test
  void webSocketUpgradesGetTheSameTrustBoundary(Vertx vertx) throws Exception {
    WebSocketClient client = vertx.createWebSocketClient();
    try {
      WebSocketConnectOptions options = new WebSocketConnectOptions().setHost("127.0.0.1").setPort(gateway.port())
          .setURI("/x/../ws").addHeader("Authorization", "Bearer " + sarahAt("acme", "viewer"))
          .addHeader("X-Tenant-Id", "evil").addHeader("X_Tenant_Id", "evil");
      String echoed = client.connect(options)
          .compose(ws -> {
            Promise<String> reply = Promise.promise();
            ws.textMessageHandler(reply::tryComplete);
            return ws.writeTextMessage("ping").compose(v -> reply.future()).eventually(ws::close);
          })
          .await(10, TimeUnit.SECONDS);
      assertEquals("ping", echoed);
      Received upgrade = upstream.last();
      assertEquals("/ws", upgrade.uri());
      assertEquals(List.of("acme"), upgrade.headers().getAll("X-Tenant-Id"));
      assertNull(upgrade.header("X_Tenant_Id"));
      assertNull(upgrade.header("Authorization"));
      assertEquals("projects:read", upgrade.header("X-User-Permissions"));

      int refused = client.connect(new WebSocketConnectOptions().setHost("127.0.0.1").setPort(gateway.port()).setURI("/ws"))
          .map(ws -> 101).recover(err -> Future.succeededFuture(err instanceof UpgradeRejectedException rejected
              ? rejected.getStatus() : -1))
          .await(10, TimeUnit.SECONDS);
      assertEquals(401, refused);
    } finally {
      client.close().await(10, TimeUnit.SECONDS);
    }
  }

  // ---------------------------------------------------------------------------------------------------------------
  // Errors a user sees

  @Test
  void missingTokenGets401WithABareChallenge() throws Exception {
    Response response = gateway.send(GET, "/projects", null);
    assertProblem(response, 401, "token_missing");
    assertEquals("Bearer realm=\"test-realm\"", response.header("WWW-Authenticate"));
    Response basic = gateway.send(GET, "/projects", null, "Authorization", "Basic dXNlcjpwYXNz");
    assertProblem(basic, 401, "token_missing");
    assertTrue(upstream.received().isEmpty());
  }

  @Test
  void invalidTokensGet401WithInvalidTokenChallenge() throws Exception {
    assertInvalid(gateway.send(GET, "/projects", "not-a-jwt"), "token_invalid");
    assertInvalid(gateway.send(GET, "/projects", idp.mint(idp.claims("s").put("org_code", "acme").put("exp",
        System.currentTimeMillis() / 1000 - 60))), "token_expired");
    assertInvalid(gateway.send(GET, "/projects", idp.mint(idp.claims("s").put("iss", "https://other.test/"))), "issuer_unknown");
    assertTrue(upstream.received().isEmpty());
  }

  @Test
  void tokenWithoutTenantGets403TenantRequiredUnlessTheRouteWaivesIt() throws Exception {
    String token = idp.mint(idp.claims("sarah").put("roles", new JsonArray().add("admin")));
    Response response = gateway.send(GET, "/projects", token);
    assertProblem(response, 403, "tenant_required");
    assertTrue(response.header("WWW-Authenticate").contains("error=\"insufficient_scope\""));
    assertTrue(upstream.received().isEmpty());

    assertEquals(200, gateway.send(GET, "/me", token).status());
    assertNull(upstream.last().header("X-Tenant-Id"));
  }

  @Test
  void permissionDeniedCarriesInsufficientScope() throws Exception {
    Response response = gateway.send(DELETE, "/projects/1", sarahAt("startup", "viewer"));
    assertProblem(response, 403, "permission_denied");
    String challenge = response.header("WWW-Authenticate");
    assertTrue(challenge.startsWith("Bearer realm=\"test-realm\", error=\"insufficient_scope\""), challenge);
    assertTrue(challenge.contains("scope=\"projects:delete\""), challenge);
    assertFalse(response.body().toString().contains("viewer"), "the caller's claims are never echoed");
  }

  @Test
  void unknownRouteGets404AndNothingIsForwarded() throws Exception {
    Response response = gateway.send(GET, "/admin/users", sarahAt("acme", "admin"));
    assertProblem(response, 404, "route_not_found");
    assertTrue(upstream.received().isEmpty());
  }

  @Test
  void unreachableUpstreamGets502() throws Exception {
    assertProblem(gateway.send(GET, "/broken", sarahAt("acme", "admin")), 502, "upstream_unavailable");
  }

  @Test
  void slowUpstreamGets504() throws Exception {
    assertProblem(gateway.send(GET, "/slow", sarahAt("acme", "admin")), 504, "upstream_timeout");
    assertEquals(1, upstream.received().size(), "the request did reach the upstream, which never answered");
  }

  @Test
  void requestIdGoesUpstreamAndBackAndIntoProblems() throws Exception {
    Response ok = gateway.send(GET, "/projects", sarahAt("acme", "viewer"));
    String id = ok.header("X-Request-Id");
    assertNotNull(id);
    assertEquals(id, upstream.last().header("X-Request-Id"));
    Response denied = gateway.send(GET, "/nowhere", null);
    assertEquals(denied.header("X-Request-Id"), denied.json().getString("request_id"));
  }

  // ---------------------------------------------------------------------------------------------------------------
  // Streaming

  @Test
  void aOneMebibyteRequestBodyStreamsThrough() throws Exception {
    String token = sarahAt("acme", "admin");
    String writer = idp.mint(idp.claims("w").put("org_code", "acme").put("permissions", new JsonArray().add("files:write")));
    Buffer body = RecordingUpstream.pattern(0, 1024 * 1024);
    Response response = gateway.send(POST, "/uploads", writer, body);
    assertEquals(200, response.status());
    assertEquals(1024 * 1024, upstream.last().bodyLength());
    assertEquals(sha256(body), upstream.last().bodySha256());
    assertNotNull(token);
  }

  @Test
  void aOneMebibyteResponseBodyStreamsBack() throws Exception {
    Response response = gateway.send(GET, "/large/1048576", sarahAt("acme", "viewer"));
    assertEquals(200, response.status());
    assertEquals(1024 * 1024, response.body().length());
    assertEquals(sha256(RecordingUpstream.pattern(0, 1024 * 1024)), sha256(response.body()));
  }

  // ---------------------------------------------------------------------------------------------------------------
  // Response shapes: what the upstream answers reaches the client intact, minus what belongs to one hop

  @Test
  void headAndNoContentResponsesCarryNoBody() throws Exception {
    Response head = gateway.send(HttpMethod.HEAD, "/shapes/large/100", sarahAt("acme", "viewer"));
    assertEquals(200, head.status());
    assertEquals(0, head.body().length());
    assertEquals(HttpMethod.HEAD, upstream.last().method());
    Response noContent = gateway.send(GET, "/shapes/status/204", sarahAt("acme", "viewer"));
    assertEquals(204, noContent.status());
    assertEquals(0, noContent.body().length());
    assertEquals("kept", noContent.header("X-Upstream-Header"));
  }

  @Test
  void hopByHopResponseHeadersStayOnTheirHopAndTheReasonPhraseComesThrough() throws Exception {
    String raw = RawHttp.exchange(gateway.port(), "GET /shapes/status/200 HTTP/1.1\r\nHost: gw\r\nAuthorization: Bearer "
        + sarahAt("acme", "viewer") + "\r\nConnection: close\r\n\r\n");
    String head = raw.substring(0, raw.indexOf("\r\n\r\n")).toLowerCase(java.util.Locale.ROOT);
    assertTrue(raw.startsWith("HTTP/1.1 200 Custom Reason\r\n"), raw);
    assertTrue(head.contains("x-upstream-header: kept"), raw);
    assertFalse(head.contains("keep-alive: timeout"), raw);
    assertFalse(head.contains("proxy-authenticate"), raw);
    assertTrue(raw.endsWith("\r\n\r\nstatus body"), raw);
  }

  @Test
  void anHttp10ClientGetsAnUnsizedBodyWithALength() throws Exception {
    String raw = RawHttp.exchange(gateway.port(), "GET /shapes/large/5000 HTTP/1.0\r\nHost: gw\r\nAuthorization: Bearer "
        + sarahAt("acme", "viewer") + "\r\n\r\n");
    String head = raw.substring(0, raw.indexOf("\r\n\r\n")).toLowerCase(java.util.Locale.ROOT);
    assertTrue(head.startsWith("http/1.0 200"), raw);
    assertTrue(head.contains("content-length: 5000"), raw);
    assertFalse(head.contains("chunked"), raw);
    assertEquals(5000, raw.length() - raw.indexOf("\r\n\r\n") - 4);
  }

  @Test
  void anUpstreamThatBreaksOffASmallBodyGets502() throws Exception {
    assertProblem(gateway.send(GET, "/shapes/broken-body/100", sarahAt("acme", "viewer")), 502, "upstream_unavailable");
  }

  @Test
  void anUpstreamThatBreaksOffAStreamedBodyBreaksTheResponse() throws Exception {
    String raw = RawHttp.exchange(gateway.port(), "GET /shapes/broken-body/1000000 HTTP/1.1\r\nHost: gw\r\n"
        + "Authorization: Bearer " + sarahAt("acme", "viewer") + "\r\n\r\n");
    assertTrue(raw.startsWith("HTTP/1.1 200"), raw); // the head had gone out before the upstream broke off
    assertEquals(10, raw.length() - raw.indexOf("\r\n\r\n") - 4, "the client sees the body end short, not complete");
  }

  static String sha256(Buffer buffer) {
    MessageDigest digest = RecordingUpstream.sha256();
    digest.update(buffer.getBytes());
    return HexFormat.of().formatHex(digest.digest());
  }

  static void assertProblem(Response response, int status, String code) {
    assertEquals(status, response.status(), () -> response.body().toString());
    assertEquals("application/problem+json", response.header("Content-Type"));
    JsonObject problem = response.json();
    assertEquals(code, problem.getString("code"));
    assertEquals(status, problem.getInteger("status"));
    assertEquals("urn:tenant-gateway:problem:" + code, problem.getString("type"));
    assertNotNull(problem.getString("title"));
    assertEquals(response.header("X-Request-Id"), problem.getString("request_id"));
  }

  static void assertInvalid(Response response, String code) {
    assertProblem(response, 401, code);
    String challenge = response.header("WWW-Authenticate");
    assertTrue(challenge.startsWith("Bearer realm=\"test-realm\", error=\"invalid_token\", error_description=\""), challenge);
  }

}
