package dev.tenantgateway.server;

import dev.tenantgateway.support.LogCapture;
import io.vertx.core.Context;
import io.vertx.core.Vertx;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.logging.Level;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Exceptions nobody handled: the known Vert.x 5.0 pool-wait race is recognized and explained once; everything else
 * still reaches the handler installed before, through a real Vert.x context.
 */
class UnhandledErrorsTest {

  private final Vertx vertx = Vertx.vertx();

  @AfterEach
  void close() {
    vertx.close().await();
  }

  /** The exception as Vert.x 5.0.10 threw it in a fault test under load (frames as logged, innermost first). */
  static IllegalStateException poolWaitCompletedTwice() {
    IllegalStateException error = new IllegalStateException("Promise already completed");
    error.setStackTrace(new StackTraceElement[] {
        frame("io.vertx.core.Promise", "fail", "Promise.java", 104),
        frame("io.vertx.core.http.impl.SharedHttpClientConnectionGroup$Request", "lambda$onConnect$0",
            "SharedHttpClientConnectionGroup.java", 154),
        frame("io.vertx.core.Completable", "succeed", "Completable.java", 31),
        frame("io.vertx.core.internal.pool.SimpleConnectionPool$Cancel", "run", "SimpleConnectionPool.java", 688),
        frame("io.vertx.core.internal.pool.SimpleConnectionPool", "cancel", "SimpleConnectionPool.java", 650),
        frame("io.vertx.core.http.impl.SharedHttpClientConnectionGroup$Request", "lambda$onConnect$1",
            "SharedHttpClientConnectionGroup.java", 152),
        frame("io.vertx.core.impl.VertxImpl$InternalTimerHandler", "handle", "VertxImpl.java", 1023)});
    return error;
  }

  private static StackTraceElement frame(String type, String method, String file, int line) {
    return new StackTraceElement(type, method, file, line);
  }

  @Test
  void onlyThePoolWaitRaceIsRecognized() {
    assertTrue(UnhandledErrors.isPoolWaitCompletedTwice(poolWaitCompletedTwice()));
    // the same message from anywhere else is somebody's real bug
    assertFalse(UnhandledErrors.isPoolWaitCompletedTwice(new IllegalStateException("Promise already completed")));
    IllegalStateException other = new IllegalStateException("Connection was closed");
    other.setStackTrace(poolWaitCompletedTwice().getStackTrace());
    assertFalse(UnhandledErrors.isPoolWaitCompletedTwice(other));
    RuntimeException notState = new RuntimeException("Promise already completed");
    notState.setStackTrace(poolWaitCompletedTwice().getStackTrace());
    assertFalse(UnhandledErrors.isPoolWaitCompletedTwice(notState));
  }

  @Test
  void theRaceIsExplainedOnceAndEverythingElseReachesTheHandlerInstalledBefore() throws Exception {
    List<Throwable> before = new CopyOnWriteArrayList<>();
    CompletableFuture<Throwable> reached = new CompletableFuture<>();
    vertx.exceptionHandler(error -> {
      before.add(error);
      reached.complete(error);
    });
    UnhandledErrors.install(vertx);
    UnhandledErrors.install(vertx); // a second gateway in the same Vert.x installs nothing more
    RuntimeException real = new RuntimeException("a handler's own bug");
    Context context = vertx.getOrCreateContext();
    try (LogCapture log = LogCapture.of(UnhandledErrors.class)) {
      // thrown on a real context, in order: the race twice, then a real error
      context.runOnContext(v -> {
        throw poolWaitCompletedTwice();
      });
      context.runOnContext(v -> {
        throw poolWaitCompletedTwice();
      });
      context.runOnContext(v -> {
        throw real;
      });
      assertSame(real, reached.get(10, TimeUnit.SECONDS));
      assertEquals(List.of(real), before, "the race never reaches the handler installed before");
      assertEquals(1, log.messages(Level.INFO).size(), "the race is explained once: " + log.messages(Level.INFO));
      assertTrue(log.messages(Level.INFO).get(0).contains("known Vert.x 5.0 race"));
      assertEquals(List.of(), log.messages(Level.SEVERE));
    }
  }

  @Test
  void withoutAHandlerInstalledBeforeAnythingElseIsStillLoggedAsSevere() throws Exception {
    UnhandledErrors.install(vertx);
    RuntimeException real = new RuntimeException("a handler's own bug");
    Context context = vertx.getOrCreateContext();
    try (LogCapture log = LogCapture.of(UnhandledErrors.class)) {
      CompletableFuture<Void> done = new CompletableFuture<>();
      context.runOnContext(v -> {
        throw real;
      });
      context.runOnContext(v -> done.complete(null)); // runs after the first on the same context
      done.get(10, TimeUnit.SECONDS);
      assertEquals(List.of("Unhandled exception"), log.messages(Level.SEVERE));
    }
  }
}
