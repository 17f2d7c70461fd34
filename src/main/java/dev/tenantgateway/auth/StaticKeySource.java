package dev.tenantgateway.auth;

import io.vertx.core.Future;

/** A key configured as a PEM file: loaded once at start, never refetched. */
final class StaticKeySource implements KeySource {

  private final KeySet keys;

  StaticKeySource(KeySet keys) {
    this.keys = keys;
  }

  @Override
  public Future<Void> start() {
    return Future.succeededFuture();
  }

  @Override
  public KeySet current() {
    return keys;
  }

  @Override
  public Future<KeySet> refreshForUnknownKey() {
    return Future.succeededFuture(keys);
  }

  @Override
  public long fetchCount() {
    return 0;
  }
}
