#!/usr/bin/env bash
# Paired A/B of two gateway builds on the one-token path. Both run at the same time on the same core (CPU 1), are
# warmed alike, and wrk (CPU 0) alternates short bursts between them (A B, then B A, ...), so a drift in the machine's
# speed, which can move bench/run.sh's rounds by 20% on a shared host, falls on both builds alike. Prints each pair,
# then the geometric mean and the median of B/A and how many pairs B won.
# Usage: bench/ab.sh A.jar B.jar [pairs] [seconds per burst]   (defaults 12 and 6)
# Needs what bench/run.sh needs: nginx, wrk, python3 with cryptography; HARNESS as there.
set -euo pipefail
cd "$(dirname "$0")/.."
HARNESS=${HARNESS:-$(cd .. && pwd)/shared/bench}
[ -f "$HARNESS/mint.py" ] || { echo "benchmark harness not found at $HARNESS (set HARNESS)" >&2; exit 2; }
[ $# -ge 2 ] && [ -f "$1" ] && [ -f "$2" ] || { echo "usage: bench/ab.sh A.jar B.jar [pairs] [seconds]" >&2; exit 2; }
A=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
B=$(cd "$(dirname "$2")" && pwd)/$(basename "$2")
PAIRS=${3:-12}
SECONDS_EACH=${4:-6}
ROUTES=$(pwd)/bench/routes.yaml
for port in 8080 8081 9000; do
  if [ $port != 9000 ] && ss -ltn 2>/dev/null | grep -q ":$port "; then
    echo "port $port is taken: stop whatever listens there first" >&2
    exit 2
  fi
done
source bench/jvm-opts
JVM_OPTS=${JVM_OPTS:-$BENCH_JVM_OPTS}
STARTED_UPSTREAM=
if ! ss -ltn 2>/dev/null | grep -q ":9000 "; then
  taskset -c 0 nginx -c "$HARNESS/conf/upstream.nginx.conf"
  STARTED_UPSTREAM=1
fi
TOKEN=$(cd "$HARNESS" && python3 mint.py --claims '{"sub":"u1","org_code":"org_acme","permissions":["projects:read"]}')
BENCH_KEYS=$HARNESS/keys GATEWAY_PORT=8080 ADMIN_PORT=9901 taskset -c 1 java $JVM_OPTS -jar "$A" --config "$ROUTES" \
  --listeners 1 > /dev/null 2>&1 &
PID_A=$!
BENCH_KEYS=$HARNESS/keys GATEWAY_PORT=8081 ADMIN_PORT=9902 taskset -c 1 java $JVM_OPTS -jar "$B" --config "$ROUTES" \
  --listeners 1 > /dev/null 2>&1 &
PID_B=$!
cleanup() {
  kill $PID_A $PID_B 2>/dev/null || true
  wait $PID_A $PID_B 2>/dev/null || true
  if [ -n "$STARTED_UPSTREAM" ]; then nginx -c "$HARNESS/conf/upstream.nginx.conf" -s stop 2>/dev/null || true; fi
}
trap cleanup EXIT
for i in $(seq 1 150); do
  curl -fs -o /dev/null localhost:9901/readyz && curl -fs -o /dev/null localhost:9902/readyz && break
  sleep 0.2
done
burst() {
  taskset -c 0 wrk -t1 -c32 -d"$2"s -H "Authorization: Bearer $TOKEN" "http://127.0.0.1:$1/api/projects" \
    | awk '/Requests\/sec/ {print $2}'
}
for i in 1 2 3; do burst 8080 8 > /dev/null; burst 8081 8 > /dev/null; done # warm-up, alike
RATIOS=()
for i in $(seq 1 "$PAIRS"); do
  if [ $((i % 2)) = 1 ]; then a=$(burst 8080 "$SECONDS_EACH"); b=$(burst 8081 "$SECONDS_EACH")
  else b=$(burst 8081 "$SECONDS_EACH"); a=$(burst 8080 "$SECONDS_EACH"); fi
  echo "pair $i  A $a  B $b"
  RATIOS+=("$b/$a")
done
python3 - "${RATIOS[@]}" <<'PY'
import math, statistics, sys
r = [float(b) / float(a) for b, a in (x.split("/") for x in sys.argv[1:])]
print("B/A geometric mean %.3f  median %.3f  B ahead in %d of %d pairs"
      % (math.exp(sum(map(math.log, r)) / len(r)), statistics.median(r), sum(x > 1 for x in r), len(r)))
PY
