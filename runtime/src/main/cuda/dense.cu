// Dense kernels of the Gearbox CUDA backend (launched by DenseKernels.java): embedding, RMSNorm,
// linear layers (bandwidth-bound GEMV for <= 8 rows, bf16 tensor-core GEMM above), SiLU-gating,
// residual add, argmax / Gumbel-max sampling, random fills, conversions and a bandwidth probe.
// Weights bf16 [out][in] row-major; activations f32 [rows][width]; fp32 accumulation.
#include <mma.h>
#include <cuda_bf16.h>
#include "common.cuh"

using namespace nvcuda;

// ---------------------------------------------------------------------------------------------
// embed: out[r][h] = table[tokens[r]][h]. grid (rows), block 256.
extern "C" __global__ void dense_embed(const bf16_t* __restrict__ table,
                                       const int* __restrict__ tokens, float* __restrict__ out,
                                       int rows, int hidden) {
  int r = blockIdx.x;
  if (r >= rows) return;
  const bf16_t* src = table + (size_t)tokens[r] * hidden;
  float* dst = out + (size_t)r * hidden;
  for (int i = threadIdx.x; i < hidden; i += blockDim.x) dst[i] = bf16ToF32(src[i]);
}

// ---------------------------------------------------------------------------------------------
// rmsNorm: out = x / sqrt(mean(x^2) + eps) * weight, per row.
// grid (rows, parts), block 256: block (r, p) sums all of row r, then writes columns
// [p * ceil(n / parts), (p + 1) * ceil(n / parts)) (several blocks per row when rows are few).
// out may alias x only with parts == 1 (each thread then reads and writes only its own elements).
extern "C" __global__ void dense_rms_norm(const float* x, const float* __restrict__ weight,
                                          float* out, int rows, int n, float eps) {
  __shared__ float scratch[32];
  int r = blockIdx.x;
  if (r >= rows) return;
  const float* xr = x + (size_t)r * n;
  float* outr = out + (size_t)r * n;
  float sum = 0.f;
  for (int i = threadIdx.x; i < n; i += blockDim.x) {
    float v = xr[i];
    sum += v * v;
  }
  sum = blockSum(sum, scratch);
  float scale = 1.0f / sqrtf(sum / (float)n + eps);
  int per = (n + gridDim.y - 1) / gridDim.y;
  int begin = blockIdx.y * per;
  int end = min(n, begin + per);
  for (int i = begin + threadIdx.x; i < end; i += blockDim.x) {
    outr[i] = weight[i] * (xr[i] * scale);
  }
}

// ---------------------------------------------------------------------------------------------
// GEMV for R <= 8 rows: y[row][o] (= or +=) sum_k W[o][k] x[row][k] (+ bias[o]).
// Each warp computes O consecutive outputs (O weight rows share every x load, which keeps L1
// traffic for x below the weights' DRAM traffic at 8 rows); `ksplit` warps (1, 2, 4 or 8) share
// the same O outputs, each reading every ksplit-th 512-byte stretch of the rows (16 bytes per
// lane, U * O loads in flight), so every weight is read once for all rows. The warps' partial
// sums meet in shared memory, then bias and accumulate are applied.
// M transforms x as it is loaded (fused decode-path prologues, rows <= 8):
//   GEMV_PLAIN: x as is.
//   GEMV_NORM:  x[r][i] * invRms(x[r]) * normWeight[i] (RMSNorm; warp r of each block first
//               computes row r's 1 / sqrt(mean(x^2) + eps) from the L2-resident row).
//   GEMV_SILU:  silu(x[r][i]) * x[r][in + i] (gate | up rows of 2 * in floats, xStride >= 2 in).
// grid (ceil(out / ((8 / ksplit) * O))), block 256.
#define GEMV_PLAIN 0
#define GEMV_NORM 1
#define GEMV_SILU 2

__device__ __forceinline__ float siluTimes(float g, float u) {
  return __fdividef(g, 1.0f + __expf(-g)) * u;
}

