// Attention kernels of the Gearbox CUDA backend (launched by AttentionKernels.java): RoPE + paged
// KV store, split-K decode attention (flash-decoding; the last split block combines), and tiled
// causal prefill attention. KV pages are bf16: page p starts at p * pageStride;
// K [pageTokens][kvHeads][headDim], then V the same. qkv rows are
// [q heads*hd | k kvHeads*hd | v kvHeads*hd] in f32.
#include "common.cuh"

// Element offset in the KV pool of K[position][kv head 0][0] for (slot, position).
__device__ __forceinline__ size_t kvOffset(const int* __restrict__ pageTable, int slot, int pos,
                                           int pageTokens, int tableStride, int tableBase,
                                           int ringPages, long long pageStride, int kvDim) {
  int lp = pos / pageTokens;
  if (ringPages > 0) lp %= ringPages;
  int page = pageTable[(size_t)slot * tableStride + tableBase + lp];
  return (size_t)page * (size_t)pageStride + (size_t)(pos % pageTokens) * kvDim;
}

// ---------------------------------------------------------------------------------------------
// ropeStore: per row (grid x = segment entry), one warp per head: optional per-head RMSNorm of
// q and k, rotate-half RoPE (angle = position * invFreq[i] in f32, cos/sin in double like the
// CPU reference), rotated q written back into qkv, rotated k and v stored as bf16 in the page.
// Each lane reads and writes only its own (i, i + half) pairs. grid (rows, blocks per row),
// block 256; head dim <= 256.
extern "C" __global__ void __launch_bounds__(256)
    attn_rope_store(float* qkv, int rows, const int* __restrict__ seg,
                    const int* __restrict__ slots, const int* __restrict__ positions,
                    const float* __restrict__ invFreq, const float* __restrict__ qNorm,
                    const float* __restrict__ kNorm, float normEps, bf16_t* kvPool,
                    const int* __restrict__ pageTable, int heads, int kvHeads, int headDim,
                    int pageTokens, int tableStride, int tableBase, int ringPages,
                    long long pageStride) {
  int count = seg ? min(seg[0], rows) : rows;
  if ((int)blockIdx.x >= count) return;
  int row = segRow(seg, blockIdx.x);
  int kvDim = kvHeads * headDim;
  float* base = qkv + (size_t)row * (heads * headDim + 2 * kvDim);
  int pos = positions[row];
  size_t kOff = kvOffset(pageTable, slots[row], pos, pageTokens, tableStride, tableBase,
                         ringPages, pageStride, kvDim);
  bf16_t* kDst = kvPool + kOff;
  bf16_t* vDst = kDst + (size_t)pageTokens * kvDim;
  int warp = threadIdx.x >> 5;
  int lane = threadIdx.x & 31;
  int warps = blockDim.x >> 5;
  int half = headDim / 2;
  // cos/sin of this row's position, once per block (double precision, like the reference, is
  // slow: computing it once per frequency instead of once per head keeps it off the path).
  __shared__ float cosS[128];
  __shared__ float sinS[128];
  for (int i = threadIdx.x; i < half; i += blockDim.x) {
    float angle = (float)pos * invFreq[i];
    cosS[i] = (float)cos((double)angle);
    sinS[i] = (float)sin((double)angle);
  }
  __syncthreads();
  // The heads (q, then k, then v) are spread over gridDim.y blocks of warps.
  for (int h = warp + warps * blockIdx.y; h < heads + 2 * kvHeads; h += warps * gridDim.y) {
    float* src = base + (size_t)h * headDim;
    if (h >= heads + kvHeads) {
      bf16_t* dst = vDst + (size_t)(h - heads - kvHeads) * headDim;
      for (int i = lane; i < headDim; i += 32) dst[i] = f32ToBf16(src[i]);
      continue;
    }
    bool isQ = h < heads;
    const float* norm = isQ ? qNorm : kNorm;
    float scale = 1.f;
    if (norm) {
      float sum = 0.f;
      for (int i = lane; i < half; i += 32) {
        float a = src[i];
        float b = src[i + half];
        sum += a * a + b * b;
      }
      sum = warpSum(sum);
      scale = 1.0f / sqrtf(sum / (float)headDim + normEps);
    }
    bf16_t* kHead = kDst + (size_t)(h - heads) * headDim;
    for (int i = lane; i < half; i += 32) {
      float x1 = src[i];
      float x2 = src[i + half];
      if (norm) {
        x1 = norm[i] * (x1 * scale);
        x2 = norm[i + half] * (x2 * scale);
      }
      float c = cosS[i];
      float s = sinS[i];
      float r1 = x1 * c - x2 * s;
      float r2 = x2 * c + x1 * s;
      if (isQ) {
        src[i] = r1;
        src[i + half] = r2;
      } else {
        kHead[i] = f32ToBf16(r1);
        kHead[i + half] = f32ToBf16(r2);
      }
    }
  }
}

