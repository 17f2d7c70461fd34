package dev.tenantgateway.config.load;

import dev.tenantgateway.config.Http2Settings;
import dev.tenantgateway.config.ListenerTls;
import dev.tenantgateway.config.TlsMaterial;
import org.yaml.snakeyaml.nodes.Node;

import java.nio.file.Path;
import java.util.List;

/**
 * Validates how the listener speaks: {@code listener.tls} (the files are read and checked now, so a bad certificate
 * stops the start and fails {@code validate}) and {@code listener.http2}.
 */
final class ListenerSection {

  private final YamlReader reader;

  ListenerSection(YamlReader reader) {
    this.reader = reader;
  }

  ListenerTls tls(Node node) {
    YamlMap t = reader.object(node, "listener.tls", "cert_file", "key_file", "keystore_file", "keystore_password",
        "versions");
    if (t == null) {
      return null;
    }
    boolean pem = t.has("cert_file") || t.has("key_file");
    if (pem == t.has("keystore_file")) {
      t.error(t.node, "listener.tls", pem ? "give PEM files or a keystore, not both" : "no certificate is given",
          "use cert_file: tls.crt and key_file: tls.key (PEM), or keystore_file: gateway.p12 and keystore_password");
      return null;
    }
    if (pem && !(t.has("cert_file") && t.has("key_file"))) {
      t.error(t.node, "listener.tls", "cert_file and key_file go together",
          "give both: the certificate chain and its private key (PEM)");
      return null;
    }
    if (!pem && !t.has("keystore_password")) {
      t.error(t.node, "listener.tls", "keystore_password is missing",
          "give the PKCS#12 password, e.g. \"${KEYSTORE_PASSWORD}\"");
      return null;
    }
    List<String> versions = t.has("versions") ? t.stringList("versions") : ListenerTls.VERSIONS;
    for (String version : versions) {
      if (!ListenerTls.VERSIONS.contains(version)) {
        t.error(t.get("versions"), "listener.tls.versions", "'" + version + "' is not offered",
            "use TLSv1.2 and/or TLSv1.3; older versions are broken and never enabled");
      }
    }
    if (t.has("versions") && versions.isEmpty()) {
      t.error(t.get("versions"), "listener.tls.versions", "the list is empty", "name TLSv1.3, TLSv1.2 or both");
    }
    ListenerTls tls = new ListenerTls(resolve(t.string("cert_file", null)), resolve(t.string("key_file", null)),
        resolve(t.string("keystore_file", null)), t.string("keystore_password", null),
        versions.stream().filter(ListenerTls.VERSIONS::contains).toList());
    try {
      TlsMaterial.listener(tls);
    } catch (TlsMaterial.TlsProblem p) {
      t.error(t.has(p.key()) ? t.get(p.key()) : t.node, "listener.tls." + p.key(), p.getMessage(), p.hint());
    }
    return tls;
  }

  Http2Settings http2(Node node) {
    Http2Settings d = Http2Settings.defaults();
    YamlMap h = reader.object(node, "listener.http2", "enabled", "h2c", "max_concurrent_streams");
    if (h == null) {
      return d;
    }
    Http2Settings http2 = new Http2Settings(h.bool("enabled", d.enabled()), h.bool("h2c", false),
        h.integer("max_concurrent_streams", d.maxConcurrentStreams(), 1, 10_000));
    if (http2.h2c() && !http2.enabled()) {
      h.error(h.get("h2c"), "listener.http2.h2c", "h2c is HTTP/2 and http2.enabled is false",
          "set enabled: true, or remove h2c");
    }
    return http2;
  }

  private Path resolve(String file) {
    return file == null ? null : reader.baseDir == null ? Path.of(file) : reader.baseDir.resolve(file);
  }
}
