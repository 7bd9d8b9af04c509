#!/usr/bin/env bash
# Reconcile benchmark: N HybridModels (default 200) on a real kube-apiserver.
# Needs the control plane from .ci/control-plane.sh. Usage: operator/bench.sh [N]
set -euo pipefail
cd "$(dirname "$0")/.."
mvn -B -q -pl crds,operator -am test-compile dependency:build-classpath \
  -Dmdep.outputFile=target/bench-classpath.txt -Dmdep.includeScope=test
cp="operator/target/test-classes:operator/target/classes:crds/target/classes:runtime/target/classes"
cp="$cp:$(cat operator/target/bench-classpath.txt)"
exec "${JAVA_HOME:-/usr}/bin/java" -Xmx1g -Dorg.slf4j.simpleLogger.defaultLogLevel=warn \
  -Dgearbox.crd.file=crds/hybridmodels.gearbox.dev-v1.yml \
  -cp "$cp" dev.gearbox.operator.ReconcileBenchmark "${1:-200}"