// ---------------------------------------------------------------------------------------------
// Decode attention, split-K: block (segment entry, kv head, split) handles the G = heads/kvHeads
// query heads of one KV head over its split's chunk of keys, 32 keys per tile staged in shared
// memory with 16-byte loads, online softmax in fp32. A row's span is cut into chunks of
// ceil(span / splits) keys rounded up to whole 32-key tiles, so short spans use fewer splits of
// full tiles and the splits past the span end are empty (m = -inf, l = 0, O = 0). The next
// tile's K/V loads are issued into registers before the current tile is computed.
// splits == 1 writes out directly; otherwise partial = int counters [DEC_COUNTERS] (zero
// between launches, index row * kvHeads + kv head), then O [rows][heads][splits][hd]
// (unnormalized), then (m, l) [rows][heads][splits][2], and the last split block of each
// (row, kv head) combines them into out (no separate combine launch).
// Each thread owns output items tid + 128 j (j < 32) of the G x hd block: G * hd <= 4096.
// grid (rows, kvHeads, splits), block 128, dynamic shared memory decodeSharedBytes (host).
#define DEC_THREADS 128
#define DEC_TILE 32
// 16-byte K (and V) loads per thread per tile, head dim <= 256.
#define DEC_MAX_SPLITS 256
#define DEC_MIN_CHUNK 128
#define DEC_COMBINE_WEIGHTS 1024  // per-(head, split) weights staged by the combining block
#define DEC_COUNTERS 4096  // rows * kvHeads of a split launch (AttentionKernels.SPLIT_COUNTERS)

