package dev.tenantgateway.support;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;

/**
 * Bytes on a socket, for requests no well-behaved client would send. Blocking I/O on the test thread only.
 */
public final class RawHttp {

  private RawHttp() {
  }

  /** Sends the bytes and returns everything the server answered until it closed or went quiet for a second. */
  public static String exchange(int port, String request) throws IOException {
    try (Socket socket = new Socket("127.0.0.1", port)) {
      socket.setSoTimeout(1000);
      socket.getOutputStream().write(request.getBytes(StandardCharsets.ISO_8859_1));
      socket.getOutputStream().flush();
      return readAll(socket.getInputStream());
    }
  }

  /** The status line of the first response, or "closed" when the server answered nothing. */
  public static String status(int port, String request) throws IOException {
    String response = exchange(port, request);
    if (response.isEmpty()) {
      return "closed";
    }
    return response.substring(0, response.indexOf("\r\n") < 0 ? response.length() : response.indexOf("\r\n"));
  }

  static String readAll(InputStream in) throws IOException {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    byte[] buffer = new byte[8192];
    try {
      int n;
      while ((n = in.read(buffer)) >= 0) {
        out.write(buffer, 0, n);
      }
    } catch (SocketTimeoutException | java.net.SocketException quietOrReset) {
      // the server kept the connection open (keep-alive) or reset it: what arrived is the answer
    }
    return out.toString(StandardCharsets.ISO_8859_1);
  }
}
