#!/usr/bin/env bash
# Config cost at scale: generates a routes.yaml of N routes (default 10000; one in ten is a "**" route that the
# overlap advice has to find) and measures `validate`, start-up (until /readyz answers 200) and a SIGHUP reload, each
# with its wall time, the CPU time the process used (user + system, all threads: on a shared machine the wall time
# grows with the other load, the CPU time much less) and the process's peak resident memory. Loopback only; uses the
# dev key in examples/dev-keys.
# Usage: bench/config.sh [routes]      env: PORT (18480), ADMIN_PORT (18481), JVM_OPTS
set -euo pipefail
cd "$(dirname "$0")/.."
N=${1:-10000}
PORT=${PORT:-18480}
ADMIN_PORT=${ADMIN_PORT:-18481}
[ -f target/tenant-gateway.jar ] || mvn -q -B -ntp package -DskipTests
JAR=$(pwd)/target/tenant-gateway.jar
WORK=$(mktemp -d)
trap '[ -n "${PID:-}" ] && kill "$PID" 2>/dev/null; rm -rf "$WORK"' EXIT
FILE=$WORK/routes.yaml
cp examples/dev-keys/issuer.pub.pem "$WORK/issuer.pub.pem"
{
  echo "listener: { host: 127.0.0.1, port: $PORT }"
  echo "admin: { host: 127.0.0.1, port: $ADMIN_PORT, access_log: false, reload_interval: 0s }"
  echo "issuers:"
  echo "  - { id: dev, issuer: https://dev.test/, public_key_file: issuer.pub.pem, audiences: [gateway], claims: { tenant: tid } }"
  echo "roles: { admin: ['*'], reader: ['svc:read'] }"
  echo "upstreams:"
  echo "  app: { url: 'http://127.0.0.1:9' }"
  echo "routes:"
  for ((i = 0; i < N; i++)); do
    if (( i % 10 == 0 )); then
      echo "  - { id: r$i, methods: [GET], path: '/svc$((i / 10))/**', upstream: app, require: svc:read }"
    else
      echo "  - { id: r$i, methods: [GET, POST], path: '/svc$((i / 10))/items$i/{id}', upstream: app, require: svc:read }"
    fi
  done
} > "$FILE"
JVM_OPTS=${JVM_OPTS:--XX:+UseSerialGC}
TICKS=$(getconf CLK_TCK)
# CPU seconds (user + system) the process has used so far
cpu() { awk -v t="$TICKS" '{printf "%.2f", ($14 + $15) / t}' "/proc/$1/stat"; }
echo "routes: $N ($(du -h "$FILE" | cut -f1))"

# validate: wall time and peak RSS of the whole process
/usr/bin/time -o "$WORK/time" -f "validate: %e s wall (%U s user + %S s system CPU), peak RSS %M KB" java $JVM_OPTS -jar "$JAR" validate "$FILE" \
  >"$WORK/validate.out" 2>&1 || { cat "$WORK/validate.out"; exit 1; }
echo "$(cat "$WORK/time") ($(grep -c warning "$WORK/validate.out") warnings)"

# start-up: from launch until /readyz answers 200
start=$(date +%s.%N)
java $JVM_OPTS -jar "$JAR" --config "$FILE" --listeners 1 >/dev/null 2>"$WORK/gateway.log" &
PID=$!
until curl -fs "http://127.0.0.1:$ADMIN_PORT/readyz" >/dev/null 2>&1; do
  kill -0 "$PID" 2>/dev/null || { echo "the gateway exited:"; cat "$WORK/gateway.log"; exit 1; }
  sleep 0.1
done
echo "start-up: $(echo "$(date +%s.%N) - $start" | bc) s wall ($(cpu "$PID") s CPU), RSS $(grep VmRSS /proc/$PID/status | awk '{print $2}') KB"

# reload: change the file, SIGHUP, wait for the log line
echo "# changed" >> "$FILE"
start=$(date +%s.%N)
before=$(cpu "$PID")
kill -HUP "$PID"
until grep -q "reloaded" "$WORK/gateway.log"; do sleep 0.05; done
echo "reload: $(echo "$(date +%s.%N) - $start" | bc) s wall ($(echo "$(cpu "$PID") - $before" | bc) s CPU), peak RSS $(grep VmHWM /proc/$PID/status | awk '{print $2}') KB"
kill "$PID"
wait "$PID" 2>/dev/null || true
PID=
