package dev.tenantgateway.auth;

import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientRequest;
import io.vertx.core.http.HttpClientResponse;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonObject;

import java.lang.System.Logger.Level;
import java.net.URI;
import java.time.Duration;
import java.util.Locale;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.BiConsumer;

/**
 * Keys from an issuer's JWKS URI: fetched before the listener opens, refreshed in the background, refetched on an
 * unknown {@code kid} at most once per cooldown with one fetch in flight at a time, so a flood of invented kids
 * cannot make the gateway hammer the identity provider. A fetch that is anything but a JSON 200 from the configured
 * URI, within the size and time limits, with at least one usable key, is a failed fetch: the last good keys keep
 * serving. Redirects are never followed, unless the issuer allows same-origin ones: a redirect elsewhere would let
 * whoever controls the target install their keys as this issuer's.
 */
final class JwksKeySource implements KeySource {

  private static final System.Logger LOG = System.getLogger(JwksKeySource.class.getName());

  private final Vertx vertx;
  private final HttpClient client;
  private final String issuerId;
  private final URI uri;
  private final Set<String> algorithms;
  private final long refreshMillis;
  private final long cooldownNanos;
  private final JwksFetch limits;
  private final AtomicLong fetches = new AtomicLong();
  private final BiConsumer<String, Boolean> onFetch;

  private volatile KeySet keys = KeySet.EMPTY;
  private Future<KeySet> inFlight; // guarded by this
  private long lastUnknownKeyFetchNanos; // guarded by this
  private boolean unknownKeyFetched; // guarded by this
  private long timerId = -1;

  JwksKeySource(Vertx vertx, HttpClient client, String issuerId, URI uri, Set<String> algorithms,
                Duration refresh, Duration cooldown, JwksFetch limits, BiConsumer<String, Boolean> onFetch) {
    this.onFetch = onFetch;
    this.vertx = vertx;
    this.client = client;
    this.issuerId = issuerId;
    this.uri = uri;
    this.algorithms = Set.copyOf(algorithms);
    this.refreshMillis = refresh.toMillis();
    this.cooldownNanos = cooldown.toNanos();
    this.limits = limits;
  }

  /** The first load tries this often (a second apart) before the start fails: one slow answer must not stop it. */
  private static final int START_ATTEMPTS = 3;

  @Override
  public Future<Void> start() {
    return firstFetch(START_ATTEMPTS)
        .<Void>mapEmpty()
        .recover(err -> Future.failedFuture(new IllegalStateException(
            "issuer " + issuerId + ": could not load signing keys from " + uri + ": " + err.getMessage(), err)))
        .onSuccess(v -> timerId = vertx.setPeriodic(refreshMillis, refreshMillis, id -> backgroundRefresh()));
  }