template <int R, int O, int U, int M>
__device__ __forceinline__ void gemv(const float* __restrict__ x, int xStride,
                                     const bf16_t* __restrict__ weight,
                                     const float* __restrict__ bias, float* y, int yStride,
                                     int rows, int in, int out, const int* __restrict__ seg,
                                     int accumulate, int ksplit,
                                     const float* __restrict__ normWeight, float eps) {
  __shared__ float partial[8][O * R];
  __shared__ float invRms[R];
  int count = seg ? min(seg[0], rows) : rows;
  if (count <= 0) return;
  count = min(count, R);
  int warp = threadIdx.x >> 5;
  int lane = threadIdx.x & 31;
  int perBlock = (8 / ksplit) * O;
  int ks = warp % ksplit;
  int o0 = blockIdx.x * perBlock + (warp / ksplit) * O;
  // Rows past the segment's count read the first listed row (cached) and are not written.
  const float* xr[R];
#pragma unroll
  for (int r = 0; r < R; r++) {
    xr[r] = x + (size_t)segRow(seg, r < count ? r : 0) * xStride;
  }
  float inv[R];
  if (M == GEMV_NORM) {
    // Warp r: sum of squares of row r (rows past count repeat the first listed row).
    if (warp < R) {
      const float4* xp = reinterpret_cast<const float4*>(
          x + (size_t)segRow(seg, warp < count ? warp : 0) * xStride);
      float sum = 0.f;
      for (int i = lane; i < (in >> 2); i += 32) {
        float4 v = __ldg(xp + i);
        sum += v.x * v.x + v.y * v.y + v.z * v.z + v.w * v.w;
      }
      sum = warpSum(sum);
      if (lane == 0) invRms[warp] = 1.0f / sqrtf(sum / (float)in + eps);
    }
    __syncthreads();
#pragma unroll
    for (int r = 0; r < R; r++) inv[r] = invRms[r];
  }
  float acc[O][R];
#pragma unroll
  for (int j = 0; j < O; j++)
#pragma unroll
    for (int r = 0; r < R; r++) acc[j][r] = 0.f;
  // acc[j][r] += dot(8 bf16 weights of row o0 + j at chunk c, x[row r][8c .. 8c+8)).
  auto fma8 = [&](const uint4 (&w)[O], int c) {
    float4 na, nb;
    if (M == GEMV_NORM) {
      const float4* np = reinterpret_cast<const float4*>(normWeight + (size_t)c * 8);
      na = __ldg(np);
      nb = __ldg(np + 1);
    }
#pragma unroll
    for (int r = 0; r < R; r++) {
      const float4* xp = reinterpret_cast<const float4*>(xr[r] + (size_t)c * 8);
      float4 a = __ldg(xp);
      float4 b = __ldg(xp + 1);
      if (M == GEMV_NORM) {
        float sr = inv[r];
        a = make_float4(na.x * (a.x * sr), na.y * (a.y * sr), na.z * (a.z * sr),
                        na.w * (a.w * sr));
        b = make_float4(nb.x * (b.x * sr), nb.y * (b.y * sr), nb.z * (b.z * sr),
                        nb.w * (b.w * sr));
      } else if (M == GEMV_SILU) {
        const float4* up = reinterpret_cast<const float4*>(xr[r] + in + (size_t)c * 8);
        float4 ua = __ldg(up);
        float4 ub = __ldg(up + 1);
        a = make_float4(siluTimes(a.x, ua.x), siluTimes(a.y, ua.y), siluTimes(a.z, ua.z),
                        siluTimes(a.w, ua.w));
        b = make_float4(siluTimes(b.x, ub.x), siluTimes(b.y, ub.y), siluTimes(b.z, ub.z),
                        siluTimes(b.w, ub.w));
      }
#pragma unroll
      for (int j = 0; j < O; j++) {
        float s = acc[j][r];
        s = fmaf(a.x, bf16Lo(w[j].x), s);
        s = fmaf(a.y, bf16Hi(w[j].x), s);
        s = fmaf(a.z, bf16Lo(w[j].y), s);
        s = fmaf(a.w, bf16Hi(w[j].y), s);
        s = fmaf(b.x, bf16Lo(w[j].z), s);
        s = fmaf(b.y, bf16Hi(w[j].z), s);
        s = fmaf(b.z, bf16Lo(w[j].w), s);
        s = fmaf(b.w, bf16Hi(w[j].w), s);
        acc[j][r] = s;
      }
    }
  };
  if (o0 < out) {
    // Rows past `out` (last warp only) re-read row out - 1 and are not written.
    const uint4* wrow[O];
#pragma unroll
    for (int j = 0; j < O; j++) {
      wrow[j] = reinterpret_cast<const uint4*>(weight + (size_t)min(o0 + j, out - 1) * in);
    }
    int chunks = in >> 3;
    int stride = 32 * ksplit;
    int c = ks * 32 + lane;
    for (; c + (U - 1) * stride < chunks; c += U * stride) {
      uint4 w[U][O];
#pragma unroll
      for (int u = 0; u < U; u++)
#pragma unroll
        for (int j = 0; j < O; j++) w[u][j] = ldStream(wrow[j] + c + u * stride);
#pragma unroll
      for (int u = 0; u < U; u++) fma8(w[u], c + u * stride);
    }
    for (; c < chunks; c += stride) {
      uint4 w[O];
#pragma unroll
      for (int j = 0; j < O; j++) w[j] = ldStream(wrow[j] + c);
      fma8(w, c);
    }
  }
#pragma unroll
  for (int j = 0; j < O; j++)
#pragma unroll
    for (int r = 0; r < R; r++) {
      float s = warpSum(acc[j][r]);
      if (lane == 0) partial[warp][j * R + r] = s;
    }
  __syncthreads();
  int t = threadIdx.x;
  if (t < perBlock * R) {
    int local = t / R;  // output of this block, 0 .. perBlock - 1
    int r = t % R;
    int group = local / O;  // warps group * ksplit .. computed it
    int j = local % O;
    int oo = blockIdx.x * perBlock + local;
    if (oo < out && r < count) {
      float s = 0.f;
      for (int k = 0; k < ksplit; k++) s += partial[group * ksplit + k][j * R + r];
      if (bias) s += bias[oo];
      float* dst = y + (size_t)segRow(seg, r) * yStride + oo;
      *dst = accumulate ? *dst + s : s;
    }
  }
}

