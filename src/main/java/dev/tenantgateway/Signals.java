package dev.tenantgateway;

import sun.misc.Signal;

/**
 * POSIX signals for an operator: SIGHUP reloads routes.yaml, SIGTERM and SIGINT drain and exit 0. Handling TERM here
 * replaces the JVM's default (shutdown hooks, then exit status 143), so a Kubernetes rolling update sees a clean exit.
 */
final class Signals {

  private Signals() {
  }

  static void on(String name, Runnable action) {
    try {
      Signal.handle(new Signal(name), signal -> action.run());
    } catch (IllegalArgumentException unsupported) {
      System.err.println("tenant-gateway: signal " + name + " is not available on this platform");
    }
  }
}
