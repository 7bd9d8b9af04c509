// Device helpers shared by dense.cu and attention.cu: bf16 <-> f32, 16-byte loads, reductions.
#pragma once
#include <stdint.h>

typedef unsigned short bf16_t;

// Low and high bf16 of a 32-bit word as f32 (element 2i is the low half in memory order).
__device__ __forceinline__ float bf16Lo(unsigned int w) { return __uint_as_float(w << 16); }
__device__ __forceinline__ float bf16Hi(unsigned int w) { return __uint_as_float(w & 0xffff0000u); }
__device__ __forceinline__ float bf16ToF32(bf16_t h) {
  return __uint_as_float(((unsigned int)h) << 16);
}

// Round-to-nearest-even f32 -> bf16 (NaN stays NaN).
__device__ __forceinline__ bf16_t f32ToBf16(float f) {
  unsigned int u = __float_as_uint(f);
  if ((u & 0x7fffffffu) > 0x7f800000u) {
    return (bf16_t)((u >> 16) | 0x40u);
  }
  u += 0x7fffu + ((u >> 16) & 1u);
  return (bf16_t)(u >> 16);
}

__device__ __forceinline__ unsigned int packBf16(float lo, float hi) {
  return (unsigned int)f32ToBf16(lo) | ((unsigned int)f32ToBf16(hi) << 16);
}

// 16-byte read-only load that does not allocate in L1 (weights and KV streamed once per step).
__device__ __forceinline__ uint4 ldStream(const uint4* p) {
  uint4 v;
  asm volatile("ld.global.nc.L1::no_allocate.v4.u32 {%0,%1,%2,%3}, [%4];"
               : "=r"(v.x), "=r"(v.y), "=r"(v.z), "=r"(v.w)
               : "l"(p));
  return v;
}

__device__ __forceinline__ float warpSum(float v) {
#pragma unroll
  for (int o = 16; o > 0; o >>= 1) v += __shfl_xor_sync(0xffffffffu, v, o);
  return v;
}

__device__ __forceinline__ float warpMax(float v) {
#pragma unroll
  for (int o = 16; o > 0; o >>= 1) v = fmaxf(v, __shfl_xor_sync(0xffffffffu, v, o));
  return v;
}

// Sum over the block (blockDim.x a multiple of 32, at most 1024); every thread gets the result.
// `scratch` holds 32 floats; the call ends with a barrier so scratch may be reused afterwards.
__device__ __forceinline__ float blockSum(float v, float* scratch) {
  int lane = threadIdx.x & 31;
  int warp = threadIdx.x >> 5;
  int warps = blockDim.x >> 5;
  v = warpSum(v);
  if (lane == 0) scratch[warp] = v;
  __syncthreads();
  float total = 0.f;
  for (int w = 0; w < warps; w++) total += scratch[w];
  __syncthreads();
  return total;
}

// Row index of segment entry m (seg null: m itself).
__device__ __forceinline__ int segRow(const int* seg, int m) { return seg ? seg[1 + m] : m; }
