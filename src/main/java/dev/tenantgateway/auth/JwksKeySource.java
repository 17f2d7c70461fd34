package dev.tenantgateway.auth;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.ext.web.client.WebClient;

import java.lang.System.Logger.Level;
import java.net.URI;
import java.time.Duration;
import java.util.Set;
import java.util.function.BiConsumer;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Keys from an issuer's JWKS URI: fetched before the listener opens, refreshed in the background, refetched on an
 * unknown {@code kid} at most once per cooldown with one fetch in flight at a time, so a flood of invented kids
 * cannot make the gateway hammer the identity provider. An empty or unusable answer is a failed fetch: the last good
 * keys keep serving.
 */
final class JwksKeySource implements KeySource {

  private static final System.Logger LOG = System.getLogger(JwksKeySource.class.getName());
  private static final int MAX_JWKS_BYTES = 512 * 1024;

  private final Vertx vertx;
  private final WebClient client;
  private final String issuerId;
  private final URI uri;
  private final Set<String> algorithms;
  private final long refreshMillis;
  private final long cooldownNanos;
  private final long timeoutMillis;
  private final AtomicLong fetches = new AtomicLong();
  private final BiConsumer<String, Boolean> onFetch;

  private volatile KeySet keys = KeySet.EMPTY;
  private Future<KeySet> inFlight; // guarded by this
  private long lastUnknownKeyFetchNanos; // guarded by this
  private boolean unknownKeyFetched; // guarded by this
  private long timerId = -1;

  JwksKeySource(Vertx vertx, WebClient client, String issuerId, URI uri, Set<String> algorithms,
                Duration refresh, Duration cooldown, Duration timeout, BiConsumer<String, Boolean> onFetch) {
    this.onFetch = onFetch;
    this.vertx = vertx;
    this.client = client;
    this.issuerId = issuerId;
    this.uri = uri;
    this.algorithms = Set.copyOf(algorithms);
    this.refreshMillis = refresh.toMillis();
    this.cooldownNanos = cooldown.toNanos();
    this.timeoutMillis = timeout.toMillis();
  }

  @Override
  public Future<Void> start() {
    return fetch()
        .<Void>mapEmpty()
        .recover(err -> Future.failedFuture(new IllegalStateException(
            "issuer " + issuerId + ": could not load signing keys from " + uri + ": " + err.getMessage(), err)))
        .onSuccess(v -> timerId = vertx.setPeriodic(refreshMillis, refreshMillis, id -> backgroundRefresh()));
  }

  private void backgroundRefresh() {
    synchronized (this) {
      if (inFlight != null) {
        return;
      }
    }
    fetch();
  }

  @Override
  public KeySet current() {
    return keys;
  }

  @Override
  public Future<KeySet> refreshForUnknownKey() {
    synchronized (this) {
      if (inFlight != null) {
        return inFlight;
      }
      long now = System.nanoTime();
      if (unknownKeyFetched && now - lastUnknownKeyFetchNanos < cooldownNanos) {
        return Future.succeededFuture(keys);
      }
      unknownKeyFetched = true;
      lastUnknownKeyFetchNanos = now;
    }
    return fetch().otherwise(err -> keys);
  }

  @Override
  public long fetchCount() {
    return fetches.get();
  }

  private Future<KeySet> fetch() {
    Future<KeySet> fetch;
    synchronized (this) {
      if (inFlight != null) {
        return inFlight;
      }
      fetches.incrementAndGet();
      fetch = client.getAbs(uri.toString())
          .timeout(timeoutMillis)
          .putHeader("Accept", "application/json")
          .send()
          .map(this::parse)
          .onSuccess(this::publish)
          .onComplete(result -> onFetch.accept(issuerId, result.succeeded()))
          .onFailure(this::failed)
          .eventually(() -> {
            synchronized (this) {
              inFlight = null;
            }
            return Future.succeededFuture();
          });
      if (!fetch.isComplete()) {
        inFlight = fetch;
      }
    }
    return fetch;
  }

  /**
   * With keys to fall back on, a failed fetch is a warning; without (the first fetch), the failure goes to the caller:
   * {@link #start()} names the issuer, the URI and the cause, and nothing is served without keys.
   */
  private void failed(Throwable err) {
    KeySet last = keys;
    if (!last.isEmpty()) {
      LOG.log(Level.WARNING, "issuer " + issuerId + ": JWKS fetch from " + uri + " failed, keeping the last good keys ("
          + last.size() + "): " + err.getMessage());
    }
  }

  private KeySet parse(HttpResponse<Buffer> response) {
    if (response.statusCode() != 200) {
      throw new IllegalStateException("HTTP " + response.statusCode());
    }
    Buffer body = response.body();
    if (body == null || body.length() == 0) {
      throw new IllegalStateException("empty JWKS response");
    }
    if (body.length() > MAX_JWKS_BYTES) {
      throw new IllegalStateException("JWKS larger than " + MAX_JWKS_BYTES + " bytes");
    }
    KeySet parsed = Keys.fromJwks(body.toJsonObject(), algorithms, issuerId);
    if (parsed.isEmpty()) {
      throw new IllegalStateException("JWKS holds no usable key for algorithms " + algorithms);
    }
    return parsed;
  }

  private void publish(KeySet fresh) {
    KeySet old = keys;
    if (!fresh.sameSourceAs(old)) {
      keys = fresh;
      LOG.log(Level.INFO, "issuer " + issuerId + ": loaded " + fresh.size() + " signing key(s) from " + uri);
    }
  }

  @Override
  public void close() {
    if (timerId >= 0) {
      vertx.cancelTimer(timerId);
    }
  }
}