// DENSE_GEMV(rows, outputs per warp O, unroll U, min blocks per SM, the same for the SiLU
// variant, whose gate and up loads need more registers). O must match
// DenseKernels.gemvOutputsPerWarp. 16-byte weight loads in flight per thread: U * O = 4 or 8.
// dense_gemv_rR: plain x; dense_gemv_norm_rR: RMSNorm on load (normWeight f32 [in], eps);
// dense_gemv_silu_rR: silu(gate) * up on load (x rows gate | up, in = inter).
#define DENSE_GEMV(R, O, U, B, BS)                                                             \
  extern "C" __global__ void __launch_bounds__(256, B)                                         \
      dense_gemv_r##R(const float* __restrict__ x, int xStride,                                \
                      const bf16_t* __restrict__ weight, const float* __restrict__ bias,       \
                      float* y, int yStride, int rows, int in, int out,                        \
                      const int* __restrict__ seg, int accumulate, int ksplit) {               \
    gemv<R, O, U, GEMV_PLAIN>(x, xStride, weight, bias, y, yStride, rows, in, out, seg,        \
                              accumulate, ksplit, nullptr, 0.f);                               \
  }                                                                                            \
  extern "C" __global__ void __launch_bounds__(256, B)                                         \
      dense_gemv_norm_r##R(const float* __restrict__ x, int xStride,                           \
                           const bf16_t* __restrict__ weight, const float* __restrict__ bias,  \
                           float* y, int yStride, int rows, int in, int out,                   \
                           const int* __restrict__ seg, int accumulate, int ksplit,            \
                           const float* __restrict__ normWeight, float eps) {                  \
    gemv<R, O, U, GEMV_NORM>(x, xStride, weight, bias, y, yStride, rows, in, out, seg,         \
                             accumulate, ksplit, normWeight, eps);                             \
  }                                                                                            \
  extern "C" __global__ void __launch_bounds__(256, BS)                                        \
      dense_gemv_silu_r##R(const float* __restrict__ x, int xStride,                           \
                           const bf16_t* __restrict__ weight, const float* __restrict__ bias,  \
                           float* y, int yStride, int rows, int in, int out,                   \
                           const int* __restrict__ seg, int accumulate, int ksplit) {          \
    gemv<R, O, U, GEMV_SILU>(x, xStride, weight, bias, y, yStride, rows, in, out, seg,         \
                             accumulate, ksplit, nullptr, 0.f);                                \
  }
