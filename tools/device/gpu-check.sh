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
echo "== generate through the engine: --backend cuda (device sampling) vs --backend cpu"
for placement in attention*4 gdn*4 "swa*2,attention*2"; do
  for backend in cpu cuda; do
    "${java[@]}" dev.gearbox.runtime.cli.Main generate --model examples/models/gearbox-tiny \
      --placement "$placement" --prompt "In the beginning" --max-tokens 32 --backend $backend \
      > "$OUT/generate-$backend.txt" 2> "$OUT/generate-$backend.err"
    tail -2 "$OUT/generate-$backend.txt"; grep -iE 'exception|error' "$OUT/generate-$backend.err" | head -3
  done
  cpu=$(grep -v '^\[' "$OUT/generate-cpu.txt" | tr -d '\n')
  gpu=$(grep -v '^\[' "$OUT/generate-cuda.txt" | tr -d '\n')
  if [ -n "$cpu" ] && [ "$cpu" = "$gpu" ]; then verdict=PASS; else verdict=FAIL; status=1; fi
  echo "$verdict generate $placement: cuda text == cpu text" | tee -a "$OUT/generate.log"
done
echo "== summary"
echo "PASS lines: $(cat "$OUT"/*.log | grep -c '^PASS')"
grep -h '^FAIL' "$OUT"/*.log | head -40
exit $status
