package dev.tenantgateway.config.load;

import dev.tenantgateway.config.TlsMaterial;
import dev.tenantgateway.config.UpstreamTls;

import java.net.URI;
import java.nio.file.Path;
import java.util.regex.Pattern;

/**
 * Validates {@code upstreams.NAME.tls}: only on an {@code https://} URL, a client certificate given whole (PEM pair or
 * PKCS#12 keystore with its password) or not at all, no CA bundle beside {@code verify: false}; the files are read
 * and checked now, so a missing file or a key that does not match its certificate stops the start and fails
 * {@code validate} instead of failing every handshake later.
 */
final class UpstreamTlsSection {

  private static final Pattern HOST_NAME = Pattern.compile(
      "[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?(\\.[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*");

  private final YamlReader reader;

  UpstreamTlsSection(YamlReader reader) {
    this.reader = reader;
  }

  /** The TLS settings of an https upstream ({@link UpstreamTls#DEFAULT} without a section), null for http. */
  UpstreamTls tls(YamlMap upstream, String path, URI url) {
    boolean https = url != null && "https".equalsIgnoreCase(url.getScheme());
    if (!upstream.has("tls")) {
      return https ? UpstreamTls.DEFAULT : null;
    }
    String where = path + ".tls";
    YamlMap t = reader.object(upstream.get("tls"), where, "ca_file", "cert_file", "key_file", "keystore_file",
        "keystore_password", "server_name", "verify");
    if (t == null) {
      return null;
    }
    if (url != null && !https) {
      t.error(upstream.get("tls"), where, "tls applies to https:// upstreams only, and the url is " + url,
          "write url: https://" + url.getRawAuthority() + (url.getRawPath() == null ? "" : url.getRawPath())
              + ", or remove tls");
      return null;
    }
    boolean ok = true;
    boolean pem = t.has("cert_file") || t.has("key_file");
    if (pem && t.has("keystore_file")) {
      t.error(t.get("keystore_file"), where + ".keystore_file", "give a PEM client certificate or a keystore, not both",
          "keep cert_file and key_file, or keystore_file and keystore_password");
      ok = false;
    } else if (pem && !(t.has("cert_file") && t.has("key_file"))) {
      String given = t.has("cert_file") ? "cert_file" : "key_file";
      String missing = t.has("cert_file") ? "key_file" : "cert_file";
      t.error(t.get(given), where + "." + missing, "mutual TLS is half-configured: " + given + " without " + missing,
          "give both the client certificate (cert_file) and its private key (key_file), or neither");
      ok = false;
    } else if (t.has("keystore_file") && !t.has("keystore_password")) {
      t.error(t.get("keystore_file"), where + ".keystore_password", "keystore_password is missing",
          "give the PKCS#12 password, e.g. \"${UPSTREAM_KEYSTORE_PASSWORD}\"");
      ok = false;
    } else if (!t.has("keystore_file") && t.has("keystore_password")) {
      t.error(t.get("keystore_password"), where + ".keystore_file", "keystore_password without keystore_file",
          "add keystore_file: client.p12, or remove keystore_password");
      ok = false;
    }
    boolean verify = t.bool("verify", true);
    if (!verify && t.has("ca_file")) {
      t.error(t.get("verify"), where + ".verify", "verify: false would ignore ca_file",
          "remove verify: false so the upstream's certificate is checked against ca_file, or remove ca_file");
      ok = false;
    }
    String serverName = t.string("server_name", null);
    if (serverName != null && (serverName.length() > 253 || !HOST_NAME.matcher(serverName).matches())) {
      t.error(t.get("server_name"), where + ".server_name", "'" + serverName + "' is not a host name",
          "give the DNS name the upstream's certificate carries, such as orders.internal.example.com (no scheme, no port)");
      ok = false;
    }
    UpstreamTls tls = new UpstreamTls(resolve(t.string("ca_file", null)), resolve(t.string("cert_file", null)),
        resolve(t.string("key_file", null)), resolve(t.string("keystore_file", null)),
        t.string("keystore_password", null), serverName, verify);
    if (ok) {
      try {
        TlsMaterial.upstream(tls);
      } catch (TlsMaterial.TlsProblem p) {
        t.error(t.has(p.key()) ? t.get(p.key()) : t.node, where + "." + p.key(), p.getMessage(), p.hint());
      }
    }
    return tls;
  }

  private Path resolve(String file) {
    return file == null ? null : reader.baseDir == null ? Path.of(file) : reader.baseDir.resolve(file);
  }
}