DENSE_GEMV(1, 1, 4, 4, 3)
DENSE_GEMV(2, 2, 4, 2, 2)
DENSE_GEMV(3, 2, 4, 2, 2)
DENSE_GEMV(4, 2, 4, 2, 2)
DENSE_GEMV(5, 4, 1, 2, 2)
DENSE_GEMV(6, 4, 1, 2, 2)
DENSE_GEMV(7, 4, 2, 1, 1)
DENSE_GEMV(8, 4, 2, 1, 1)

// ---------------------------------------------------------------------------------------------
// GEMM for rows > 8 on tensor cores: BM x BN output tile per block, each warp a WM x WN piece
// of (WM/16) x (WN/16) WMMA bf16 16x16x16 fragments with fp32 accumulators; K in steps of 32
// through shared memory, x converted to bf16 on load; the next K step's global loads are issued
// before the current step's MMAs. Edges (rows, out, in % 32) are zero-filled; seg selects rows.
// Each warp writes its fragments through a private 16x16 staging tile (bias, accumulate).
// Split-K (gridDim.z > 1, for small grids: few rows are bandwidth-bound): block z covers
// k in [z * kChunk, (z + 1) * kChunk) and atomically adds its sums to y, which dense_gemm_init
// has set to (accumulate ? y : 0) + bias beforehand.
// dense_gemm: 64x64 tiles, 4 warps of 32x32; dense_gemm_large: 128x128 tiles, 8 warps of 64x32.
// grid (ceil(out / BN), ceil(rows / BM), splits), block 32 * warps.
#define GK 32
#define GKP 40  // padded K stride of the bf16 tiles (elements): conflict-free, 32-byte rows

