package dev.tenantgateway;

import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

class MemoryAdviceTest {

  static final long GIB = 1024L * 1024 * 1024;

  @Test
  void aLargeDefaultHeapGetsTheRecommendedFlags() {
    String advice = MemoryAdvice.advice(List.of("-Dfoo=bar"), null, 4 * GIB);
    assertTrue(advice.contains("4096 MiB"), advice);
    assertTrue(advice.contains(MemoryAdvice.FLAGS), advice);
  }

  @Test
  void aChosenLimitOrAModestDefaultIsLeftAlone() {
    assertNull(MemoryAdvice.advice(List.of("-Xmx256m"), null, 256L << 20));
    assertNull(MemoryAdvice.advice(List.of("-XX:MaxRAMPercentage=75"), null, 6 * GIB));
    assertNull(MemoryAdvice.advice(List.of(), "-XX:MaxRAMPercentage=75 -XX:+ExitOnOutOfMemoryError", 6 * GIB));
    assertNull(MemoryAdvice.advice(List.of(), null, 500L << 20));
  }
}
