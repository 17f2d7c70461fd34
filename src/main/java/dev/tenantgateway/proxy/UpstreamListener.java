package dev.tenantgateway.proxy;

import io.micrometer.core.instrument.Counter;

import java.util.function.BooleanSupplier;

/**
 * What forwarding reports about upstreams and their targets, and to whom it is no concern: the metrics implement it.
 * Keeps the proxy package free of the observe package.
 */
public interface UpstreamListener {

  /** The upstream's response head arrived, {@code nanos} after forwarding started. */
  void upstream(String upstream, long nanos);

  /** Forwarding failed with the denial {@code code} (before the response head, or as a break after it). */
  void upstreamError(String upstream, String code);

  /** The client closed its connection before the response ended: not an upstream failure. */
  void clientClosed(String upstream);

  /** The counter of requests sent to one target (asked once per target, when the snapshot is built). */
  Counter targetRequests(String upstream, String target);

  /** The counter of failed connects to one target. */
  Counter targetConnectFailures(String upstream, String target);

  /** The counter of the target's ejections. */
  Counter targetEjections(String upstream, String target);

  /** The target's health now reads {@code available} (a reload hands it to the new snapshot's target). */
  void targetHealth(String upstream, String target, BooleanSupplier available);

  /** The target is gone (its snapshot closed) unless a newer snapshot took it over. */
  void forgetTarget(String upstream, String target, BooleanSupplier available);
}
