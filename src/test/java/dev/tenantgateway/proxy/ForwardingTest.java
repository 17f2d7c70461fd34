package dev.tenantgateway.proxy;

import io.vertx.core.http.StreamResetException;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.net.ConnectException;
import java.util.concurrent.TimeoutException;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The one failure mapping and the one hop-by-hop filter, shared by plain requests and WebSocket upgrades. */
class ForwardingTest {

  static Stream<Arguments> failures() {
    return Stream.of(
        Arguments.of(new TimeoutException("pool"), true, 503, "upstream_busy", 7),
        Arguments.of(new TimeoutException("head"), false, 504, "upstream_timeout", 0),
        Arguments.of(new StreamResetException(0, new TimeoutException("idle")), false, 504, "upstream_timeout", 0),
        Arguments.of(new ConnectException("refused"), true, 502, "upstream_unavailable", 0),
        Arguments.of(new io.netty.channel.ConnectTimeoutException("tcp"), true, 502, "upstream_unavailable", 0),
        Arguments.of(new IllegalStateException("closed"), false, 502, "upstream_unavailable", 0));
  }

  @ParameterizedTest
  @MethodSource("failures")
  void eachFailureHasOneStatusAndCode(Throwable failure, boolean obtaining, int status, String code, long retryAfter) {
    var denial = Forwarding.denial(failure, obtaining, 7);
    assertEquals(status, denial.status());
    assertEquals(code, denial.code());
    assertEquals(retryAfter, denial.retryAfterSeconds());
  }

  @ParameterizedTest
  @org.junit.jupiter.params.provider.ValueSource(strings = {"Connection", "connection", "Keep-Alive", "TE", "Trailer",
      "Transfer-Encoding", "Upgrade", "Proxy-Authorization", "Proxy-Authenticate", "Proxy-Connection", "Host"})
  void hopByHopHeadersNeverCross(String name) {
    assertTrue(Forwarding.isHopByHop(name));
  }

  @ParameterizedTest
  @org.junit.jupiter.params.provider.ValueSource(strings = {"Content-Length", "Content-Type", "X-Tenant-Id",
      "Sec-WebSocket-Accept", "Sec-WebSocket-Protocol", "Cookie", "Tea"})
  void endToEndHeadersCross(String name) {
    assertFalse(Forwarding.isHopByHop(name));
  }
}