// DEC_ITEMS: output items per thread (>= group * headDim / 128); DEC_LOADS: 16-byte K (and V)
// loads per thread per tile (>= headDim / 32). Both are compile-time so the accumulators and the
// prefetched tile stay in registers sized to the shape: sized for the largest shape, they held
// occupancy to 4 blocks of 4 warps per SM, too few warps to keep KV reads in flight.
template <int DEC_ITEMS, int DEC_LOADS>
__device__ __forceinline__ void attnDecode(const float* __restrict__ qkv, float* __restrict__ out, int rows,
                const int* __restrict__ seg, const int* __restrict__ slots,
                const int* __restrict__ positions, const bf16_t* __restrict__ kvPool,
                const int* __restrict__ pageTable, int heads, int kvHeads, int headDim,
                int window, int pageTokens, int tableStride, int tableBase, int ringPages,
                long long pageStride, float* __restrict__ partial, int splits) {
  extern __shared__ __align__(16) unsigned char smem[];
  int count = seg ? min(seg[0], rows) : rows;
  if ((int)blockIdx.x >= count) return;
  int row = segRow(seg, blockIdx.x);
  int kh = blockIdx.y;
  int split = blockIdx.z;
  int group = heads / kvHeads;
  int kvDim = kvHeads * headDim;
  int items = group * headDim;
  int kStride = headDim + 8;
  float* qs = reinterpret_cast<float*>(smem);          // [group][hd], pre-scaled
  float* sc = qs + items;                               // [group][DEC_TILE] scores / weights
  float* mS = sc + group * DEC_TILE;                    // running max per head
  float* lS = mS + group;                               // running sum per head
  float* cS = lS + group;                               // this tile's correction per head
  size_t floatsBytes = ((size_t)(items + group * DEC_TILE + 3 * group) * 4 + 15) & ~(size_t)15;
  bf16_t* ks = reinterpret_cast<bf16_t*>(smem + floatsBytes);  // [DEC_TILE][hd + 8]
  bf16_t* vs = ks + DEC_TILE * kStride;                         // [DEC_TILE][hd]

  int tid = threadIdx.x;
  int warp = tid >> 5;
  int lane = tid & 31;
  int pos = positions[row];
  int slot = slots[row];
  int first = window > 0 ? max(0, pos - window + 1) : 0;
  int span = pos - first + 1;
  // At least DEC_MIN_CHUNK keys per split: at short context a few splits of several tiles (the
  // next tile's loads overlap the current one's math) beat many one-tile splits, whose combine
  // then has fewer partials to gather.
  int chunk = (max((span + splits - 1) / splits, DEC_MIN_CHUNK) + DEC_TILE - 1) / DEC_TILE * DEC_TILE;
  int start = first + split * chunk;
  int end = min(start + chunk, pos + 1);  // start >= end: an empty split
  float scale = 1.0f / sqrtf((float)headDim);

  const float* q = qkv + (size_t)row * (heads * headDim + 2 * kvDim) + (size_t)kh * items;
  for (int i = tid; i < items; i += DEC_THREADS) qs[i] = q[i] * scale;
  if (tid < group) {
    mS[tid] = -INFINITY;
    lS[tid] = 0.f;
  }
  float acc[DEC_ITEMS];
#pragma unroll
  for (int j = 0; j < DEC_ITEMS; j++) acc[j] = 0.f;
  __syncthreads();

  int rowChunks = headDim >> 3;
  int tileChunks = DEC_TILE * rowChunks;
  uint4 kReg[DEC_LOADS];
  uint4 vReg[DEC_LOADS];
  // Issues the loads of the tile at t0 into kReg/vReg (zeros past `end`).
  auto loadTile = [&](int t0) {
#pragma unroll
    for (int l = 0; l < DEC_LOADS; l++) {
      int idx = tid + DEC_THREADS * l;
      kReg[l] = make_uint4(0u, 0u, 0u, 0u);
      vReg[l] = kReg[l];
      int t = idx / rowChunks;
      int p = t0 + t;
      if (idx < tileChunks && p < end) {
        int c = idx - t * rowChunks;
        size_t off = kvOffset(pageTable, slot, p, pageTokens, tableStride, tableBase, ringPages,
                              pageStride, kvDim) +
                     (size_t)kh * headDim + c * 8;
        kReg[l] = ldStream(reinterpret_cast<const uint4*>(kvPool + off));
        vReg[l] =
            ldStream(reinterpret_cast<const uint4*>(kvPool + off + (size_t)pageTokens * kvDim));
      }
    }
  };
  if (start < end) loadTile(start);
  for (int t0 = start; t0 < end; t0 += DEC_TILE) {
#pragma unroll
    for (int l = 0; l < DEC_LOADS; l++) {
      int idx = tid + DEC_THREADS * l;
      if (idx < tileChunks) {
        int t = idx / rowChunks;
        int c = idx - t * rowChunks;
        *reinterpret_cast<uint4*>(ks + t * kStride + c * 8) = kReg[l];
        *reinterpret_cast<uint4*>(vs + t * headDim + c * 8) = vReg[l];
      }
    }
    __syncthreads();
    // The next tile's loads stay in flight while this one is computed.
    if (t0 + DEC_TILE < end) loadTile(t0 + DEC_TILE);
    for (int idx = tid; idx < group * DEC_TILE; idx += DEC_THREADS) {
      int g = idx / DEC_TILE;
      int t = idx - g * DEC_TILE;
      float s = -INFINITY;
      if (t0 + t < end) {
        const float* qg = qs + g * headDim;
        const bf16_t* kt = ks + t * kStride;
        s = 0.f;
        for (int c = 0; c < rowChunks; c++) {
          uint4 k = *reinterpret_cast<const uint4*>(kt + c * 8);
          float4 a = *reinterpret_cast<const float4*>(qg + c * 8);
          float4 b = *reinterpret_cast<const float4*>(qg + c * 8 + 4);
          s = fmaf(a.x, bf16Lo(k.x), s);
          s = fmaf(a.y, bf16Hi(k.x), s);
          s = fmaf(a.z, bf16Lo(k.y), s);
          s = fmaf(a.w, bf16Hi(k.y), s);
          s = fmaf(b.x, bf16Lo(k.z), s);
          s = fmaf(b.y, bf16Hi(k.z), s);
          s = fmaf(b.z, bf16Lo(k.w), s);
          s = fmaf(b.w, bf16Hi(k.w), s);
        }
      }
      sc[idx] = s;
    }
    __syncthreads();
    // Online softmax, one warp per head: key t0 is always valid, so the tile max is finite.
    for (int g = warp; g < group; g += DEC_THREADS / 32) {
      float s = sc[g * DEC_TILE + lane];
      float mOld = mS[g];
      float mNew = fmaxf(mOld, warpMax(s));
      float p = s == -INFINITY ? 0.f : expf(s - mNew);
      float sum = warpSum(p);
      sc[g * DEC_TILE + lane] = p;
      if (lane == 0) {
        float corr = expf(mOld - mNew);
        mS[g] = mNew;
        lS[g] = lS[g] * corr + sum;
        cS[g] = corr;
      }
    }
    __syncthreads();
#pragma unroll
    for (int j = 0; j < DEC_ITEMS; j++) {
      int item = tid + DEC_THREADS * j;
      if (item < items) {
        int g = item / headDim;
        int d = item - g * headDim;
        const float* w = sc + g * DEC_TILE;
        float a = acc[j] * cS[g];
        for (int t = 0; t < DEC_TILE; t++) a = fmaf(w[t], bf16ToF32(vs[t * headDim + d]), a);
        acc[j] = a;
      }
    }
    __syncthreads();
  }

  size_t headBase = (size_t)row * heads + (size_t)kh * group;  // (row, first head of the group)
  if (splits == 1) {
    float* o = out + headBase * headDim;
#pragma unroll
    for (int j = 0; j < DEC_ITEMS; j++) {
      int item = tid + DEC_THREADS * j;
      if (item < items) o[item] = acc[j] / lS[item / headDim];
    }
    return;
  }
  float* data = partial + DEC_COUNTERS;
  float* mlAll = data + (size_t)rows * heads * splits * headDim;
#pragma unroll
  for (int j = 0; j < DEC_ITEMS; j++) {
    int item = tid + DEC_THREADS * j;
    if (item < items) {
      int g = item / headDim;
      int d = item - g * headDim;
      data[((headBase + g) * splits + split) * headDim + d] = acc[j];
    }
  }
  if (tid < group) {
    float* ml = mlAll + ((headBase + tid) * splits + split) * 2;
    ml[0] = mS[tid];
    ml[1] = lS[tid];
  }
  // The last of the (row, kv head)'s split blocks to finish combines all of them (threadfence
  // reduction) and resets the counter for the next launch.
  __shared__ int isLast;
  __threadfence();
  __syncthreads();
  if (tid == 0) {
    int* counter = reinterpret_cast<int*>(partial) + (size_t)row * kvHeads + kh;
    int done = atomicAdd(counter, 1);
    isLast = done == splits - 1;
    if (isLast) *counter = 0;
  }
  __syncthreads();
  if (!isLast) return;
  __threadfence();
  // out = sum_s O_s e^(m_s - M) / sum_s l_s e^(m_s - M), M = max_s m_s; empty splits carry
  // m = -inf, l = 0 (weight 0) and are skipped. Other blocks' data is read from L2 (ld.cg).
  // The splits holding keys are a prefix: 0 .. active - 1 (later ones start past the position).
  int active = min(splits, (span + chunk - 1) / chunk);
  __shared__ float wS[DEC_COMBINE_WEIGHTS];
  __shared__ float invS[32];
  // Heads are combined in batches whose weights fit in wS; within a batch every thread owns
  // (head, d) items and gathers the active splits' partial outputs with independent loads.
  int perBatch = max(1, min(group, min(32, DEC_COMBINE_WEIGHTS / active)));
  for (int g0 = 0; g0 < group; g0 += perBatch) {
    int gn = min(perBatch, group - g0);
    // One warp per head: max of m over the splits, weights e^(m_s - M), l = sum l_s w_s.
    for (int gl = warp; gl < gn; gl += DEC_THREADS / 32) {
      const float* ml = mlAll + (headBase + g0 + gl) * splits * 2;
      float m = -INFINITY;
      for (int s = lane; s < active; s += 32) m = fmaxf(m, __ldcg(ml + 2 * s));
      m = warpMax(m);
      float l = 0.f;
      for (int s = lane; s < active; s += 32) {
        float ms = __ldcg(ml + 2 * s);
        float w = ms == -INFINITY ? 0.f : expf(ms - m);
        wS[gl * active + s] = w;
        l += __ldcg(ml + 2 * s + 1) * w;
      }
      l = warpSum(l);
      if (lane == 0) invS[gl] = 1.0f / l;
    }
    __syncthreads();
    for (int item = tid; item < gn * headDim; item += DEC_THREADS) {
      int gl = item / headDim;
      int d = item - gl * headDim;
      size_t head = headBase + g0 + gl;
      const float* o = data + head * splits * headDim + d;
      const float* w = wS + gl * active;
      float v0 = 0.f, v1 = 0.f, v2 = 0.f, v3 = 0.f;
      int s = 0;
      for (; s + 3 < active; s += 4) {
        v0 = fmaf(__ldcg(o + (size_t)s * headDim), w[s], v0);
        v1 = fmaf(__ldcg(o + (size_t)(s + 1) * headDim), w[s + 1], v1);
        v2 = fmaf(__ldcg(o + (size_t)(s + 2) * headDim), w[s + 2], v2);
        v3 = fmaf(__ldcg(o + (size_t)(s + 3) * headDim), w[s + 3], v3);
      }
      for (; s < active; s++) v0 = fmaf(__ldcg(o + (size_t)s * headDim), w[s], v0);
      out[head * headDim + d] = ((v0 + v1) + (v2 + v3)) * invS[gl];
    }
    __syncthreads();  // wS and invS are reused by the next batch of heads
  }
}

