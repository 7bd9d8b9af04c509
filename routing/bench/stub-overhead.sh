#!/usr/bin/env bash
# Router overhead against a stub runtime that answers instantly (docs/benchmarks/routing.md).
#   bash routing/bench/stub-overhead.sh [seconds per point] [max_tokens] [concurrencies]
# 1. builds runtime + routing (reactor, no tests), 2. the Java closed-loop benchmark: direct gRPC
# to the stub vs the same completion through the router at each concurrency, 3. wrk (Debian
# package, installed when missing) against the router in front of the stub for throughput.
set -euo pipefail
cd "$(dirname "$0")/../.."
source .ci/env.sh
SECONDS_PER_POINT="${1:-5}"; MAX_TOKENS="${2:-16}"; CONC="${3:-1,16,128}"
mvn $MAVEN_ARGS -q -DskipTests -pl routing -am package -Dmaven.repo.local="$GEARBOX_M2" >&2
mvn $MAVEN_ARGS -q -pl routing dependency:build-classpath -Dmdep.outputFile=target/cp.txt \
  -Dmdep.includeScope=runtime -Dmaven.repo.local="$GEARBOX_M2" >&2
# This checkout's runtime classes, never a SNAPSHOT jar another build installed.
CP="routing/target/classes:runtime/target/classes:$(tr ':' '\n' < routing/target/cp.txt | grep -v '/gearbox-runtime/' | paste -sd:)"
JAVA="$JAVA_HOME/bin/java -Xmx1g -XX:+UseParallelGC ${BENCH_JAVA_OPTS:-}"
$JAVA -cp "$CP" dev.gearbox.routing.bench.StubOverheadBenchmark examples/models/gearbox-tiny \
  "$SECONDS_PER_POINT" "$MAX_TOKENS" "$CONC"

if ! command -v wrk >/dev/null; then
  (apt-get install -y -qq wrk || sudo apt-get install -y -qq wrk) >/dev/null 2>&1 || true
fi
if command -v wrk >/dev/null; then
  LOG=$(mktemp)
  $JAVA -cp "$CP" dev.gearbox.routing.bench.StubOverheadBenchmark examples/models/gearbox-tiny \
    1 "$MAX_TOKENS" 1 --serve >"$LOG" 2>&1 &
  PID=$!
  trap 'kill $PID 2>/dev/null || true; rm -f "$LOG"' EXIT
  for _ in $(seq 100); do grep -q '^body ' "$LOG" && break; sleep 0.2; done
  URL=$(sed -n 's/^router //p' "$LOG"); BODY=$(sed -n 's/^body //p' "$LOG")
  LUA=$(mktemp --suffix=.lua)
  printf 'wrk.method = "POST"\nwrk.headers["content-type"] = "application/json"\nwrk.body = [[%s]]\n' "$BODY" > "$LUA"
  for c in ${CONC//,/ }; do
    wrk -t1 -c"$c" -d3s -s "$LUA" "$URL" >/dev/null   # warm-up
    echo "== wrk -t1 -c$c -d${SECONDS_PER_POINT}s --latency (POST /v1/completions, $MAX_TOKENS tokens)"
    wrk -t1 -c"$c" -d"${SECONDS_PER_POINT}s" --latency -s "$LUA" "$URL" | grep -E 'Latency|50%|99%|Requests/sec|Non-2xx|Socket errors'
  done
  rm -f "$LUA"
else
  echo "wrk not installed (apt-get install wrk); skipped the wrk runs" >&2
fi
