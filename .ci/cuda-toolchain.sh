#!/usr/bin/env bash
# Installs NVIDIA's CUDA compiler (nvcc 13.0, ptxas, NVVM, CCCL and runtime headers) from PyPI
# wheels into ~/.cache/gearbox/cuda-13.0 when the machine has no nvcc, and prints the nvcc path.
# 13.0 matches the GPU machines' driver (580, CUDA 13.0): PTX from a newer nvcc declares a PTX ISA
# that driver cannot load. The build only needs the compiler; no GPU is used here.
set -euo pipefail
prefix="${GEARBOX_CUDA_HOME:-$HOME/.cache/gearbox/cuda-13.0}"
nvcc="$prefix/nvidia/cu13/bin/nvcc"
if [ ! -x "$nvcc" ]; then
  echo "gearbox: installing the CUDA 13.0 compiler wheels into $prefix" >&2
  python3 -m pip install -q --disable-pip-version-check --no-deps --target "$prefix" \
    nvidia-cuda-nvcc==13.0.88 nvidia-nvvm==13.0.88 nvidia-cuda-crt==13.0.88 \
    nvidia-cuda-cccl==13.0.85 nvidia-cuda-runtime==13.0.96 >&2
fi
# The wheels lay out bin/, nvvm/ and include/ side by side, as nvcc expects of a CUDA home.
chmod +x "$prefix"/nvidia/cu13/bin/* "$prefix"/nvidia/cu13/nvvm/bin/* 2>/dev/null || true
echo "$nvcc"
