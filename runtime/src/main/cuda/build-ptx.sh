#!/usr/bin/env bash
# Compiles every kernel module (*.cu here) to PTX for sm_90 into $1 (embedded in the jar), and
# assembles each with ptxas to write the resource report (registers, spills, shared memory) to $2.
# nvcc is $GEARBOX_NVCC, else nvcc on PATH, else /usr/local/cuda/bin/nvcc, else the wheels that
# .ci/cuda-toolchain.sh installs. Without any, the jar has no kernels and the CUDA backend says so
# when asked for; GEARBOX_REQUIRE_PTX=1 (set by CI) turns that into a build failure.
set -euo pipefail
shopt -s nullglob
src="$(cd "$(dirname "$0")" && pwd)"
out="$1"
report="$2"
nvcc="${GEARBOX_NVCC:-}"
if [ -z "$nvcc" ]; then
  for candidate in "$(command -v nvcc || true)" /usr/local/cuda/bin/nvcc \
      "${GEARBOX_CUDA_HOME:-$HOME/.cache/gearbox/cuda-13.0}/nvidia/cu13/bin/nvcc"; do
    if [ -n "$candidate" ] && [ -x "$candidate" ]; then nvcc="$candidate"; break; fi
  done
fi
if [ -z "$nvcc" ]; then
  if [ "${GEARBOX_REQUIRE_PTX:-0}" = 1 ]; then
    echo "build-ptx: no nvcc found and GEARBOX_REQUIRE_PTX=1 (run .ci/cuda-toolchain.sh)" >&2
    exit 1
  fi
  echo "build-ptx: WARNING no nvcc found; the jar will have no GPU kernels (see .ci/cuda-toolchain.sh)" >&2
  exit 0
fi
ptxas="$(dirname "$nvcc")/ptxas"
mkdir -p "$out" "$report"
for cu in "$src"/*.cu; do
  name="$(basename "$cu" .cu)"
  ptx="$out/$name.ptx"
  if [ "$ptx" -nt "$cu" ] && [ -z "$(find "$src" -name '*.cuh' -newer "$ptx")" ]; then
    continue
  fi
  "$nvcc" -ptx -arch=sm_90 -O3 -std=c++17 -lineinfo -I"$src" -o "$ptx.tmp" "$cu"
  mv "$ptx.tmp" "$ptx"
  "$ptxas" -arch=sm_90 -O3 -v "$ptx" -o "$report/$name.cubin" 2> "$report/$name.ptxas.txt" || {
    cat "$report/$name.ptxas.txt" >&2; exit 1; }
  if grep -q "bytes spill stores" "$report/$name.ptxas.txt" && \
     grep "bytes spill stores" "$report/$name.ptxas.txt" | grep -qv " 0 bytes spill stores"; then
    echo "build-ptx: WARNING $name has register spills:" >&2
    grep -B3 "spill stores" "$report/$name.ptxas.txt" | grep -v " 0 bytes spill" >&2 || true
  fi
  echo "build-ptx: $name.ptx ($(grep -c '^.visible .entry' "$ptx") kernels) with $(basename "$nvcc") $("$nvcc" --version | tail -1)" >&2
done
