package dev.tenantgateway;

import sun.misc.Signal;
import sun.misc.SignalHandler;

/**
 * POSIX signals for an operator: SIGHUP reloads routes.yaml, SIGTERM and SIGINT drain and exit 0. Handling TERM here
 * replaces the JVM's default (shutdown hooks, then exit status 143), so a Kubernetes rolling update sees a clean exit.
 */
final class Signals {

  private Signals() {
  }

  static void on(String name, Runnable action) {
    try {
      SignalHandler previous = Signal.handle(new Signal(name), signal -> action.run());
      if (previous == SignalHandler.SIG_IGN && !"INT".equals(name)) {
        // The JVM leaves a signal that the process was started with ignored (nohup ignores HUP) ignored: saying so
        // here beats a SIGHUP that silently does nothing. (INT is ignored in every background job: not worth a line.)
        System.err.println("tenant-gateway: SIG" + name + " is ignored by this process (started with nohup, or by a "
            + "parent that ignores it), so it does nothing here" + ("HUP".equals(name)
                ? "; routes.yaml changes are still picked up by the file watch (admin.reload_interval)" : ""));
      }
    } catch (IllegalArgumentException unsupported) {
      System.err.println("tenant-gateway: signal " + name + " is not available on this platform");
    }
  }
}
