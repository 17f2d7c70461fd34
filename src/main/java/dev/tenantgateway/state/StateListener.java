package dev.tenantgateway.state;

/**
 * Told about every command sent to the shared state, for metrics: the state package reports through this and never
 * imports the metrics it feeds.
 */
@FunctionalInterface
public interface StateListener {

  StateListener NONE = (op, nanos, failed) -> { };

  /** One command: its name (such as {@code hgetall}), how long it took, and whether it failed. */
  void command(String op, long nanos, boolean failed);
}
