#!/usr/bin/env bash
# Autoscaling picture: a SIMULATION (fluid load model + the operator's real Autoscaler and
# LatencyWindow on a virtual clock); writes docs/benchmarks/autoscaling.png and prints the
# time from sustained pressure to the new pod serving. Usage: operator/autoscale-bench.sh [PNG]
#   operator/autoscale-bench.sh loopback [PNG]: the same loop with real runtime processes
#   (gearbox serve, bundled model, CPU) on 127.0.0.1 and compressed windows (~2.5 minutes).
set -euo pipefail
cd "$(dirname "$0")/.."
source .ci/env.sh
mvn $MAVEN_ARGS -q -pl crds,operator -am test-compile dependency:build-classpath \
  -Dmdep.outputFile=target/bench-classpath.txt -Dmdep.includeScope=test
cp="operator/target/test-classes:operator/target/classes:crds/target/classes:runtime/target/classes"
cp="$cp:$(cat operator/target/bench-classpath.txt)"
if [ "${1:-}" = loopback ]; then
  exec "${JAVA_HOME:-/usr}/bin/java" -Xmx512m -Djava.awt.headless=true \
    -cp "runtime/target/classes:$cp" dev.gearbox.operator.autoscale.LoopbackAutoscaleBenchmark \
    "${2:-docs/benchmarks/autoscaling-loopback.png}"
fi
exec "${JAVA_HOME:-/usr}/bin/java" -Xmx512m -Djava.awt.headless=true \
  -cp "$cp" dev.gearbox.operator.autoscale.AutoscaleBenchmark "${1:-docs/benchmarks/autoscaling.png}"