  private Future<KeySet> firstFetch(int attemptsLeft) {
    return fetch().recover(err -> {
      if (attemptsLeft <= 1) {
        return Future.failedFuture(err);
      }
      LOG.log(Level.INFO, "issuer " + issuerId + ": JWKS fetch from " + uri + " failed (" + err.getMessage()
          + "), trying again");
      Promise<Void> pause = Promise.promise();
      vertx.setTimer(1000, id -> pause.complete());
      return pause.future().compose(v -> firstFetch(attemptsLeft - 1));
    });
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
    Future<KeySet> refetch;
    synchronized (this) {
      if (inFlight != null) {
        refetch = inFlight;
      } else {
        long now = System.nanoTime();
        if (unknownKeyFetched && now - lastUnknownKeyFetchNanos < cooldownNanos) {
          return Future.succeededFuture(keys);
        }
        unknownKeyFetched = true;
        lastUnknownKeyFetchNanos = now;
        refetch = null;
      }
    }
    if (refetch == null) {
      refetch = fetch();
    }
    if (refetch.isComplete()) {
      return Future.succeededFuture(refetch.succeeded() ? refetch.result() : keys);
    }
    // The request waits for the refetch a bounded time, never the whole fetch timeout: then it is refused with the
    // keys there are (the fetch goes on, and later requests benefit).
    Promise<KeySet> bounded = Promise.promise();
    long timer = vertx.setTimer(limits.unknownKeyWait().toMillis(), id -> bounded.tryComplete(keys));
    refetch.onComplete(result -> {
      vertx.cancelTimer(timer);
      bounded.tryComplete(result.succeeded() ? result.result() : keys);
    });
    return bounded.future();
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
      fetch = download()
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

  /** The JWKS body, within the time and size limits; fails on anything else. */
  private Future<Buffer> download() {
    Promise<Buffer> body = Promise.promise();
    HttpClientRequest[] current = new HttpClientRequest[1];
    long deadline = vertx.setTimer(limits.timeout().toMillis(), id -> {
      if (body.tryFail("no complete answer within " + limits.timeout().toMillis() + "ms")) {
        HttpClientRequest request = current[0];
        if (request != null) {
          request.reset();
        }
      }
    });
    // The response's handlers must be set in the task that delivers its head, before its body arrives; listeners added
    // from a thread outside Vert.x (the start-up thread, a test) can run a task later, after the body went by unread.
    // So the request is made on a context's own thread, where every listener is in place before any answer is handled.
    if (Vertx.currentContext() != null) {
      get(uri, 0, body, current);
    } else {
      vertx.getOrCreateContext().runOnContext(v -> get(uri, 0, body, current));
    }
    return body.future().onComplete(done -> vertx.cancelTimer(deadline));
  }

  private void get(URI target, int redirects, Promise<Buffer> body, HttpClientRequest[] current) {
    RequestOptions options = new RequestOptions()
        .setMethod(HttpMethod.GET)
        .setAbsoluteURI(target.toString())
        .setFollowRedirects(false)
        .setConnectTimeout(limits.timeout().toMillis())
        .putHeader(HttpHeaders.USER_AGENT, "tenant-gateway")
        .putHeader(HttpHeaders.ACCEPT, "application/jwk-set+json, application/json");
    client.request(options)
        .compose(request -> {
          current[0] = request;
          if (body.future().isComplete()) { // the deadline passed while connecting
            request.reset();
            return Future.failedFuture("timed out");
          }
          return request.send();
        })
        .onFailure(body::tryFail)
        .onSuccess(response -> {
          response.exceptionHandler(body::tryFail); // a reset below (or by the deadline) ends here, not in the log
          int status = response.statusCode();
          if (status >= 300 && status < 400) {
            response.request().reset();
            URI next = redirectTarget(target, response.getHeader(HttpHeaders.LOCATION));
            if (next == null) {
              body.tryFail("HTTP " + status + " redirect to " + response.getHeader(HttpHeaders.LOCATION)
                  + " refused (" + (limits.sameOriginRedirects() ? "not the same origin" : "redirects are not followed")
                  + ")");
            } else if (redirects >= JwksFetch.MAX_REDIRECTS) {
              body.tryFail("more than " + JwksFetch.MAX_REDIRECTS + " redirects");
            } else if (!body.future().isComplete()) {
              get(next, redirects + 1, body, current);
            }
            return;
          }
          read(response, body);
        });
  }

  /** Where a redirect may go: only with the opt-in, only to the same scheme, host and port as the JWKS URI. */
  private URI redirectTarget(URI from, String location) {
    if (!limits.sameOriginRedirects() || location == null) {
      return null;
    }
    URI next;
    try {
      next = from.resolve(location.trim());
    } catch (IllegalArgumentException e) {
      return null;
    }
    boolean sameOrigin = next.getScheme() != null && next.getScheme().equalsIgnoreCase(uri.getScheme())
        && next.getHost() != null && next.getHost().equalsIgnoreCase(uri.getHost())
        && port(next) == port(uri) && next.getRawUserInfo() == null;
    return sameOrigin ? next : null;
  }

  private static int port(URI u) {
    return u.getPort() >= 0 ? u.getPort() : "https".equalsIgnoreCase(u.getScheme()) ? 443 : 80;
  }

  private void read(HttpClientResponse response, Promise<Buffer> body) {
    String failure = null;
    if (response.statusCode() != 200) {
      failure = "HTTP " + response.statusCode();
    } else if (!isJson(response.getHeader(HttpHeaders.CONTENT_TYPE))) {
      failure = "content type '" + response.getHeader(HttpHeaders.CONTENT_TYPE) + "' is not JSON";
    } else {
      String length = response.getHeader(HttpHeaders.CONTENT_LENGTH);
      if (length != null && declaredTooLarge(length)) {
        failure = "JWKS larger than " + limits.maxBytes() + " bytes (Content-Length " + length + ")";
      }
    }
    if (failure != null) {
      body.tryFail(failure);
      response.request().reset();
      return;
    }
    Buffer received = Buffer.buffer();
    response.handler(chunk -> {
      if (received.length() + chunk.length() > limits.maxBytes()) {
        if (body.tryFail("JWKS larger than " + limits.maxBytes() + " bytes")) {
          response.request().reset();
        }
        return;
      }
      received.appendBuffer(chunk);
    });
    response.endHandler(v -> body.tryComplete(received));
  }

  private boolean declaredTooLarge(String length) {
    try {
      return Long.parseLong(length.trim()) > limits.maxBytes();
    } catch (NumberFormatException e) {
      return true;
    }
  }

  /** {@code application/json}, {@code application/jwk-set+json} or any other {@code +json} type, with parameters. */
  static boolean isJson(String contentType) {
    if (contentType == null) {
      return false;
    }
    int semicolon = contentType.indexOf(';');
    String type = (semicolon < 0 ? contentType : contentType.substring(0, semicolon)).trim().toLowerCase(Locale.ROOT);
    return type.equals("application/json") || (type.startsWith("application/") && type.endsWith("+json"));
  }

  private KeySet parse(Buffer body) {
    if (body.length() == 0) {
      throw new IllegalStateException("empty JWKS response");
    }
    JsonObject json;
    try {
      json = body.toJsonObject();
    } catch (DecodeException | ClassCastException e) {
      throw new IllegalStateException("the JWKS is not a JSON object");
    }
    KeySet parsed = Keys.fromJwks(json, algorithms, issuerId);
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
