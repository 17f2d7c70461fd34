#!/usr/bin/env bash
# Builds the gateway and runs the shared benchmark harness against it, beside nginx (plain proxy) and HAProxy
# (native JWT verification), one core each. Needs: apt-get install -y nginx haproxy wrk; python3 with cryptography.
# Usage: bench/run.sh [seconds] [connections]     env: TOKENS=N (distinct tokens), ROUNDS, WARMUP, ACCESS_LOG=true,
#   TLS=1: every proxy terminates TLS with the harness's certificate (keys/tls.crt, keys/tls.key): the gateway then
#   listens on GATEWAY_TLS_PORT (8443) with listener.tls set to those files, beside nginx :9543 and HAProxy :9443
#   verifying the same token; TLS_CLOSE=1 adds Connection: close (a handshake per request). The upstream stays plain.
#   Compare the plain figures of a run without TLS=1 with earlier plain runs: TLS=1 changes nothing else.
#   TOKEN_CACHE_SIZE (10000; 0 checks a signature on every request),
#   BASELINE_JAR=path/to/older/tenant-gateway.jar: runs that build too, as the harness's extra peer (port 9300, admin
#   9902, same routes and JVM options; BASELINE_ROUTES for a routes file the older build accepts), so a change is
#   measured against the build it replaces in the same run and its ratio to HAProxy read off the same rounds.
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
if [ "${TLS:-0}" = "1" ]; then
  # the same routes, served over TLS with the certificate the peers use (no other setting differs)
  TLS_PORT=${GATEWAY_TLS_PORT:-8443}
  sed "s|^listener: { host: 127.0.0.1, port: \"\${GATEWAY_PORT:-8080}\" }\$|listener: { host: 127.0.0.1, port: $TLS_PORT, tls: { cert_file: \"$HARNESS/keys/tls.crt\", key_file: \"$HARNESS/keys/tls.key\" } }|" \
    "$ROUTES" > /tmp/bench-routes-tls.yaml
  grep -q "tls: { cert_file" /tmp/bench-routes-tls.yaml || { echo "bench/routes.yaml: listener line not found for TLS=1" >&2; exit 2; }
  ROUTES=/tmp/bench-routes-tls.yaml
  LISTEN_PORT=$TLS_PORT
fi
source bench/jvm-opts
JVM_OPTS=${JVM_OPTS:-$BENCH_JVM_OPTS}
export GATEWAY_CMD="BENCH_KEYS=$HARNESS/keys java $JVM_OPTS -jar $JAR --config $ROUTES --listeners 1 >/dev/null"
# the harness stops its own peers; the gateway runs under a shell it does not track, so stop it here
trap 'pkill -f "tenant-gateway.jar --config $ROUTES" 2>/dev/null || true' EXIT
LISTEN_PORT=${LISTEN_PORT:-${GATEWAY_PORT:-8080}}
if ss -ltn 2>/dev/null | grep -q ":$LISTEN_PORT "; then
  echo "port $LISTEN_PORT is taken: stop whatever listens there first" >&2
  exit 2
fi
if [ -n "${BASELINE_JAR:-}" ]; then
  [ -f "$BASELINE_JAR" ] || { echo "BASELINE_JAR $BASELINE_JAR not found" >&2; exit 2; }
  PEER_DIR=$(mktemp -d)
  cat > "$PEER_DIR/run.sh" <<PEER
#!/usr/bin/env bash
BENCH_KEYS=$HARNESS/keys GATEWAY_PORT=9300 ADMIN_PORT=9902 exec java $JVM_OPTS -jar $(cd "$(dirname "$BASELINE_JAR")" && pwd)/$(basename "$BASELINE_JAR") \\
  --config ${BASELINE_ROUTES:-$ROUTES} --listeners 1
PEER
  chmod +x "$PEER_DIR/run.sh"
  export PEER_DIR
  trap 'pkill -f "tenant-gateway.jar --config $ROUTES" 2>/dev/null || true; pkill -f "$(basename "$BASELINE_JAR") --config" 2>/dev/null || true' EXIT
fi
"$HARNESS/run.sh" "${1:-10}" "${2:-32}"
