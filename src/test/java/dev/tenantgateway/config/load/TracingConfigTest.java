package dev.tenantgateway.config.load;

import dev.tenantgateway.config.ConfigException;
import dev.tenantgateway.config.TracingSettings;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.net.URI;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The {@code tracing:} section: off when absent, defaults, the OTLP path, and each mistake with its position. */
class TracingConfigTest {

  static TracingSettings tracing(String section) throws ConfigException {
    return ConfigLoaderTest.parse(ConfigLoaderTest.VALID + section, Map.of()).tracing();
  }

  @Test
  void withoutTheSectionTracingIsOff() throws Exception {
    assertNull(ConfigLoaderTest.parse(ConfigLoaderTest.VALID, Map.of()).tracing());
  }

  @Test
  void aBareOriginGetsTheOtlpTracesPathAndTheDefaults() throws Exception {
    TracingSettings t = tracing("tracing: { endpoint: \"http://otel-collector:4318\" }\n");
    assertEquals(URI.create("http://otel-collector:4318/v1/traces"), t.endpoint());
    assertEquals("http/protobuf", t.protocol());
    assertEquals(1.0, t.samplingRatio());
    assertEquals("tenant-gateway", t.serviceName());
  }

  @Test
  void aUrlWithAPathIsTakenAsWritten() throws Exception {
    TracingSettings t = tracing("""
        tracing:
          endpoint: https://traces.example.com/otlp/v1/traces
          protocol: http/protobuf
          sampling_ratio: 0.25
          service_name: edge
        """);
    assertEquals(URI.create("https://traces.example.com/otlp/v1/traces"), t.endpoint());
    assertEquals(0.25, t.samplingRatio());
    assertEquals("edge", t.serviceName());
  }

  @ParameterizedTest
  @CsvSource(delimiter = '|', value = {
      "tracing: { service_name: edge }                                  | 10: tracing: endpoint is missing | otel-collector:4318",
      "tracing: { endpoint: collector:4318 }                            | 22: tracing.endpoint: 'collector:4318' is not a valid URL | absolute URL",
      "tracing: { endpoint: \"http://c:4318\", protocol: grpc }         | 49: tracing.protocol: 'grpc' is not supported | http/protobuf",
      "tracing: { endpoint: \"http://c:4318\", sampling_ratio: 1.5 }    | 55: tracing.sampling_ratio: '1.5' is not a number from 0 to 1 | 0.1",
      "tracing: { endpoint: \"http://c:4318\", sampling_ratio: NaN }    | 55: tracing.sampling_ratio: 'NaN' is not a number from 0 to 1 | 0.1",
      "tracing: { endpoint: \"http://c:4318\", sample_ratio: 0.5 }      | 39: tracing.sample_ratio: unknown key 'sample_ratio' | sampling_ratio",
      "tracing: { endpoint: \"http://c:4318\", service_name: \"\" }     | 53: tracing.service_name: service_name is empty | tenant-gateway",
  })
  void mistakesAreRefusedWithTheirPosition(String section, String expectedStart, String hint) {
    ConfigException e = assertThrows(ConfigException.class, () -> tracing(section + "\n"));
    String first = e.errors().get(0).toString();
    long line = ConfigLoaderTest.VALID.lines().count() + 1; // the section is appended to a valid file
    assertTrue(first.startsWith("routes.yaml:" + line + ":" + expectedStart), () -> "got: " + e.getMessage());
    assertTrue(first.contains(hint), () -> "got: " + first);
  }
}