#define ATTN_DECODE(I, L, B)                                                                   \
  extern "C" __global__ void __launch_bounds__(DEC_THREADS, B)                                 \
      attn_decode_i##I##_l##L(const float* __restrict__ qkv, float* __restrict__ out, int rows, \
                              const int* __restrict__ seg, const int* __restrict__ slots,      \
                              const int* __restrict__ positions,                               \
                              const bf16_t* __restrict__ kvPool,                               \
                              const int* __restrict__ pageTable, int heads, int kvHeads,       \
                              int headDim, int window, int pageTokens, int tableStride,        \
                              int tableBase, int ringPages, long long pageStride,              \
                              float* __restrict__ partial, int splits) {                       \
    attnDecode<I, L>(qkv, out, rows, seg, slots, positions, kvPool, pageTable, heads, kvHeads,  \
                     headDim, window, pageTokens, tableStride, tableBase, ringPages,            \
                     pageStride, partial, splits);                                             \
  }
// attn_decode_i{items per thread}_l{loads per thread}: AttentionKernels.decodeKernel picks one.
ATTN_DECODE(1, 2, 8)
ATTN_DECODE(2, 2, 8)
ATTN_DECODE(4, 2, 8)
ATTN_DECODE(8, 2, 6)
ATTN_DECODE(16, 2, 4)
ATTN_DECODE(32, 2, 4)
ATTN_DECODE(1, 4, 8)
ATTN_DECODE(2, 4, 8)
ATTN_DECODE(4, 4, 8)
ATTN_DECODE(8, 4, 6)
ATTN_DECODE(16, 4, 4)
ATTN_DECODE(32, 4, 4)
ATTN_DECODE(2, 8, 6)
ATTN_DECODE(4, 8, 6)
ATTN_DECODE(8, 8, 4)
ATTN_DECODE(16, 8, 4)
ATTN_DECODE(32, 8, 4)

