package dev.tenantgateway.support;

import io.vertx.core.Future;
import io.vertx.core.MultiMap;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServer;
import io.vertx.core.json.JsonObject;

import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

/**
 * The legacy service behind the gateway: records every request exactly as it arrived (method, target, headers,
 * body size and digest) before answering. Paths under {@code /slow} never answer; {@code /delay/MS} answers after MS
 * milliseconds; {@code /large/N} answers with N bytes, chunked; {@code /status/NNN} answers that status with a
 * custom reason phrase and hop-by-hop headers that must not cross the gateway; {@code /broken-body/N} declares N
 * bytes, sends 10 and closes; anything else answers 200 with a small JSON body.
 */
public final class RecordingUpstream {

  /** What the upstream received. */
  public record Received(HttpMethod method, String uri, MultiMap headers, long bodyLength, String bodySha256) {
    public String header(String name) {
      return headers.get(name);
    }
  }

  private final List<Received> received = new CopyOnWriteArrayList<>();
  private HttpServer server;

  public RecordingUpstream start(Vertx vertx) throws Exception {
    server = vertx.createHttpServer().requestHandler(req -> {
      MessageDigest digest = sha256();
      long[] length = {0};
      req.handler(chunk -> {
        length[0] += chunk.length();
        digest.update(chunk.getBytes());
      });
      req.endHandler(v -> {
        MultiMap headers = MultiMap.caseInsensitiveMultiMap().addAll(req.headers());
        received.add(new Received(req.method(), req.uri(), headers, length[0], HexFormat.of().formatHex(digest.digest())));
        String path = req.path();
        if (path.startsWith("/slow")) {
          return; // never answers: the gateway's response timeout must fire
        }
        if (path.startsWith("/delay/")) {
          long millis = Long.parseLong(path.substring("/delay/".length()));
          vertx.setTimer(millis, id -> req.response().end("delayed"));
          return;
        }
        if (path.startsWith("/large/")) {
          int size = Integer.parseInt(path.substring("/large/".length()));
          req.response().putHeader("Content-Type", "application/octet-stream").setChunked(true);
          int chunk = 16 * 1024;
          for (int sent = 0; sent < size; sent += chunk) {
            req.response().write(pattern(sent, Math.min(chunk, size - sent)));
          }
          req.response().end();
          return;
        }
        if (path.startsWith("/status/")) {
          int status = Integer.parseInt(path.substring("/status/".length()));
          req.response().setStatusCode(status).setStatusMessage("Custom Reason")
              .putHeader("Keep-Alive", "timeout=5")
              .putHeader("Proxy-Authenticate", "Basic realm=\"upstream\"")
              .putHeader("X-Upstream-Header", "kept")
              .end(status == 204 || status == 304 ? "" : "status body");
          return;
        }
        if (path.startsWith("/upstream-cors")) {
          // a legacy service answering CORS by itself, too generously
          req.response().putHeader("Access-Control-Allow-Origin", "*")
              .putHeader("Access-Control-Allow-Credentials", "true")
              .putHeader("Vary", "Accept-Encoding")
              .end("legacy");
          return;
        }
        if (path.startsWith("/broken-body/")) {
          req.response().putHeader("Content-Length", path.substring("/broken-body/".length()))
              .write(pattern(0, 10)).onComplete(written -> req.connection().close());
          return;
        }
        req.response().putHeader("Content-Type", "application/json")
            .end(new JsonObject().put("upstream", "ok").put("uri", req.uri()).encode());
      });
    }).webSocketHandler(ws -> {
      received.add(new Received(HttpMethod.GET, ws.uri(), MultiMap.caseInsensitiveMultiMap().addAll(ws.headers()), 0, ""));
      ws.textMessageHandler(ws::writeTextMessage); // echo
    }).listen(0, "127.0.0.1").await(10, TimeUnit.SECONDS);
    return this;
  }

  /** The bytes {@code /large/N} serves from {@code offset}: a repeating pattern, so corruption shows. */
  public static Buffer pattern(int offset, int length) {
    byte[] bytes = new byte[length];
    for (int i = 0; i < length; i++) {
      bytes[i] = (byte) ((offset + i) % 251);
    }
    return Buffer.buffer(bytes);
  }

  public static MessageDigest sha256() {
    try {
      return MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  public String url() {
    return "http://127.0.0.1:" + server.actualPort();
  }

  public List<Received> received() {
    return List.copyOf(received);
  }

  public Received last() {
    return received.isEmpty() ? null : received.get(received.size() - 1);
  }

  public void clear() {
    received.clear();
  }

  public Future<Void> stop() {
    return server == null ? Future.succeededFuture() : server.close();
  }
}
