#!/usr/bin/env bash
# JMH benchmark of the per-request decision path (normalize, match, verify, resolve, authorize), no network.
# Usage: bench/jmh.sh [JMH options], e.g. bench/jmh.sh -f 1 -wi 3 -i 5 DecisionBenchmark.decide
set -euo pipefail
cd "$(dirname "$0")/.."
mvn -q -B test-compile dependency:build-classpath -Dmdep.outputFile=target/bench-classpath.txt -Dmdep.includeScope=test
exec java -cp "target/test-classes:target/classes:$(cat target/bench-classpath.txt)" org.openjdk.jmh.Main "${@:-DecisionBenchmark}"
