package dev.tenantgateway.demo;

import dev.tenantgateway.compile.ConfigLoader;
import dev.tenantgateway.config.GatewayConfig;
import dev.tenantgateway.server.GatewayServer;
import dev.tenantgateway.server.ListenFailure;
import io.vertx.core.Future;
import io.vertx.core.MultiMap;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;

/**
 * The one-command demo: the gateway on the example routes.yaml, a development token issuer and an echo upstream,
 * all in this process and on loopback only. The issuer signs with the committed development key: never for
 * production.
 */
public final class Demo {

  /** Ports for the three parts (0 picks a free one, except the gateway, which defaults to 8080). */
  public record Ports(int gateway, int admin, int issuer, int upstream) {
  }

  private final Vertx vertx;
  private final DevTokens signer;
  private HttpServer issuerServer;
  private HttpServer upstreamServer;
  private GatewayServer gateway;

  private Demo(Vertx vertx, DevTokens signer) {
    this.vertx = vertx;
    this.signer = signer;
  }

  public static Future<Demo> start(Vertx vertx, Path routes, Path privateKey, Ports ports) {
    DevTokens signer;
    String publicJwk;
    try {
      signer = DevTokens.load(privateKey);
      publicJwk = Files.readString(routes.toAbsolutePath().getParent().resolve("examples/dev-keys/issuer.pub.pem"));
    } catch (Exception e) {
      return Future.failedFuture(new IllegalStateException("the demo needs the development keys in examples/dev-keys: " + e.getMessage()));
    }
    Demo demo = new Demo(vertx, signer);
    return demo.startIssuer(ports.issuer(), publicJwk)
        .compose(v -> demo.startUpstream(ports.upstream()))
        .compose(v -> {
          Map<String, String> env = new HashMap<>(System.getenv());
          env.put("GATEWAY_HOST", "127.0.0.1");
          env.put("GATEWAY_PORT", Integer.toString(ports.gateway()));
          env.put("ADMIN_HOST", "127.0.0.1");
          env.put("ADMIN_PORT", Integer.toString(ports.admin()));
          env.put("PROJECTS_URL", "http://127.0.0.1:" + demo.upstreamServer.actualPort());
          GatewayConfig config;
          try {
            config = ConfigLoader.parse(Files.readString(routes), routes.toString(), routes.toAbsolutePath().getParent(), env::get);
          } catch (Exception e) {
            return Future.failedFuture(e);
          }
          return GatewayServer.start(vertx, config, new GatewayServer.Options(2, null, System.out, null));
        })
        .map(server -> {
          demo.gateway = server;
          return demo;
        });
  }

  private Future<Void> startIssuer(int port, String publicPem) {
    JsonObject jwks;
    try {
      String base64 = publicPem.replaceAll("-----[A-Z ]+-----", "").replaceAll("\\s", "");
      java.security.interfaces.RSAPublicKey key = (java.security.interfaces.RSAPublicKey) java.security.KeyFactory
          .getInstance("RSA").generatePublic(new java.security.spec.X509EncodedKeySpec(java.util.Base64.getDecoder().decode(base64)));
      java.util.Base64.Encoder b64 = java.util.Base64.getUrlEncoder().withoutPadding();
      jwks = new JsonObject().put("keys", new JsonArray().add(new JsonObject()
          .put("kty", "RSA").put("use", "sig").put("alg", "RS256").put("kid", "dev")
          .put("n", b64.encodeToString(unsigned(key.getModulus().toByteArray())))
          .put("e", b64.encodeToString(unsigned(key.getPublicExponent().toByteArray())))));
    } catch (java.security.GeneralSecurityException e) {
      return Future.failedFuture(e);
    }
    return vertx.createHttpServer().requestHandler(req -> {
      if (req.path().equals("/.well-known/jwks.json")) {
        req.response().putHeader("Content-Type", "application/json").end(jwks.encode());
        return;
      }
      if (!req.path().equals("/token")) {
        req.response().setStatusCode(404).end();
        return;
      }
      String roles = req.getParam("roles");
      String token = signer.mint(DevTokens.ISSUER, DevTokens.AUDIENCE, value(req.params(), "sub", "sarah"),
          req.getParam("org"), roles == null ? null : Arrays.asList(roles.split(",")), null, 3600);
      req.response().putHeader("Content-Type", "text/plain")
          .putHeader("X-Warning", "development token issuer: never use in production")
          .end(token);
    }).listen(port, "127.0.0.1")
        .recover(err -> Future.failedFuture(new ListenFailure("issuer", "127.0.0.1", port, err)))
        .map(server -> {
          issuerServer = server;
          return null;
        });
  }

  private static byte[] unsigned(byte[] bytes) {
    return bytes.length > 1 && bytes[0] == 0 ? Arrays.copyOfRange(bytes, 1, bytes.length) : bytes;
  }

  private static String value(MultiMap params, String name, String fallback) {
    String v = params.get(name);
    return v == null || v.isEmpty() ? fallback : v;
  }

  /** Answers every request with what it received, so the trusted headers can be seen. */
  private Future<Void> startUpstream(int port) {
    return EchoUpstream.start(vertx, port)
        .recover(err -> Future.failedFuture(new ListenFailure("upstream", "127.0.0.1", port, err)))
        .map(server -> {
          upstreamServer = server;
          return null;
        });
  }

  public int gatewayPort() {
    return gateway.port();
  }

  /** Prints the banner with ready-to-paste commands. */
  public void printGuide(PrintStream out) {
    String gw = "http://127.0.0.1:" + gateway.port();
    String issuer = "http://127.0.0.1:" + issuerServer.actualPort();
    String admin = "http://127.0.0.1:" + gateway.adminPort();
    out.println("""
        ================================================================================
         Tenant Gateway demo. The token issuer below is for DEVELOPMENT ONLY: it signs
         anything it is asked with a key that is public. Never use it in production.
        ================================================================================
         gateway   %s   (routes.yaml)
         admin     %s   (/metrics, /healthz, /readyz)
         issuer    %s   (dev tokens: /token?sub=&org=&roles=)
         upstream  http://127.0.0.1:%d   (echoes what it receives)

        # Sarah is an admin at Acme and a viewer at Startup: one person, two tokens.
        SARAH_ACME=$(curl -s '%s/token?sub=sarah&org=acme&roles=admin')
        SARAH_STARTUP=$(curl -s '%s/token?sub=sarah&org=startup&roles=viewer')

        # expect 200: an admin at Acme may delete a project
        curl -i -X DELETE %s/projects/42 -H "Authorization: Bearer $SARAH_ACME"
        # expect 403: at Startup she is a viewer (permission_denied, with the permission it needs)
        curl -i -X DELETE %s/projects/42 -H "Authorization: Bearer $SARAH_STARTUP"
        # expect 200: a viewer may read
        curl -i %s/projects -H "Authorization: Bearer $SARAH_STARTUP"
        # expect 200: a spoofed X-Tenant-Id never reaches the upstream (the echo shows X-Tenant-Id: startup)
        curl -i %s/projects -H "Authorization: Bearer $SARAH_STARTUP" -H "X-Tenant-Id: acme"
        # expect 401: no token
        curl -i %s/projects
        # expect 200: the metrics page
        curl -i %s/metrics
        demo ready
        """.formatted(gw, admin, issuer, upstreamServer.actualPort(), issuer, issuer, gw, gw, gw, gw, gw, admin));
    out.flush();
  }
}