// ---------------------------------------------------------------------------------------------
// Prefill attention: rows are consecutive positions firstPosition.. of one slot. Block (query
// tile of 64, head) walks 64-key tiles from the tile's first visible key to its last query's
// position; scores, online softmax and the output accumulate in shared memory in fp32.
// grid (ceil(rows / 64), heads), block 256, dynamic shared memory prefillSharedBytes (host).
#define PF_Q 64
#define PF_K 64
#define PF_SP 65  // padded score row

extern "C" __global__ void __launch_bounds__(256)
    attn_prefill(const float* __restrict__ qkv, float* __restrict__ out, int rows, int slot,
                 int firstPosition, const bf16_t* __restrict__ kvPool,
                 const int* __restrict__ pageTable, int heads, int kvHeads, int headDim,
                 int window, int pageTokens, int tableStride, int tableBase, int ringPages,
                 long long pageStride) {
  extern __shared__ __align__(16) unsigned char smem[];
  int q0 = blockIdx.x * PF_Q;
  if (q0 >= rows) return;
  int h = blockIdx.y;
  int kh = h / (heads / kvHeads);
  int kvDim = kvHeads * headDim;
  int rowWidth = heads * headDim + 2 * kvDim;
  int kStride = headDim + 8;
  float* qs = reinterpret_cast<float*>(smem);  // [PF_Q][hd], pre-scaled
  float* os = qs + PF_Q * headDim;              // [PF_Q][hd]
  float* sc = os + PF_Q * headDim;              // [PF_Q][PF_SP]
  float* mS = sc + PF_Q * PF_SP;
  float* lS = mS + PF_Q;
  float* cS = lS + PF_Q;
  bf16_t* ks = reinterpret_cast<bf16_t*>(cS + PF_Q);  // [PF_K][hd + 8]
  bf16_t* vs = ks + PF_K * kStride;                    // [PF_K][hd]

  int tid = threadIdx.x;
  int warp = tid >> 5;
  int lane = tid & 31;
  float scale = 1.0f / sqrtf((float)headDim);
  int p0 = firstPosition + q0;
  int qLast = min(q0 + PF_Q, rows) - 1;
  int hi = firstPosition + qLast;
  int lo = window > 0 ? max(0, p0 - window + 1) : 0;

  for (int idx = tid; idx < PF_Q * headDim; idx += 256) {
    int qi = idx / headDim;
    int d = idx - qi * headDim;
    qs[idx] = q0 + qi < rows ? qkv[(size_t)(q0 + qi) * rowWidth + h * headDim + d] * scale : 0.f;
    os[idx] = 0.f;
  }
  if (tid < PF_Q) {
    mS[tid] = -INFINITY;
    lS[tid] = 0.f;
  }
  __syncthreads();

  int rowChunks = headDim >> 3;
  for (int kt = lo; kt <= hi; kt += PF_K) {
    for (int idx = tid; idx < PF_K * rowChunks; idx += 256) {
      int t = idx / rowChunks;
      int c = idx - t * rowChunks;
      int p = kt + t;
      uint4 kv = make_uint4(0u, 0u, 0u, 0u);
      uint4 vv = kv;
      if (p <= hi) {
        size_t off = kvOffset(pageTable, slot, p, pageTokens, tableStride, tableBase, ringPages,
                              pageStride, kvDim) +
                     (size_t)kh * headDim + c * 8;
        kv = ldStream(reinterpret_cast<const uint4*>(kvPool + off));
        vv = ldStream(reinterpret_cast<const uint4*>(kvPool + off + (size_t)pageTokens * kvDim));
      }
      *reinterpret_cast<uint4*>(ks + t * kStride + c * 8) = kv;
      *reinterpret_cast<uint4*>(vs + t * headDim + c * 8) = vv;
    }
    __syncthreads();
    for (int idx = tid; idx < PF_Q * PF_K; idx += 256) {
      int qi = idx / PF_K;
      int t = idx - qi * PF_K;
      int qPos = p0 + qi;
      int p = kt + t;
      bool visible = q0 + qi < rows && p <= qPos && (window <= 0 || p > qPos - window);
      float s = -INFINITY;
      if (visible) {
        const float* qv = qs + qi * headDim;
        const bf16_t* kv = ks + t * kStride;
        s = 0.f;
        for (int c = 0; c < rowChunks; c++) {
          uint4 k = *reinterpret_cast<const uint4*>(kv + c * 8);
          float4 a = *reinterpret_cast<const float4*>(qv + c * 8);
          float4 b = *reinterpret_cast<const float4*>(qv + c * 8 + 4);
          s = fmaf(a.x, bf16Lo(k.x), s);
          s = fmaf(a.y, bf16Hi(k.x), s);
          s = fmaf(a.z, bf16Lo(k.y), s);
          s = fmaf(a.w, bf16Hi(k.y), s);
          s = fmaf(b.x, bf16Lo(k.z), s);
          s = fmaf(b.y, bf16Hi(k.z), s);
          s = fmaf(b.z, bf16Lo(k.w), s);
          s = fmaf(b.w, bf16Hi(k.w), s);
        }
      }
      sc[qi * PF_SP + t] = s;
    }
    __syncthreads();
    for (int qi = warp; qi < PF_Q; qi += 8) {
      float s0 = sc[qi * PF_SP + lane];
      float s1 = sc[qi * PF_SP + lane + 32];
      float mOld = mS[qi];
      float mNew = fmaxf(mOld, warpMax(fmaxf(s0, s1)));
      float e0 = 0.f;
      float e1 = 0.f;
      float corr = 1.f;
      if (mNew != -INFINITY) {
        e0 = s0 == -INFINITY ? 0.f : expf(s0 - mNew);
        e1 = s1 == -INFINITY ? 0.f : expf(s1 - mNew);
        corr = expf(mOld - mNew);
      }
      float sum = warpSum(e0 + e1);
      sc[qi * PF_SP + lane] = e0;
      sc[qi * PF_SP + lane + 32] = e1;
      if (lane == 0) {
        mS[qi] = mNew;
        lS[qi] = lS[qi] * corr + sum;
        cS[qi] = corr;
      }
    }
    __syncthreads();
    {
      int qi = tid >> 2;
      const float* w = sc + qi * PF_SP;
      float corr = cS[qi];
      for (int c = tid & 3; c < rowChunks; c += 4) {
        float* o = os + qi * headDim + c * 8;
        float a[8];
#pragma unroll
        for (int e = 0; e < 8; e++) a[e] = o[e] * corr;
        for (int t = 0; t < PF_K; t++) {
          float wt = w[t];
          uint4 v = *reinterpret_cast<const uint4*>(vs + t * headDim + c * 8);
          a[0] = fmaf(wt, bf16Lo(v.x), a[0]);
          a[1] = fmaf(wt, bf16Hi(v.x), a[1]);
          a[2] = fmaf(wt, bf16Lo(v.y), a[2]);
          a[3] = fmaf(wt, bf16Hi(v.y), a[3]);
          a[4] = fmaf(wt, bf16Lo(v.z), a[4]);
          a[5] = fmaf(wt, bf16Hi(v.z), a[5]);
          a[6] = fmaf(wt, bf16Lo(v.w), a[6]);
          a[7] = fmaf(wt, bf16Hi(v.w), a[7]);
        }
#pragma unroll
        for (int e = 0; e < 8; e++) o[e] = a[e];
      }
    }
    __syncthreads();
  }
  for (int idx = tid; idx < PF_Q * headDim; idx += 256) {
    int qi = idx / headDim;
    int d = idx - qi * headDim;
    if (q0 + qi < rows) {
      out[(size_t)(q0 + qi) * heads * headDim + (size_t)h * headDim + d] = os[idx] / lS[qi];
    }
  }
}