template <int BM, int BN, int WM, int WN>
__device__ __forceinline__ void gemm(const float* __restrict__ x, int xStride,
                                     const bf16_t* __restrict__ weight,
                                     const float* __restrict__ bias, float* y, int yStride,
                                     int rows, int in, int out, const int* __restrict__ seg,
                                     int accumulate, int kChunk) {
  constexpr int WARPS_N = BN / WN;
  constexpr int THREADS = 32 * (BM / WM) * WARPS_N;
  constexpr int FM = WM / 16;
  constexpr int FN = WN / 16;
  constexpr int A_LOADS = BM * GK / 4 / THREADS;  // float4 of x per thread per K step
  constexpr int B_LOADS = BN * GK / 8 / THREADS;  // uint4 of W per thread per K step
  constexpr int A_ROWS = THREADS / 8;             // rows covered by one pass of A loads
  constexpr int B_ROWS = THREADS / 4;
  constexpr int TILE_BYTES = (BM + BN) * GKP * 2;
  constexpr int STAGE_BYTES = (THREADS / 32) * 256 * 4;
  __shared__ __align__(128) unsigned char smem[TILE_BYTES > STAGE_BYTES ? TILE_BYTES
                                                                         : STAGE_BYTES];
  int count = seg ? min(seg[0], rows) : rows;
  int m0 = blockIdx.y * BM;
  if (m0 >= count) return;
  int n0 = blockIdx.x * BN;
  bool split = gridDim.z > 1;
  int kBegin = split ? blockIdx.z * kChunk : 0;
  int kEnd = split ? min(in, kBegin + kChunk) : in;
  __nv_bfloat16* as = reinterpret_cast<__nv_bfloat16*>(smem);  // [BM][GKP]
  __nv_bfloat16* bs = as + BM * GKP;                            // [BN][GKP] (= B col-major)
  int tid = threadIdx.x;
  int warp = tid >> 5;
  int lane = tid & 31;
  int wm = (warp / WARPS_N) * WM;
  int wn = (warp % WARPS_N) * WN;

  const float* aSrc[A_LOADS];
  int aCol = (tid & 7) * 4;
#pragma unroll
  for (int i = 0; i < A_LOADS; i++) {
    int m = m0 + (tid >> 3) + A_ROWS * i;
    aSrc[i] = m < count ? x + (size_t)segRow(seg, m) * xStride : nullptr;
  }
  const bf16_t* bSrc[B_LOADS];
  int bCol = (tid & 3) * 8;
#pragma unroll
  for (int i = 0; i < B_LOADS; i++) {
    int n = n0 + (tid >> 2) + B_ROWS * i;
    bSrc[i] = n < out ? weight + (size_t)n * in : nullptr;
  }

  float4 aReg[A_LOADS];
  uint4 bReg[B_LOADS];
  auto loadTiles = [&](int k0) {
#pragma unroll
    for (int i = 0; i < A_LOADS; i++) {
      int k = k0 + aCol;
      aReg[i] = (aSrc[i] && k < kEnd) ? __ldg(reinterpret_cast<const float4*>(aSrc[i] + k))
                                      : make_float4(0.f, 0.f, 0.f, 0.f);
    }
#pragma unroll
    for (int i = 0; i < B_LOADS; i++) {
      int k = k0 + bCol;
      bReg[i] = (bSrc[i] && k < kEnd) ? ldStream(reinterpret_cast<const uint4*>(bSrc[i] + k))
                                      : make_uint4(0u, 0u, 0u, 0u);
    }
  };

  wmma::fragment<wmma::accumulator, 16, 16, 16, float> acc[FM][FN];
#pragma unroll
  for (int i = 0; i < FM; i++)
#pragma unroll
    for (int j = 0; j < FN; j++) wmma::fill_fragment(acc[i][j], 0.f);

  loadTiles(kBegin);
  for (int k0 = kBegin; k0 < kEnd; k0 += GK) {
#pragma unroll
    for (int i = 0; i < A_LOADS; i++) {
      uint2 packed = make_uint2(packBf16(aReg[i].x, aReg[i].y), packBf16(aReg[i].z, aReg[i].w));
      *reinterpret_cast<uint2*>(as + ((tid >> 3) + A_ROWS * i) * GKP + aCol) = packed;
    }
#pragma unroll
    for (int i = 0; i < B_LOADS; i++) {
      *reinterpret_cast<uint4*>(bs + ((tid >> 2) + B_ROWS * i) * GKP + bCol) = bReg[i];
    }
    __syncthreads();
    if (k0 + GK < kEnd) loadTiles(k0 + GK);
#pragma unroll
    for (int kk = 0; kk < GK; kk += 16) {
      wmma::fragment<wmma::matrix_a, 16, 16, 16, __nv_bfloat16, wmma::row_major> a[FM];
      wmma::fragment<wmma::matrix_b, 16, 16, 16, __nv_bfloat16, wmma::col_major> b[FN];
#pragma unroll
      for (int i = 0; i < FM; i++) wmma::load_matrix_sync(a[i], as + (wm + 16 * i) * GKP + kk, GKP);
#pragma unroll
      for (int j = 0; j < FN; j++) wmma::load_matrix_sync(b[j], bs + (wn + 16 * j) * GKP + kk, GKP);
#pragma unroll
      for (int i = 0; i < FM; i++)
#pragma unroll
        for (int j = 0; j < FN; j++) wmma::mma_sync(acc[i][j], a[i], b[j], acc[i][j]);
    }
    __syncthreads();
  }
  // The K loop ended with a barrier: the tiles' shared memory is free for the staging tiles.
  float* stage = reinterpret_cast<float*>(smem) + warp * 256;
#pragma unroll
  for (int i = 0; i < FM; i++) {
#pragma unroll
    for (int j = 0; j < FN; j++) {
      wmma::store_matrix_sync(stage, acc[i][j], 16, wmma::mem_row_major);
      __syncwarp();
#pragma unroll
      for (int e = lane; e < 256; e += 32) {
        int m = m0 + wm + 16 * i + (e >> 4);
        int n = n0 + wn + 16 * j + (e & 15);
        if (m < count && n < out) {
          float v = stage[e];
          float* dst = y + (size_t)segRow(seg, m) * yStride + n;
          if (split) {
            atomicAdd(dst, v);
          } else {
            if (bias) v += bias[n];
            *dst = accumulate ? *dst + v : v;
          }
        }
      }
      __syncwarp();
    }
  }
}

