#!/usr/bin/env bash
# The one command the integrator runs on the GPU machine for the runtime GPU benchmark.
#
# Assumes (the machine has no Java and no network): a jlink-ed JRE in .dev/jre.tar.xz (unpacked to /tmp/jre), the runtime jar
# and its dependencies in .dev/lib/, python3 with torch + transformers, and $OUT for outputs.
# Runs the HF transformers peer first (its JSON feeds the gearbox/HF ratio), then the Java
# benchmark; logs and result files land in $OUT; the summary tables are printed last.
#
# Usage: tools/device/gpu-bench.sh [--quick] [extra CudaDecodeBenchmark args, e.g. --shapes ...]
# Budget: < 8 minutes in all (HF peer capped at 180 s, Java benchmark at 270 s; the Java
# side rewrites its tables after each shape, so a timeout keeps what finished).
set -uo pipefail

cd "$(dirname "$0")/../.."
OUT="${OUT:-$PWD/.dev/bench-out}"
mkdir -p "$OUT"
PYTHON="${PYTHON:-python3}"
JAVA=/tmp/jre/bin/java
[ -x "$JAVA" ] || tar -xJf .dev/jre.tar.xz -C /tmp

QUICK=()
JAVA_ARGS=()
for arg in "$@"; do
  if [[ "$arg" == "--quick" ]]; then
    QUICK=(--quick)
  else
    JAVA_ARGS+=("$arg")
  fi
done

nvidia-smi --query-gpu=name,memory.total,memory.used,clocks.max.sm,clocks.max.mem \
  --format=csv 2>&1 | tee "$OUT/gpu.txt"

echo "== HF transformers peer =="
timeout 180 "$PYTHON" tools/bench/hf_peer.py "${QUICK[@]}" --out "$OUT/hf_peer.json" \
  2>&1 | tee "$OUT/hf_peer.log"
PEER_RC=${PIPESTATUS[0]}

echo "== Gearbox CudaDecodeBenchmark =="
if [[ ! -x "$JAVA" ]]; then
  echo "missing $JAVA (tools/device/pack.sh puts a jlink-ed JRE in .dev/jre.tar.xz)" | tee "$OUT/gearbox.log"
  exit 2
fi
timeout 270 "$JAVA" --add-modules jdk.incubator.vector --enable-native-access=ALL-UNNAMED -Xmx8g -cp '.dev/lib/*' \
  dev.gearbox.runtime.bench.CudaDecodeBenchmark "${QUICK[@]}" \
  --out "$OUT/runtime-gpu.md" --peer "$OUT/hf_peer.json" "${JAVA_ARGS[@]}" \
  2>&1 | tee "$OUT/gearbox.log"
BENCH_RC=${PIPESTATUS[0]}

echo
echo "================ SUMMARY ================"
echo "HF peer exit $PEER_RC, gearbox benchmark exit $BENCH_RC (124 = timed out)"
if [[ -f "$OUT/hf_peer.json" ]]; then
  "$PYTHON" - "$OUT/hf_peer.json" <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))
print(f"### HF transformers peer ({r['transformers']}, torch {r['torch']}, {r['device']})\n")
print("| shape | batch | tok/s | step ms | mode |\n| --- | --- | --- | --- | --- |")
for x in r["results"]:
    print(f"| {x['shape']} | {x['batch']} | {x['tokens_per_second']:.1f} | {x['step_ms']:.2f} | {x['mode']} |")
for f in r.get("failures", []):
    print(f"FAILED: {f}")
print()
PY
fi
if [[ -f "$OUT/runtime-gpu.md" ]]; then
  cat "$OUT/runtime-gpu.md"
else
  echo "no $OUT/runtime-gpu.md: see $OUT/gearbox.log"
fi
exit $(( BENCH_RC != 0 ? BENCH_RC : PEER_RC ))
