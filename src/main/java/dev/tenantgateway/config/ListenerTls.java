package dev.tenantgateway.config;

import java.nio.file.Path;
import java.util.List;

/**
 * {@code listener.tls}: the listener's certificate and key, either PEM files ({@code cert_file} with the chain,
 * {@code key_file}) or a PKCS#12 keystore ({@code keystore_file}, {@code keystore_password}), and the TLS versions
 * offered (1.2 and 1.3 only). The files are read again whenever they change.
 *
 * @param certFile null when a keystore is used
 * @param keystoreFile null when PEM files are used
 */
public record ListenerTls(Path certFile, Path keyFile, Path keystoreFile, String keystorePassword,
                          List<String> versions) {

  public static final List<String> VERSIONS = List.of("TLSv1.2", "TLSv1.3");

  public ListenerTls {
    versions = List.copyOf(versions);
  }

  public boolean pem() {
    return keystoreFile == null;
  }

  /** The files whose change means a new certificate. */
  public List<Path> files() {
    return pem() ? List.of(certFile, keyFile) : List.of(keystoreFile);
  }
}
