package dev.tenantgateway.server;

import dev.tenantgateway.config.ListenerTls;
import dev.tenantgateway.config.TlsMaterial;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServer;
import io.vertx.core.net.KeyCertOptions;

import java.lang.System.Logger.Level;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * Puts a rotated certificate into service without a restart: the certificate and key files (cert-manager replaces
 * them in place) are compared with what is serving every interval; once they changed and the new pair reads and
 * belongs together, every listener's TLS options are updated. Open connections keep their session, new handshakes
 * get the new certificate. A half-written or mismatched pair is refused (once per content) and the serving one stays.
 */
final class CertificateReloader {

  private static final System.Logger LOG = System.getLogger(CertificateReloader.class.getName());

  private final Vertx vertx;
  private final ListenerTls tls;
  private final boolean http2;
  private final List<HttpServer> servers;
  private List<Buffer> serving;
  private List<Buffer> refused;
  private long timer = -1;
  private boolean busy;

  private CertificateReloader(Vertx vertx, ListenerTls tls, boolean http2, List<HttpServer> servers) {
    this.vertx = vertx;
    this.tls = tls;
    this.http2 = http2;
    this.servers = servers;
  }

  /** Starts watching; with a zero interval only {@link #check} looks at the files. */
  static Future<CertificateReloader> start(Vertx vertx, ListenerTls tls, boolean http2, List<HttpServer> servers,
                                           Duration interval) {
    CertificateReloader reloader = new CertificateReloader(vertx, tls, http2, servers);
    return reloader.readFiles().otherwise((List<Buffer>) null).map(contents -> {
      reloader.serving = contents;
      if (!interval.isZero()) {
        reloader.timer = vertx.setPeriodic(interval.toMillis(), id -> reloader.check());
      }
      return reloader;
    });
  }

  void stop() {
    if (timer >= 0) {
      vertx.cancelTimer(timer);
    }
  }

  /** Reads the files now and swaps the certificate in if they changed; completes with whether it did. */
  Future<Boolean> check() {
    if (busy) {
      return Future.succeededFuture(false);
    }
    busy = true;
    return readFiles()
        .compose(contents -> {
          if (contents.equals(serving) || contents.equals(refused)) {
            return Future.succeededFuture(false);
          }
          return vertx.executeBlocking(() -> TlsMaterial.listener(tls), false)
              .compose(this::update)
              .map(v -> {
                serving = contents;
                refused = null;
                LOG.log(Level.INFO, "listener.tls: the new certificate in " + files() + " is now served");
                return true;
              })
              .recover(err -> {
                refused = contents;
                LOG.log(Level.ERROR, "listener.tls: the changed files are refused and the serving certificate "
                    + "stays: " + err.getMessage());
                return Future.succeededFuture(false);
              });
        }, err -> Future.succeededFuture(false)) // a file briefly missing during a rotation: try again next time
        .eventually(() -> {
          busy = false;
          return Future.succeededFuture();
        });
  }

  private Future<Void> update(KeyCertOptions keyCert) {
    List<Future<Boolean>> updates = new ArrayList<>();
    for (HttpServer server : servers) {
      updates.add(server.updateSSLOptions(ListenerTransport.sslOptions(tls, http2, keyCert), true));
    }
    return Future.all(updates).mapEmpty();
  }

  private Future<List<Buffer>> readFiles() {
    List<Future<Buffer>> reads = new ArrayList<>();
    for (Path file : tls.files()) {
      reads.add(vertx.fileSystem().readFile(file.toString()));
    }
    return Future.all(reads).map(all -> all.<Buffer>list());
  }

  private String files() {
    return tls.files().toString();
  }
}