extern "C" __global__ void __launch_bounds__(128)
    dense_gemm(const float* __restrict__ x, int xStride, const bf16_t* __restrict__ weight,
               const float* __restrict__ bias, float* y, int yStride, int rows, int in, int out,
               const int* __restrict__ seg, int accumulate, int kChunk) {
  gemm<64, 64, 32, 32>(x, xStride, weight, bias, y, yStride, rows, in, out, seg, accumulate,
                       kChunk);
}

extern "C" __global__ void __launch_bounds__(256)
    dense_gemm_large(const float* __restrict__ x, int xStride, const bf16_t* __restrict__ weight,
                     const float* __restrict__ bias, float* y, int yStride, int rows, int in,
                     int out, const int* __restrict__ seg, int accumulate, int kChunk) {
  gemm<128, 128, 64, 32>(x, xStride, weight, bias, y, yStride, rows, in, out, seg, accumulate,
                         kChunk);
}

// Split-K start values: y[row][n] = (accumulate ? y[row][n] : 0) + (bias ? bias[n] : 0) for the
// segment's rows. grid (rows), block 256.
extern "C" __global__ void dense_gemm_init(const float* __restrict__ bias, float* y, int yStride,
                                           int rows, int out, const int* __restrict__ seg,
                                           int accumulate) {
  int count = seg ? min(seg[0], rows) : rows;
  if ((int)blockIdx.x >= count) return;
  float* dst = y + (size_t)segRow(seg, blockIdx.x) * yStride;
  for (int n = threadIdx.x; n < out; n += blockDim.x) {
    float v = bias ? bias[n] : 0.f;
    dst[n] = accumulate ? dst[n] + v : v;
  }
}

// ---------------------------------------------------------------------------------------------
// siluMul: out[r][i] = silu(gateUp[r][i]) * gateUp[r][inter + i]. Grid-stride over rows*inter.
extern "C" __global__ void dense_silu_mul(const float* __restrict__ gateUp,
                                          float* __restrict__ out, int rows, int inter) {
  long long total = (long long)rows * inter;
  for (long long i = blockIdx.x * (long long)blockDim.x + threadIdx.x; i < total;
       i += (long long)gridDim.x * blockDim.x) {
    long long r = i / inter;
    long long c = i - r * inter;
    float g = gateUp[r * 2 * inter + c];
    float u = gateUp[r * 2 * inter + inter + c];
    out[i] = g / (1.0f + expf(-g)) * u;
  }
}

// add: y[i] += x[i]. Grid-stride.
extern "C" __global__ void dense_add(float* y, const float* x, long long n) {
  for (long long i = blockIdx.x * (long long)blockDim.x + threadIdx.x; i < n;
       i += (long long)gridDim.x * blockDim.x) {
    y[i] += x[i];
  }
}

// ---------------------------------------------------------------------------------------------
// argmax / sampling: one block (1024 threads) per row. Lowest index wins ties; NaN never wins.
__device__ __forceinline__ void better(float& best, int& bestIdx, float v, int i) {
  if (v > best || (v == best && i < bestIdx)) {
    best = v;
    bestIdx = i;
  }
}

