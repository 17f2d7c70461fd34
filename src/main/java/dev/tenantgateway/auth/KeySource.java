package dev.tenantgateway.auth;

import io.vertx.core.Future;

/**
 * Where an issuer's public keys come from. Implementations keep the last good keys through outages and never
 * publish an empty set once they had keys: a verifier with no keys must refuse, never accept.
 */
public interface KeySource {

  /** Loads the first keys; the listener accepts traffic only after every issuer's source has succeeded. */
  Future<Void> start();

  /** The keys in use now (possibly {@link KeySet#EMPTY} before the first successful load). */
  KeySet current();

  /**
   * Called when a token names a key the current set lacks: refetches at most once per cooldown, shared by every
   * caller that asks meanwhile, and completes with the keys to retry with (the current ones when no refetch ran).
   */
  Future<KeySet> refreshForUnknownKey();

  /** How many fetches this source has made (always 0 for a static key). */
  long fetchCount();

  default void close() {
  }
}
