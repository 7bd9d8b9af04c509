#!/usr/bin/env bash
# The GPU correctness run (on the GPU machine, after tools/device/pack.sh here; carry .dev):
# every kernel against a plain-Java reference, then the whole model against the CPU backend and
# the golden Apriel2 outputs. Logs go to $OUT; a summary is printed last.
set -uo pipefail
cd "$(dirname "$0")/../.."
OUT="${OUT:-/tmp/gearbox-out}"; mkdir -p "$OUT"
[ -x /tmp/jre/bin/java ] || tar -xJf .dev/jre.tar.xz -C /tmp
java=(/tmp/jre/bin/java --add-modules jdk.incubator.vector --enable-native-access=ALL-UNNAMED -Xmx16g -cp '.dev/lib/*')
nvidia-smi --query-gpu=name,driver_version,memory.total,clocks.sm,clocks.mem --format=csv,noheader
status=0
for check in DenseKernelsCheck AttentionKernelsCheck RecurrentKernelsCheck; do
  echo "== $check"
  "${java[@]}" dev.gearbox.runtime.backend.cuda.check.$check 2>&1 | tee "$OUT/$check.log" | grep -v '^PASS' | tail -40
  rc=${PIPESTATUS[0]}; echo "$check exit $rc"; [ "$rc" = 0 ] || status=1
done
echo "== CudaModelCheck"
"${java[@]}" dev.gearbox.runtime.backend.cuda.check.CudaModelCheck --golden .dev/golden/apriel2-tiny "$@" 2>&1 \
  | tee "$OUT/CudaModelCheck.log" | tail -60
rc=${PIPESTATUS[0]}; echo "CudaModelCheck exit $rc"; [ "$rc" = 0 ] || status=1
echo "== summary"
echo "PASS lines: $(cat "$OUT"/*.log | grep -c '^PASS')"
grep -h '^FAIL' "$OUT"/*.log | head -40
exit $status