// Every thread gets the block's best (value and index, lowest index on ties) in best/bestIdx.
__device__ __forceinline__ int blockArgmax(float& best, int& bestIdx) {
  __shared__ float sBest[32];
  __shared__ int sIdx[32];
#pragma unroll
  for (int o = 16; o > 0; o >>= 1) {
    float v = __shfl_xor_sync(0xffffffffu, best, o);
    int i = __shfl_xor_sync(0xffffffffu, bestIdx, o);
    better(best, bestIdx, v, i);
  }
  int lane = threadIdx.x & 31;
  int warp = threadIdx.x >> 5;
  if (lane == 0) {
    sBest[warp] = best;
    sIdx[warp] = bestIdx;
  }
  __syncthreads();
  best = -INFINITY;
  bestIdx = 0x7fffffff;
  for (int w = 0; w < (int)(blockDim.x >> 5); w++) better(best, bestIdx, sBest[w], sIdx[w]);
  __syncthreads();  // sBest/sIdx may be reused by a later call
  return bestIdx == 0x7fffffff ? 0 : bestIdx;
}

extern "C" __global__ void __launch_bounds__(1024)
    dense_argmax(const float* __restrict__ logits, int rows, int vocab, int* outTokens) {
  int r = blockIdx.x;
  if (r >= rows) return;
  const float* row = logits + (size_t)r * vocab;
  float best = -INFINITY;
  int bestIdx = 0x7fffffff;
  for (int i = threadIdx.x; i < vocab; i += blockDim.x) better(best, bestIdx, row[i], i);
  int token = blockArgmax(best, bestIdx);
  if (threadIdx.x == 0) outTokens[r] = token;
}

// Philox4x32-10 of counter (c0..c3) under key (k0, k1); returns the first output word.
__device__ __forceinline__ unsigned int philox(unsigned int c0, unsigned int c1, unsigned int c2,
                                               unsigned int c3, unsigned int k0,
                                               unsigned int k1) {
#pragma unroll
  for (int round = 0; round < 10; round++) {
    unsigned int lo0 = 0xD2511F53u * c0;
    unsigned int hi0 = __umulhi(0xD2511F53u, c0);
    unsigned int lo1 = 0xCD9E8D57u * c2;
    unsigned int hi1 = __umulhi(0xCD9E8D57u, c2);
    c0 = hi1 ^ c1 ^ k0;
    c1 = lo1;
    c2 = hi0 ^ c3 ^ k1;
    c3 = lo0;
    k0 += 0x9E3779B9u;
    k1 += 0xBB67AE85u;
  }
  return c0;
}

// Gumbel-max: argmax_i logits[i] / T - log(-log(u_i)), u_i uniform in (0, 1) from
// philox(i, counter, 0, 0; seed). T <= 0: plain argmax.
// grid (rows, parts), block 256: block (r, p) takes the p-th slice of the vocabulary and leaves
// its best (value, index) in partBest/partIdx [rows][parts]; the last block of row r to finish
// (threadfence + a per-row counter in `done`, reset by that block) picks the row's token. One
// block per row would read a 150k vocabulary at a single SM's pace (~60 us).
extern "C" __global__ void __launch_bounds__(256)
    dense_sample(const float* __restrict__ logits, int rows, int vocab,
                 const float* __restrict__ temperature, const long long* __restrict__ seeds,
                 const int* __restrict__ counters, int* outTokens, float* partBest, int* partIdx,
                 int* done, int parts) {
  int r = blockIdx.x;
  if (r >= rows) return;
  int part = blockIdx.y;
  int slice = (vocab + parts - 1) / parts;
  int from = part * slice;
  int to = min(vocab, from + slice);
  const float* row = logits + (size_t)r * vocab;
  float t = temperature[r];
  float best = -INFINITY;
  int bestIdx = 0x7fffffff;
  if (t <= 0.f) {
    for (int i = from + threadIdx.x; i < to; i += blockDim.x) better(best, bestIdx, row[i], i);
  } else {
    float invT = 1.0f / t;
    unsigned long long seed = (unsigned long long)seeds[r];
    unsigned int k0 = (unsigned int)seed;
    unsigned int k1 = (unsigned int)(seed >> 32);
    unsigned int counter = (unsigned int)counters[r];
    for (int i = from + threadIdx.x; i < to; i += blockDim.x) {
      unsigned int bits = philox((unsigned int)i, counter, 0u, 0u, k0, k1);
      float u = ((float)(bits >> 8) + 0.5f) * (1.0f / 16777216.0f);
      float gumbel = -logf(-logf(u));
      better(best, bestIdx, row[i] * invT + gumbel, i);
    }
  }
  blockArgmax(best, bestIdx);
  __shared__ int isLast;
  if (threadIdx.x == 0) {
    partBest[(size_t)r * parts + part] = best;
    partIdx[(size_t)r * parts + part] = bestIdx;
    __threadfence();
    int finished = atomicAdd(done + r, 1);
    isLast = finished == parts - 1;
    if (isLast) done[r] = 0;
  }
  __syncthreads();
  if (!isLast) return;
  __threadfence();
  best = -INFINITY;
  bestIdx = 0x7fffffff;
  for (int p = threadIdx.x; p < parts; p += blockDim.x) {
    better(best, bestIdx, __ldcg(partBest + (size_t)r * parts + p),
           __ldcg(partIdx + (size_t)r * parts + p));
  }
  int token = blockArgmax(best, bestIdx);
  if (threadIdx.x == 0) outTokens[r] = token;
}

