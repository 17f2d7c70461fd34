#!/usr/bin/env bash
# Builds the gateway and runs the shared benchmark harness against it, beside nginx (plain proxy) and HAProxy
# (native JWT verification), one core each. Needs: apt-get install -y nginx haproxy wrk; python3 with cryptography.
# Usage: bench/run.sh [seconds] [connections]     env: TOKENS=N (distinct tokens), ROUNDS, WARMUP, ACCESS_LOG=true,
#   TOKEN_CACHE_SIZE (10000; 0 checks a signature on every request)
set -euo pipefail
cd "$(dirname "$0")/.."
HARNESS=${HARNESS:-$(cd .. && pwd)/shared/bench}
[ -x "$HARNESS/run.sh" ] || { echo "benchmark harness not found at $HARNESS (set HARNESS)" >&2; exit 2; }
[ -f target/tenant-gateway.jar ] || mvn -q -B package -DskipTests
JAR=$(pwd)/target/tenant-gateway.jar
ROUTES=$(pwd)/bench/routes.yaml
if [ "${ACCESS_LOG:-false}" = "true" ]; then
  sed 's/access_log: false/access_log: true/' bench/routes.yaml > /tmp/bench-routes-log.yaml
  ROUTES=/tmp/bench-routes-log.yaml
fi
source bench/jvm-opts
JVM_OPTS=${JVM_OPTS:-$BENCH_JVM_OPTS}
export GATEWAY_CMD="BENCH_KEYS=$HARNESS/keys java $JVM_OPTS -jar $JAR --config $ROUTES --listeners 1 >/dev/null"
# the harness stops its own peers; the gateway runs under a shell it does not track, so stop it here
trap 'pkill -f "tenant-gateway.jar --config $ROUTES" 2>/dev/null || true' EXIT
if ss -ltn 2>/dev/null | grep -q ":${GATEWAY_PORT:-8080} "; then
  echo "port ${GATEWAY_PORT:-8080} is taken: stop whatever listens there first" >&2
  exit 2
fi
"$HARNESS/run.sh" "${1:-10}" "${2:-32}"
