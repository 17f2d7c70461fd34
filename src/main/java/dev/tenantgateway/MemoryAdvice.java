package dev.tenantgateway;

import java.io.PrintStream;
import java.lang.management.ManagementFactory;
import java.util.List;

/**
 * Memory for a plain {@code java -jar}. A jar cannot set JVM options (its manifest has no place for them, and
 * relaunching itself would put a second process between the operator's signals and the gateway), so when nobody chose
 * a heap limit and the JVM's default (a quarter of the machine's memory) is far more than the gateway uses, the
 * gateway says so at start and prints the flags to use. The container image and the Helm chart set them already.
 */
final class MemoryAdvice {

  /** The heap the gateway is measured with (docs/performance.md): a 128 MiB heap holds 20,000 cached tokens. */
  static final String FLAGS = "-Xmx256m -XX:+ExitOnOutOfMemoryError -Dio.netty.allocator.type=pooled";
  private static final long GENEROUS = 512L * 1024 * 1024;

  private MemoryAdvice() {
  }

  static void print(PrintStream out) {
    String advice = advice(ManagementFactory.getRuntimeMXBean().getInputArguments(), System.getenv("JAVA_TOOL_OPTIONS"),
        Runtime.getRuntime().maxMemory());
    if (advice != null) {
      out.println(advice);
    }
  }

  /** The advice line, or null when a heap limit was chosen or the default one is modest. */
  static String advice(List<String> jvmArguments, String toolOptions, long maxHeapBytes) {
    String all = String.join(" ", jvmArguments) + " " + (toolOptions == null ? "" : toolOptions);
    if (all.contains("-Xmx") || all.contains("MaxHeapSize") || all.contains("MaxRAMPercentage")
        || all.contains("-XX:MaxRAM=") || maxHeapBytes <= GENEROUS) {
      return null;
    }
    return "tenant-gateway: no heap limit was chosen, so the JVM may grow the heap to " + (maxHeapBytes >> 20)
        + " MiB (its default share of this machine's memory) before collecting hard; the gateway needs far less. "
        + "Start it with: java " + FLAGS + " -jar tenant-gateway.jar (see docs/operations.md, \"Memory\")";
  }
}
