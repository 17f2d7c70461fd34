package dev.tenantgateway.support;

import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.json.JsonObject;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;

/**
 * A JWKS endpoint on loopback that serves a good key set until told to misbehave: redirect elsewhere, answer HTML,
 * 500, an empty body, an oversized body or nothing at all. Every bad answer carries an attacker's keys where it can,
 * so a gateway that accepted it would accept the attacker's tokens.
 */
public final class HostileJwks {

  public enum Mode { GOOD, REDIRECT, HTML, STATUS_500, EMPTY, OVERSIZED, OVERSIZED_DECLARED, HANG }

  private final Supplier<JsonObject> good;
  private final Supplier<JsonObject> evil;
  private volatile Mode mode = Mode.GOOD;
  private volatile String redirectTo;
  private final AtomicInteger fetches = new AtomicInteger();
  private final List<HttpServerRequest> hanging = new CopyOnWriteArrayList<>();
  private HttpServer server;
  private volatile io.vertx.core.Promise<Void> hangClosed = io.vertx.core.Promise.promise();

  /**
   * @param good the key set served in {@link Mode#GOOD}
   * @param evil the attacker's key set, slipped into bad answers
   */
  public HostileJwks(Supplier<JsonObject> good, Supplier<JsonObject> evil) {
    this.good = good;
    this.evil = evil;
  }

  public HostileJwks start(Vertx vertx) throws Exception {
    server = vertx.createHttpServer().requestHandler(req -> {
      fetches.incrementAndGet();
      if (req.path().equals("/moved")) { // a same-origin redirect target
        req.response().putHeader("Content-Type", "application/json").end(good.get().encode());
        return;
      }
      switch (mode) {
        case GOOD -> req.response().putHeader("Content-Type", "application/json").end(good.get().encode());
        case REDIRECT -> req.response().setStatusCode(302).putHeader("Location", redirectTo).end();
        case HTML -> req.response().putHeader("Content-Type", "text/html").end(evil.get().encode());
        case STATUS_500 -> req.response().setStatusCode(500).putHeader("Content-Type", "application/json")
            .end(evil.get().encode());
        case EMPTY -> req.response().putHeader("Content-Type", "application/json").end();
        case OVERSIZED, OVERSIZED_DECLARED -> {
          // valid JSON holding the attacker's keys, padded beyond 512 KiB
          String body = evil.get().copy().put("padding", "p".repeat(600 * 1024)).encode();
          if (mode == Mode.OVERSIZED) {
            req.response().setChunked(true).putHeader("Content-Type", "application/json");
            for (int i = 0; i < body.length(); i += 16 * 1024) {
              req.response().write(body.substring(i, Math.min(body.length(), i + 16 * 1024)));
            }
            req.response().end();
          } else {
            req.response().putHeader("Content-Type", "application/json").end(body);
          }
        }
        case HANG -> { // never answers; tells whoever waits when the gateway gives up on the connection
          hanging.add(req);
          io.vertx.core.Promise<Void> closed = hangClosed;
          req.connection().closeHandler(v -> closed.tryComplete());
        }
      }
    }).listen(0, "127.0.0.1").await(10, TimeUnit.SECONDS);
    return this;
  }

  public void mode(Mode mode) {
    this.mode = mode;
  }

  public void redirectTo(String location) {
    this.redirectTo = location;
    this.mode = Mode.REDIRECT;
  }

  public String uri() {
    return origin() + "/jwks.json";
  }

  public String origin() {
    return "http://127.0.0.1:" + server.actualPort();
  }

  public int fetches() {
    return fetches.get();
  }

  /** Requests received in {@link Mode#HANG} whose connection is still open. */
  public long hangingOpen() {
    return hanging.stream().filter(r -> !r.response().closed()).count();
  }

  /** Completes when the gateway closes a connection this server left hanging. */
  public io.vertx.core.Future<Void> hangClosed() {
    return hangClosed.future();
  }

  public void close() throws Exception {
    server.close().await(5, TimeUnit.SECONDS);
  }
}
