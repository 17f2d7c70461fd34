package dev.tenantgateway.observe;

import dev.tenantgateway.pipeline.Exchange;
import org.junit.jupiter.api.Test;

import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class MetricsTest {

  static void request(Metrics metrics, String tenant) {
    Exchange exchange = new Exchange("id", "GET", "/p", System.nanoTime());
    exchange.route = "list";
    exchange.tenant = tenant;
    metrics.request(exchange, 200);
  }

  @Test
  void theTenantLabelIsOffByDefault() {
    Metrics metrics = new Metrics(Metrics.newRegistry(), dev.tenantgateway.config.GatewayConfig.TenantLabel.off());
    request(metrics, "acme");
    assertFalse(metrics.scrape().contains("tenant="));
  }

  @Test
  void anAllowListFoldsEveryOtherTenantIntoOther() {
    Metrics metrics = new Metrics(Metrics.newRegistry(), new dev.tenantgateway.config.GatewayConfig.TenantLabel(true, Set.of("acme"), 100));
    request(metrics, "acme");
    request(metrics, "startup");
    request(metrics, "globex");
    String scrape = metrics.scrape();
    assertTrue(scrape.contains("tenant=\"acme\"} 1.0"), scrape);
    assertTrue(scrape.contains("tenant=\"other\"} 2.0"), scrape);
    assertFalse(scrape.contains("startup"));
  }

  @Test
  void aCapBoundsTheLabelValues() {
    Metrics metrics = new Metrics(Metrics.newRegistry(), new dev.tenantgateway.config.GatewayConfig.TenantLabel(true, Set.of(), 2));
    for (String tenant : new String[] {"a", "b", "c", "d", "a"}) {
      request(metrics, tenant);
    }
    String scrape = metrics.scrape();
    assertTrue(scrape.contains("tenant=\"a\"} 2.0"), scrape);
    assertTrue(scrape.contains("tenant=\"b\"} 1.0"), scrape);
    assertTrue(scrape.contains("tenant=\"other\"} 2.0"), scrape);
  }
}
