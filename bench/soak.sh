#!/usr/bin/env bash
# Full load for a long run, to show resident memory does not grow: the harness's upstream stand-in on CPU 0 with wrk,
# the gateway pinned to CPU 1, RSS sampled every 10 s. Prints the samples, throughput, and the growth from the first
# sample after warm-up to the last. Needs what bench/run.sh needs.
# Usage: bench/soak.sh [seconds] [connections]     env: TOKENS=N (distinct tokens), JVM_OPTS, WARMUP (seconds, 30)
set -euo pipefail
cd "$(dirname "$0")/.."
HARNESS=${HARNESS:-$(cd .. && pwd)/shared/bench}
[ -x "$HARNESS/run.sh" ] || { echo "benchmark harness not found at $HARNESS (set HARNESS)" >&2; exit 2; }
[ -f target/tenant-gateway.jar ] || mvn -q -B package -DskipTests
D=${1:-300}; C=${2:-32}; NT=${TOKENS:-1}; W=${WARMUP:-30}
source bench/jvm-opts
JVM_OPTS=${JVM_OPTS:-$BENCH_JVM_OPTS}
for port in 8080 9000; do
  if ss -ltn 2>/dev/null | grep -q ":$port "; then echo "port $port is taken: stop whatever listens there first" >&2; exit 2; fi
done
GW=""
cleanup() { [ -n "$GW" ] && kill "$GW" 2>/dev/null || true; [ -f /tmp/bench-upstream.pid ] && kill "$(cat /tmp/bench-upstream.pid)" 2>/dev/null || true; }
trap cleanup EXIT
taskset -c 0 nginx -c "$HARNESS/conf/upstream.nginx.conf"
CLAIMS='{"sub":"user-sarah","org_code":"org_acme","scope":"projects:read reports:read","permissions":["projects:read","reports:read"]}'
TOKEN=$(cd "$HARNESS" && python3 mint.py --claims "$CLAIMS")
WRKARGS=(-H "Authorization: Bearer $TOKEN")
if [ "$NT" -gt 1 ]; then
  (cd "$HARNESS" && python3 mint.py --claims "$CLAIMS" --count "$NT") > /tmp/bench-tokens.txt
  WRKARGS=(-s "$HARNESS/tokens.lua")
fi
BENCH_KEYS=$HARNESS/keys taskset -c 1 java $JVM_OPTS -jar target/tenant-gateway.jar --config bench/routes.yaml --listeners 1 \
  >/tmp/bench-soak-gateway.log 2>&1 &
GW=$!
for i in $(seq 1 120); do curl -s -o /dev/null http://127.0.0.1:8080/ && break; sleep 0.5; done
URL=http://127.0.0.1:8080/api/projects
echo "# warm-up ${W}s"
taskset -c 0 wrk -t1 -c"$C" -d"$((W / 2))"s "${WRKARGS[@]}" "$URL" >/dev/null
taskset -c 0 wrk -t1 -c"$C" -d"$((W / 2))"s "${WRKARGS[@]}" "$URL" >/dev/null
echo "# wrk -t1 -c$C -d${D}s, $NT distinct token(s); RSS of the gateway every 10 s (MiB)"
taskset -c 0 wrk -t1 -c"$C" -d"${D}"s --latency "${WRKARGS[@]}" "$URL" >/tmp/bench-soak-wrk.txt &
WRK=$!
samples=()
while kill -0 "$WRK" 2>/dev/null; do
  rss=$(ps -o rss= -p "$GW" | awk '{printf "%d", $1 / 1024}')
  samples+=("$rss")
  printf 't=%3ds rss=%s MiB\n' "$(( (${#samples[@]} - 1) * 10 ))" "$rss"
  sleep 10
done
wait "$WRK" || true
awk '/Requests\/sec/ {print "requests/s", $2} $1=="50%" || $1=="99%" {print "p" substr($1, 1, 2), $2} /Non-2xx/ {print "non-2xx", $NF}' \
  /tmp/bench-soak-wrk.txt
first=${samples[0]}; last=${samples[${#samples[@]}-1]}
max=$(printf '%s\n' "${samples[@]}" | sort -n | tail -1)
echo "rss first=${first} MiB last=${last} MiB max=${max} MiB growth=$((last - first)) MiB"
