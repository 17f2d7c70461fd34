package dev.tenantgateway.support;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * An upstream that misbehaves on purpose, on loopback. {@code /ok} answers 200 "ok"; {@code /cut-length/D/S}
 * declares D bytes, sends S and closes; {@code /cut-chunked/S} sends S bytes chunked and closes without the last
 * chunk; {@code /stall/D/S} declares D, sends S and then nothing; {@code /hold/MS} answers after MS milliseconds;
 * {@code /upload} answers with the number of body bytes it received. Counts complete requests by path.
 */
public final class FaultyUpstream {

  private final Map<String, AtomicLong> completeRequests = new ConcurrentHashMap<>();
  private HttpServer server;
  private int port;

  public FaultyUpstream start(Vertx vertx, int fixedPort) throws Exception {
    server = vertx.createHttpServer(new HttpServerOptions().setIdleTimeout(0)).requestHandler(req -> req.body().onSuccess(body -> {
      String path = req.path();
      String[] parts = path.split("/");
      completeRequests.computeIfAbsent(parts.length > 1 ? parts[1] : "", k -> new AtomicLong()).incrementAndGet();
      switch (parts.length > 1 ? parts[1] : "") {
        case "ok" -> req.response().end("ok");
        case "cut-length" -> req.response().putHeader("Content-Length", parts[2])
            .write(RecordingUpstream.pattern(0, Integer.parseInt(parts[3])))
            .onComplete(written -> req.connection().close());
        case "cut-chunked" -> req.response().setChunked(true)
            .write(RecordingUpstream.pattern(0, Integer.parseInt(parts[2])))
            .onComplete(written -> req.connection().close());
        case "stall" -> req.response().putHeader("Content-Length", parts[2])
            .write(RecordingUpstream.pattern(0, Integer.parseInt(parts[3])));
        case "hold" -> vertx.setTimer(Long.parseLong(parts[2]), id -> req.response().end("held"));
        case "upload" -> req.response().end(Long.toString(body.length()));
        default -> req.response().setStatusCode(404).end();
      }
    })).listen(fixedPort, "127.0.0.1").await(10, TimeUnit.SECONDS);
    port = server.actualPort();
    return this;
  }

  /** Complete requests received whose path starts with {@code /segment}. */
  public long received(String segment) {
    AtomicLong count = completeRequests.get(segment);
    return count == null ? 0 : count.get();
  }

  public int port() {
    return port;
  }

  public String url() {
    return "http://127.0.0.1:" + port;
  }

  public Future<Void> stop() {
    return server.close();
  }

  /** A body of {@code size} bytes. */
  public static Buffer bytes(int size) {
    return RecordingUpstream.pattern(0, size);
  }
}
