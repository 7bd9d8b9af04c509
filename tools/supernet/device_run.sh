#!/usr/bin/env bash
# Runs on the GPU machine: golden check, mixer timing, then training and export.
# Usage: tools/supernet/device_run.sh smoke|full   (writes logs and model.tar into $OUT)
set -euo pipefail
export PYTHONUNBUFFERED=1
cd "$(dirname "$0")"
mode=${1:-smoke}
model=/tmp/gearbox-tiny
if ! python3 check_golden.py .golden 2>&1 | tee "$OUT/golden.log"; then
  echo "GOLDEN CHECK DID NOT PASS: training with the token-by-token loops" | tee -a "$OUT/golden.log"
  export APRIEL2_SCAN=0
fi
if [ "$mode" = smoke ]; then
  python3 bench_mixers.py 2>&1 | tee "$OUT/bench.log"
  python3 train.py --data .data --out "$model" --minutes 0.5 --eval-every 10 --smoke 2>&1 | tee "$OUT/train.log"
  python3 export.py --model "$model" --data .data --teacher-samples 16 2>&1 | tee -a "$OUT/train.log"
else
  python3 train.py --data .data --out "$model" --minutes "${MINUTES:-3}" 2>&1 | tee "$OUT/train.log"
  tar -C "$model" -cf "$OUT/model.tar" .  # kept even if the export below runs out of time
  python3 export.py --model "$model" --data .data 2>&1 | tee -a "$OUT/train.log"
fi
ls -la "$model"
tar -C "$model" -cf "$OUT/model.tar" .