// ---------------------------------------------------------------------------------------------
// Deterministic uniform fills: u(i) from splitmix64(seed, i) in [0, 1); value (2u - 1) * scale.
__device__ __forceinline__ float uniformAt(unsigned long long seed, unsigned long long i) {
  unsigned long long z = seed + (i + 1ull) * 0x9E3779B97F4A7C15ull;
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
  z ^= z >> 31;
  return (float)(z >> 40) * (1.0f / 16777216.0f);
}

extern "C" __global__ void dense_fill_uniform_bf16(bf16_t* target, long long count,
                                                   long long seed, float scale) {
  for (long long i = blockIdx.x * (long long)blockDim.x + threadIdx.x; i < count;
       i += (long long)gridDim.x * blockDim.x) {
    float u = uniformAt((unsigned long long)seed, (unsigned long long)i);
    target[i] = f32ToBf16((2.0f * u - 1.0f) * scale);
  }
}

extern "C" __global__ void dense_fill_uniform_f32(float* target, long long count, long long seed,
                                                  float scale, float offset) {
  for (long long i = blockIdx.x * (long long)blockDim.x + threadIdx.x; i < count;
       i += (long long)gridDim.x * blockDim.x) {
    float u = uniformAt((unsigned long long)seed, (unsigned long long)i);
    target[i] = offset + (2.0f * u - 1.0f) * scale;
  }
}

extern "C" __global__ void dense_convert_f32_bf16(const float* __restrict__ src,
                                                  bf16_t* __restrict__ dst, long long count) {
  for (long long i = blockIdx.x * (long long)blockDim.x + threadIdx.x; i < count;
       i += (long long)gridDim.x * blockDim.x) {
    dst[i] = f32ToBf16(src[i]);
  }
}

// ---------------------------------------------------------------------------------------------
// Bandwidth probe: every 16-byte chunk is read once (grid-stride, 4 loads in flight per thread);
// the wrapping sum of all 32-bit words is added to sink[0] (unsigned int).
extern "C" __global__ void __launch_bounds__(512)
    dense_read_probe(const uint4* __restrict__ buffer, long long chunks, unsigned int* sink) {
  unsigned int sum = 0;
  long long stride = (long long)gridDim.x * blockDim.x;
  long long i = blockIdx.x * (long long)blockDim.x + threadIdx.x;
  for (; i + 3 * stride < chunks; i += 4 * stride) {
    uint4 a = ldStream(buffer + i);
    uint4 b = ldStream(buffer + i + stride);
    uint4 c = ldStream(buffer + i + 2 * stride);
    uint4 d = ldStream(buffer + i + 3 * stride);
    sum += a.x + a.y + a.z + a.w + b.x + b.y + b.z + b.w + c.x + c.y + c.z + c.w + d.x + d.y +
           d.z + d.w;
  }
  for (; i < chunks; i += stride) {
    uint4 a = ldStream(buffer + i);
    sum += a.x + a.y + a.z + a.w;
  }
#pragma unroll
  for (int o = 16; o > 0; o >>= 1) sum += __shfl_xor_sync(0xffffffffu, sum, o);
  if ((threadIdx.x & 31) == 0) atomicAdd(sink, sum);
}
