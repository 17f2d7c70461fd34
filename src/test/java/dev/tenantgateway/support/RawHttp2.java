package dev.tenantgateway.support;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.handler.codec.http2.DefaultHttp2HeadersDecoder;
import io.netty.handler.codec.http2.Http2Headers;

import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * HTTP/2 frames written by hand on a plain socket (h2c with prior knowledge), for requests no HTTP/2 client library
 * would send: header blocks are HPACK literals without indexing, so any name, order or repetition can be sent.
 * Blocking I/O on the test thread only.
 */
public final class RawHttp2 implements AutoCloseable {

  public static final byte[] PREFACE = "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n".getBytes(StandardCharsets.US_ASCII);
  public static final int DATA = 0;
  public static final int HEADERS = 1;
  public static final int RST_STREAM = 3;
  public static final int SETTINGS = 4;
  public static final int GOAWAY = 7;
  /** Not a frame: the server closed the connection. */
  public static final int CLOSED = -1;

  /** One frame received; for HEADERS the decoded header block. */
  public record Frame(int type, int flags, int stream, byte[] payload, Http2Headers headers) {
    /** The error code of RST_STREAM or GOAWAY. */
    public long errorCode() {
      int offset = type == GOAWAY ? 4 : 0;
      return ((payload[offset] & 0xffL) << 24) | ((payload[offset + 1] & 0xff) << 16)
          | ((payload[offset + 2] & 0xff) << 8) | (payload[offset + 3] & 0xff);
    }

    public String status() {
      return headers == null || headers.status() == null ? null : headers.status().toString();
    }
  }

  private final Socket socket;
  private final DataInputStream in;
  private final DefaultHttp2HeadersDecoder decoder = new DefaultHttp2HeadersDecoder(false);

  private RawHttp2(Socket socket) throws IOException {
    this.socket = socket;
    this.in = new DataInputStream(socket.getInputStream());
  }

  /** Connects and sends the preface and an empty SETTINGS frame. */
  public static RawHttp2 connect(int port) throws IOException {
    Socket socket = new Socket("127.0.0.1", port);
    socket.setSoTimeout(2000);
    RawHttp2 raw = new RawHttp2(socket);
    raw.write(PREFACE);
    raw.frame(SETTINGS, 0, 0, new byte[0]);
    return raw;
  }

  /** A HEADERS frame of name, value pairs in the given order; {@code endStream} for a request without a body. */
  public void headers(int stream, boolean endStream, String... pairs) throws IOException {
    ByteArrayOutputStream block = new ByteArrayOutputStream();
    for (int i = 0; i < pairs.length; i += 2) {
      block.write(0x00); // literal header field without indexing, new name
      string(block, pairs[i]);
      string(block, pairs[i + 1]);
    }
    frame(HEADERS, 0x4 | (endStream ? 0x1 : 0), stream, block.toByteArray());
  }

  public void data(int stream, boolean endStream, byte[] bytes) throws IOException {
    frame(DATA, endStream ? 0x1 : 0, stream, bytes);
  }

  public void frame(int type, int flags, int stream, byte[] payload) throws IOException {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    out.write(payload.length >>> 16);
    out.write(payload.length >>> 8);
    out.write(payload.length);
    out.write(type);
    out.write(flags);
    out.write(stream >>> 24);
    out.write(stream >>> 16);
    out.write(stream >>> 8);
    out.write(stream);
    out.write(payload);
    write(out.toByteArray());
  }

  public void write(byte[] bytes) throws IOException {
    socket.getOutputStream().write(bytes);
    socket.getOutputStream().flush();
  }

  /**
   * Reads frames until one for {@code stream} that ends it (HEADERS or DATA with END_STREAM, RST_STREAM), a GOAWAY,
   * the connection closing or two quiet seconds; returns every frame read, SETTINGS and PING included.
   */
  public List<Frame> until(int stream) throws IOException {
    List<Frame> frames = new ArrayList<>();
    while (true) {
      Frame frame;
      try {
        frame = read();
      } catch (SocketTimeoutException quiet) {
        return frames;
      } catch (EOFException | java.net.SocketException closed) {
        frames.add(new Frame(CLOSED, 0, 0, new byte[0], null));
        return frames;
      }
      frames.add(frame);
      boolean ends = frame.stream() == stream && ((frame.flags() & 0x1) != 0 || frame.type() == RST_STREAM);
      if (ends || frame.type() == GOAWAY) {
        return frames;
      }
    }
  }

  /** The frame that ended {@code stream} (or the GOAWAY that ended the connection), or null. */
  public Frame outcome(int stream) throws IOException {
    Frame last = null;
    Frame status = null;
    for (Frame f : until(stream)) {
      if (f.stream() == stream && f.type() == HEADERS && status == null) {
        status = f;
      }
      if ((f.stream() == stream && (f.type() == RST_STREAM || f.type() == HEADERS)) || f.type() == GOAWAY
          || (f.type() == CLOSED && last == null)) {
        last = f;
      }
    }
    return status != null ? status : last;
  }

  private Frame read() throws IOException {
    int length = (in.readUnsignedByte() << 16) | (in.readUnsignedByte() << 8) | in.readUnsignedByte();
    int type = in.readUnsignedByte();
    int flags = in.readUnsignedByte();
    int stream = in.readInt() & 0x7fffffff;
    byte[] payload = new byte[length];
    in.readFully(payload);
    Http2Headers headers = null;
    if (type == HEADERS) {
      int start = 0;
      int end = payload.length;
      if ((flags & 0x8) != 0) { // PADDED
        end -= payload[0] & 0xff;
        start = 1;
      }
      if ((flags & 0x20) != 0) { // PRIORITY: stream dependency and weight
        start += 5;
      }
      ByteBuf block = Unpooled.wrappedBuffer(payload, start, end - start);
      try {
        headers = decoder.decodeHeaders(stream, block);
      } catch (Exception e) {
        throw new IOException("undecodable header block (flags " + flags + "): " + e, e);
      }
    } else if (type == SETTINGS && (flags & 0x1) == 0) {
      frame(SETTINGS, 0x1, 0, new byte[0]); // ACK
    }
    return new Frame(type, flags, stream, payload, headers);
  }

  private static void string(ByteArrayOutputStream out, String s) throws IOException {
    byte[] bytes = s.getBytes(StandardCharsets.ISO_8859_1);
    if (bytes.length >= 127) {
      out.write(0x7f);
      int rest = bytes.length - 127;
      while (rest >= 128) {
        out.write((rest & 0x7f) | 0x80);
        rest >>>= 7;
      }
      out.write(rest);
    } else {
      out.write(bytes.length);
    }
    out.write(bytes);
  }

  @Override
  public void close() throws IOException {
    socket.close();
  }
}
