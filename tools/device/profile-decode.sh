#!/usr/bin/env bash
# Nsight Compute profile of the first decode steps of one benchmark shape (GPU machine; carry
# .dev): the duration of every kernel of a step, to compare with the step time the benchmark
# measures (the difference is launch latency and idle time between kernels).
# Usage: tools/device/profile-decode.sh [shape, default llama-3.2-1b] [kernel count, default 160]
set -uo pipefail
cd "$(dirname "$0")/../.."
OUT="${OUT:-/tmp/gearbox-out}"; mkdir -p "$OUT"
[ -x /tmp/jre/bin/java ] || tar -xJf .dev/jre.tar.xz -C /tmp
shape="${1:-llama-3.2-1b}"
count="${2:-160}"
ncu --target-processes all --metrics gpu__time_duration.sum,dram__bytes_read.sum \
  -k 'regex:^(dense_(gemv|gemm|rms|embed|sample|argmax|silu)|attn_|gdn|kda|mamba|delta|recurrent)' \
  --launch-count "$count" --csv --log-file "$OUT/ncu-$shape.csv" \
  /tmp/jre/bin/java --add-modules jdk.incubator.vector --enable-native-access=ALL-UNNAMED -Xmx8g \
  -cp '.dev/lib/*' dev.gearbox.runtime.bench.CudaDecodeBenchmark --quick --shapes "$shape" \
  > "$OUT/ncu-$shape.log" 2>&1
echo "ncu exit $?"
python3 - "$OUT/ncu-$shape.csv" <<'PY'
import csv, sys, collections
rows = list(csv.reader(l for l in open(sys.argv[1]) if l.startswith('"')))
head, body = rows[0], rows[1:]
ki, mi, vi, ui = head.index("Kernel Name"), head.index("Metric Name"), head.index("Metric Value"), head.index("Metric Unit")
ii = head.index("ID")
kern = collections.OrderedDict()
for r in body:
    k = kern.setdefault(r[ii], {"name": r[ki].split("(")[0]})
    v = float(r[vi].replace(",", ""))
    if r[mi] == "gpu__time_duration.sum":
        k["us"] = v / 1000 if r[ui] == "nsecond" else v if r[ui] in ("usecond", "us") else v * 1000
    else:
        k["mb"] = v / (1e6 if r[ui] == "byte" else 1e3 if r[ui] == "Kbyte" else 1 if r[ui] == "Mbyte" else 1e-3)
agg = collections.OrderedDict()
for k in kern.values():
    a = agg.setdefault(k["name"], [0, 0.0, 0.0])
    a[0] += 1; a[1] += k.get("us", 0); a[2] += k.get("mb", 0)
total = sum(a[1] for a in agg.values())
print(f"{len(kern)} kernels, {total:.1f} us in all")
print("| kernel | launches | total us | mean us | MB read | GB/s |")
for n, (c, us, mb) in sorted(agg.items(), key=lambda x: -x[1][1]):
    print(f"| {n} | {c} | {us:.1f} | {us/c:.2f} | {mb:.1f} | {mb/us*1000 if us else 0:.0f} |")
PY
