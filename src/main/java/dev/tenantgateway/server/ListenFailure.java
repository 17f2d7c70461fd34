package dev.tenantgateway.server;

import java.net.BindException;

/**
 * A listener that could not open: which one ({@code listener}, {@code admin}, or a demo part), where, and why. The
 * command line turns it into a message naming the port and the setting that moves it.
 */
public final class ListenFailure extends RuntimeException {

  private final String listener;
  private final int port;

  public ListenFailure(String listener, String host, int port, Throwable cause) {
    super("cannot listen on " + host + ":" + port + " (" + listener + "): " + cause.getMessage(), cause);
    this.listener = listener;
    this.port = port;
  }

  /** {@code listener} (client traffic), {@code admin}, or the name of a demo part. */
  public String listener() {
    return listener;
  }

  public int port() {
    return port;
  }

  /** Whether another process holds the port (the JDK's and Netty's native transports say so differently). */
  public boolean addressInUse() {
    Throwable cause = getCause();
    return cause instanceof BindException || String.valueOf(cause.getMessage()).contains("Address already in use");
  }

  /** The ListenFailure in a failure's cause chain, or null. */
  public static ListenFailure in(Throwable failure) {
    for (Throwable t = failure; t != null; t = t.getCause()) {
      if (t instanceof ListenFailure listen) {
        return listen;
      }
    }
    return null;
  }
}
