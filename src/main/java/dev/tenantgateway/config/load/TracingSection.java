package dev.tenantgateway.config.load;

import dev.tenantgateway.config.TracingSettings;
import org.yaml.snakeyaml.nodes.Node;

import java.net.URI;

/** Validates {@code tracing:}: where spans go (OTLP), how many, and under which service name. */
final class TracingSection {

  private final YamlReader reader;

  TracingSection(YamlReader reader) {
    this.reader = reader;
  }

  /** The settings, or null when the section is absent (tracing off) or wrong (errors recorded). */
  TracingSettings read(Node node) {
    if (node == null) {
      return null;
    }
    YamlMap o = reader.object(node, "tracing", "endpoint", "protocol", "sampling_ratio", "service_name");
    if (o == null) {
      return null;
    }
    String hint = "write the collector's OTLP/HTTP address, such as http://otel-collector:4318";
    URI endpoint = null;
    if (o.requiredString("endpoint", hint) != null) {
      endpoint = o.httpUrl("endpoint", "tracing.endpoint");
    }
    String protocol = o.string("protocol", TracingSettings.HTTP_PROTOBUF);
    if (!protocol.equals(TracingSettings.HTTP_PROTOBUF)) {
      o.error(o.get("protocol"), "tracing.protocol", "'" + protocol + "' is not supported",
          "write http/protobuf (an OpenTelemetry Collector takes it on port 4318; gRPC is not built in)");
    }
    double ratio = 1.0;
    String ratioText = o.string("sampling_ratio", null);
    if (ratioText != null) {
      try {
        ratio = Double.parseDouble(ratioText.trim());
        if (!(ratio >= 0 && ratio <= 1)) {
          throw new NumberFormatException();
        }
      } catch (NumberFormatException e) {
        o.error(o.get("sampling_ratio"), "tracing.sampling_ratio", "'" + ratioText + "' is not a number from 0 to 1",
            "write 0.1 to export one trace in ten, 1 to export all, 0 to export none (trace ids still propagate)");
        ratio = 1.0;
      }
    }
    String serviceName = o.string("service_name", "tenant-gateway");
    if (serviceName.isBlank()) {
      o.error(o.get("service_name"), "tracing.service_name", "service_name is empty",
          "write the name the traces should show, such as tenant-gateway");
    }
    if (endpoint == null) {
      return null;
    }
    return new TracingSettings(tracesUrl(endpoint), protocol, ratio, serviceName);
  }

  /** A bare origin gets the OTLP traces path; a URL with a path is taken as written. */
  static URI tracesUrl(URI endpoint) {
    String path = endpoint.getRawPath();
    if (path == null || path.isEmpty() || path.equals("/")) {
      return endpoint.resolve("/v1/traces");
    }
    return endpoint;
  }
}
