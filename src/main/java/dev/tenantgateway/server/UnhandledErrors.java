package dev.tenantgateway.server;

import io.vertx.core.Handler;
import io.vertx.core.Vertx;
import java.lang.System.Logger.Level;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * What Vert.x does with an exception no handler took: it goes to {@link Vertx#exceptionHandler()}, which Vert.x
 * otherwise logs as SEVERE "Unhandled exception". Every such exception still reaches the handler that was installed
 * before (or is logged as SEVERE, as Vert.x would), except one known, harmless race of Vert.x 5.0.x.
 *
 * <p>The race: with a pool wait bound ({@code RequestOptions.setConnectTimeout}, the gateway's {@code pool_timeout}
 * plus {@code connect_timeout}) and one client used from several event loops, a connection freed on one loop is given
 * to a queued request of another loop without marking that wait as done. When the wait's timer expires in that
 * window, the pool reports the wait as cancelled and Vert.x fails its promise a second time: {@code
 * IllegalStateException: Promise already completed}, thrown inside the timer. The request itself already has its
 * connection and is answered normally; only the late second completion is dropped. Fixed in Vert.x 5.1.3
 * (eclipse-vertx/vert.x#6170, backported as #6211); the 5.0 line has no release with the fix. Recognized by the
 * message and by the frame that threw it, so nothing else is ever swallowed; the first one is logged at INFO with
 * this explanation, later ones at DEBUG.
 */
final class UnhandledErrors implements Handler<Throwable> {

  private static final System.Logger LOG = System.getLogger(UnhandledErrors.class.getName());
  private static final String POOL_WAIT = "io.vertx.core.http.impl.SharedHttpClientConnectionGroup$Request";

  private final Handler<Throwable> next;
  private final AtomicBoolean explained = new AtomicBoolean();

  private UnhandledErrors(Handler<Throwable> next) {
    this.next = next;
  }

  /** Installs the handler in front of the one {@code vertx} has, once per Vert.x instance. */
  static void install(Vertx vertx) {
    Handler<Throwable> current = vertx.exceptionHandler();
    if (!(current instanceof UnhandledErrors)) {
      vertx.exceptionHandler(new UnhandledErrors(current));
    }
  }

  @Override
  public void handle(Throwable error) {
    if (isPoolWaitCompletedTwice(error)) {
      if (explained.compareAndSet(false, true)) {
        LOG.log(Level.INFO, "Vert.x completed a connection-pool wait twice (a known Vert.x 5.0 race, fixed in 5.1.3):"
            + " the request was answered normally and the late second completion is ignored; later ones are logged"
            + " at DEBUG only");
      } else {
        LOG.log(Level.DEBUG, "Vert.x completed a connection-pool wait twice; ignored", error);
      }
      return;
    }
    if (next != null) {
      next.handle(error);
    } else {
      LOG.log(Level.ERROR, "Unhandled exception", error);
    }
  }

  /** The exception of the known race: the message Vert.x's Promise uses, thrown from the pool wait's timer. */
  static boolean isPoolWaitCompletedTwice(Throwable error) {
    if (!(error instanceof IllegalStateException) || !"Promise already completed".equals(error.getMessage())) {
      return false;
    }
    for (StackTraceElement frame : error.getStackTrace()) {
      if (frame.getClassName().equals(POOL_WAIT)) {
        return true;
      }
    }
    return false;
  }
}
