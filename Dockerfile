# syntax=docker/dockerfile:1
# Build stage: Maven and a JDK, used only to produce the fat jar.
FROM maven:3.9-eclipse-temurin-21 AS build
WORKDIR /src
COPY pom.xml .
RUN mvn -B -ntp -q dependency:go-offline
COPY src ./src
RUN mvn -B -ntp -q package -DskipTests

# Runtime stage: a maintained Java 21 JRE only (no JDK, no Maven), running as a non-root user.
FROM eclipse-temurin:21-jre
RUN groupadd --system --gid 10001 gateway \
 && useradd --system --uid 10001 --gid gateway --home-dir /app --shell /usr/sbin/nologin gateway
WORKDIR /app
COPY --from=build /src/target/tenant-gateway.jar /app/tenant-gateway.jar
COPY routes.yaml /etc/tenant-gateway/routes.yaml
COPY examples/dev-keys/issuer.pub.pem /etc/tenant-gateway/examples/dev-keys/issuer.pub.pem
USER 10001:10001
# Mount your routes.yaml at /etc/tenant-gateway/routes.yaml (a ConfigMap in Kubernetes).
# Memory inside the container's limit (the Helm chart sets these from its values and the limit): G1 explicitly (a small
# cgroup would get SerialGC), half the limit as heap, leaving room for metaspace, code cache, threads and Netty's direct
# buffers, whose pool is capped; two processors unless told otherwise (event loops and GC threads are sized from it).
# Die on OOM so the orchestrator restarts a clean process; Netty's pooled allocator and no leak-detection sampling on
# the hot path (set -Dio.netty.leakDetection.level=simple to diagnose a buffer leak).
ENV JAVA_TOOL_OPTIONS="-XX:+UseG1GC -XX:InitialRAMPercentage=50 -XX:MaxRAMPercentage=50 -XX:MaxDirectMemorySize=64m -XX:ActiveProcessorCount=2 -XX:+ExitOnOutOfMemoryError -Dio.netty.allocator.type=pooled -Dio.netty.leakDetection.level=disabled"
EXPOSE 8080 9901
HEALTHCHECK --interval=15s --timeout=3s --start-period=20s --retries=3 \
  CMD bash -c 'exec 3<>/dev/tcp/127.0.0.1/9901 && printf "GET /healthz HTTP/1.0\r\n\r\n" >&3 && head -1 <&3 | grep -q " 200 "'
ENTRYPOINT ["java", "-jar", "/app/tenant-gateway.jar"]
CMD ["--config", "/etc/tenant-gateway/routes.yaml"]
