package dev.tenantgateway.state;

import dev.tenantgateway.compile.ConfigLoader;
import dev.tenantgateway.config.ConfigException;
import dev.tenantgateway.config.GatewayConfig;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The state.redis settings as the chart gives them (environment variables), and hash slots as Redis Cluster computes them. */
class RedisConfigTest {

  static final String YAML = """
      state:
        redis:
          url: "${REDIS_URL:-}"
          type: "${REDIS_TYPE:-}"
          endpoints: "${REDIS_ENDPOINTS:-}"
          master_name: "${REDIS_MASTER_NAME:-}"
          password: "${REDIS_PASSWORD:-}"
      routes: []
      """;

  static GatewayConfig.State state(String yaml, Map<String, String> env) throws ConfigException {
    return ConfigLoader.parse(yaml, "routes.yaml", Path.of("."), env::get).state();
  }

  @Test
  void anEmptyTypeIsStandaloneAndAnEmptyEndpointListIsNone() throws Exception {
    GatewayConfig.RedisConfig redis = state(YAML, Map.of("REDIS_URL", "redis://redis:6379")).redis();
    assertEquals("standalone", redis.type());
    assertEquals(List.of("redis://redis:6379"), redis.endpoints());
    assertEquals(null, redis.masterName());
    assertEquals(null, redis.password());
    assertEquals(0, redis.waitReplicas(), "a standalone Redis has no replica to wait for");
  }

  @Test
  void endpointsAreAListOrOneCommaSeparatedString() throws Exception {
    GatewayConfig.RedisConfig sentinel = state(YAML, Map.of("REDIS_TYPE", "sentinel", "REDIS_MASTER_NAME", "mymaster",
        "REDIS_ENDPOINTS", "redis://s1:26379, redis://s2:26379,redis://s3:26379", "REDIS_PASSWORD", "pw")).redis();
    assertEquals(List.of("redis://s1:26379", "redis://s2:26379", "redis://s3:26379"), sentinel.endpoints());
    assertEquals("mymaster", sentinel.masterName());
    assertEquals("pw", sentinel.password());
    assertEquals(1, sentinel.waitReplicas(), "an admin write waits for one replica by default");
    GatewayConfig.RedisConfig cluster = state("""
        state:
          redis: { type: cluster, endpoints: [redis://n1:6379, "redis://n2:6379,redis://n3:6379"], wait_replicas: 0 }
        routes: []
        """, Map.of()).redis();
    assertEquals(List.of("redis://n1:6379", "redis://n2:6379", "redis://n3:6379"), cluster.endpoints());
    assertEquals(0, cluster.waitReplicas());
  }

  @Test
  void mistakesAreRefusedWithAHint() {
    ConfigException noAddress = assertThrows(ConfigException.class, () -> state(YAML, Map.of()));
    assertTrue(noAddress.getMessage().contains("no Redis address"), noAddress.getMessage());
    ConfigException noMaster = assertThrows(ConfigException.class, () -> state(YAML,
        Map.of("REDIS_TYPE", "sentinel", "REDIS_ENDPOINTS", "redis://s1:26379")));
    assertTrue(noMaster.getMessage().contains("sentinel needs master_name"), noMaster.getMessage());
    ConfigException policy = assertThrows(ConfigException.class, () -> state("""
        state: { rate_limits: { on_failure: lenient } }
        routes: []
        """, Map.of()));
    assertTrue(policy.getMessage().contains("'lenient' is not local, open or closed"), policy.getMessage());
  }

  @Test
  void rateLimitsCountLocallyByDefaultWhenRedisCannotAnswer() throws Exception {
    GatewayConfig.State defaults = state("routes: []\n", Map.of());
    assertEquals("local", defaults.rateLimitsOnFailure());
    assertEquals(1, defaults.rateLimitReplicas());
    GatewayConfig.State shared = state("state: { rate_limits: { replicas: 3 } }\nroutes: []\n", Map.of());
    assertEquals(3, shared.rateLimitReplicas());
    assertEquals(34, FallbackRateLimiter.share(100, 3));
    assertEquals(1, FallbackRateLimiter.share(1, 3), "never zero");
  }

  @Test
  void hashSlotsAreTheClusterSpecificationsOnes() {
    assertEquals(0x31C3, ClusterRouting.crc16("123456789".getBytes(), 0, 9), "CRC16-XMODEM check value");
    assertEquals(12182, ClusterRouting.slot("foo"));
    assertEquals(ClusterRouting.slot("user1000"), ClusterRouting.slot("{user1000}.following"), "hash tags");
    assertEquals(ClusterRouting.slot("{user1000}.followers"), ClusterRouting.slot("{user1000}.following"));
    assertEquals(ClusterRouting.slot("{}foo"), ClusterRouting.crc16("{}foo".getBytes(), 0, 5) & 16383,
        "an empty tag hashes the whole key");
  }
}
