package dev.tenantgateway.observe;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The Grafana dashboard only queries metrics the gateway actually publishes, so it cannot silently go blank. */
class DashboardTest {

  @Test
  void everyQueryUsesAPublishedMetric() throws Exception {
    JsonObject dashboard = new JsonObject(Files.readString(Path.of("helm/tenant-gateway/dashboards/tenant-gateway.json")));
    JsonArray panels = dashboard.getJsonArray("panels");
    assertFalse(panels.isEmpty());
    Pattern metric = Pattern.compile("\\b(gateway_[a-z_]+|jvm_[a-z_]+)");
    for (Object p : panels) {
      for (Object t : ((JsonObject) p).getJsonArray("targets")) {
        String expr = ((JsonObject) t).getString("expr");
        Matcher m = metric.matcher(expr);
        assertTrue(m.find(), expr);
        do {
          String name = m.group(1);
          boolean known = name.startsWith("jvm_") || Metrics.names().stream().anyMatch(base ->
              name.equals(base) || name.equals(base + "_total") || name.startsWith(base + "_seconds"));
          assertTrue(known, "unknown metric " + name + " in " + expr);
        } while (m.find());
      }
    }
  }
}
