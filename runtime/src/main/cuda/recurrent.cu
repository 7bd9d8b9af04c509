// Recurrent mixers (Gated DeltaNet, Kimi Delta Attention, Mamba-1) minus their projections, fp32.
// The math is the CPU backend's (GatedDeltaNetMixer, KimiDeltaMixer, MambaMixer, Ops) op for op.
//
// Modes: sequential != 0 (prefill): one sequence (slot slots[0]) whose rows 0..rows-1 are
// consecutive tokens; each block keeps its slice of the recurrent state in registers across the
// rows and loads/stores it once. sequential == 0 (decode): every row is its own sequence (slot
// slots[row]), restricted to seg (seg[0] = count, seg[1..] = rows; null = all rows).
//
// Causal conv: the step kernels compute the conv output from the OLD conv state (and, when
// sequential, the earlier rows of the input) without writing it, so that conv channels shared by
// several blocks (GDN q/k channels read by every value head of a key head, Mamba x channels shared
// by repeated channels) are read consistently; recurrent_conv_shift then shifts each channel's new
// inputs into the conv state exactly once. Conv state per channel: the last K-1 inputs, oldest
// first.
//
// Delta rule (GDN, KDA): a block owns `columns` value columns of one head (32, or all dv when dv
// is not a multiple of 32) and all dk rows of them; thread (group p, column j) keeps rows
// p, p + groups, ... of column j in registers, so S^T k and S^T q need only a per-column sum over
// the row groups in shared memory and the state is read once and written once, coalesced. When a
// head spans several blocks, delta_gated_norm applies the gated RMSNorm afterwards.
#include <cstdint>

namespace {

constexpr int kDeltaThreads = 512;  // most threads of a delta-rule block
constexpr int kMaxRowsPerThread = 32;  // state rows one delta-rule thread keeps in registers
constexpr int kMaxDim = 512;  // largest dk / dv a delta-rule block supports
constexpr int kMaxConvHistory = 8;  // largest K - 1
constexpr int kMambaThreads = 256;
constexpr int kMambaMaxStatesPerThread = 8;  // dState <= 256

__device__ __forceinline__ float silu_f(float x) { return x / (1.0f + expf(-x)); }

__device__ __forceinline__ float sigmoid_f(float x) { return 1.0f / (1.0f + expf(-x)); }

// PyTorch softplus, beta 1, threshold 20.
__device__ __forceinline__ float softplus_f(float x) { return x > 20.0f ? x : log1pf(expf(x)); }

// The row a decode block (blockIdx.y) works on, or -1 when it has none.
__device__ __forceinline__ int decode_row(const int* seg, int y, int rows) {
  if (seg == nullptr) {
    return y < rows ? y : -1;
  }
  return y < seg[0] ? seg[1 + y] : -1;
}

// Sum over the block; every thread gets the total (same order everywhere: deterministic).
// All threads must call it. scratch: 32 floats of shared memory.
__device__ float block_sum(float v, float* scratch) {
  for (int o = 16; o > 0; o >>= 1) {
    v += __shfl_xor_sync(0xffffffffu, v, o);
  }
  __syncthreads();  // earlier readers of scratch are done
  if ((threadIdx.x & 31) == 0) {
    scratch[threadIdx.x >> 5] = v;
  }
  __syncthreads();
  float total = 0.0f;
  int warps = (blockDim.x + 31) >> 5;
  for (int w = 0; w < warps; w++) {
    total += scratch[w];
  }
  return total;
}

// Block sums of two values at once (one pair of barriers); same contract as block_sum.
// scratch: 64 floats of shared memory.
__device__ float2 block_sum2(float a, float b, float* scratch) {
  for (int o = 16; o > 0; o >>= 1) {
    a += __shfl_xor_sync(0xffffffffu, a, o);
    b += __shfl_xor_sync(0xffffffffu, b, o);
  }
  __syncthreads();
  if ((threadIdx.x & 31) == 0) {
    scratch[threadIdx.x >> 5] = a;
    scratch[32 + (threadIdx.x >> 5)] = b;
  }
  __syncthreads();
  float2 total = make_float2(0.0f, 0.0f);
  int warps = (blockDim.x + 31) >> 5;
  for (int w = 0; w < warps; w++) {
    total.x += scratch[w];
    total.y += scratch[32 + w];
  }
  return total;
}

// SiLU of one causal-conv output: channel `channel` (weight row, conv history `hist`) at row `t`
// of a sequence starting at row `first` (t == first in decode). Input of row r is
// x[r * xStride + xCol]; inputs before `first` come from the history (oldest first).
// Same accumulation order as Ops.causalConvStep.
__device__ __forceinline__ float conv_silu(const float* x, long long xStride, int xCol, int t,
                                           int first, const float* hist, const float* weight,
                                           float bias, int kernel) {
  int history = kernel - 1;
  float acc = bias;
  for (int j = 0; j < history; j++) {
    int rel = (t - first) - history + j;
    float input = rel < 0 ? hist[rel + history] : x[(long long)(first + rel) * xStride + xCol];
    acc += weight[j] * input;
  }
  acc += weight[history] * x[(long long)t * xStride + xCol];
  return silu_f(acc);
}

// Shared-memory working set of one delta-rule block for one row.
struct DeltaShared {
  float q[kMaxDim];      // conv'd (normalized on use)
  float k[kMaxDim];      // conv'd (normalized on use)
  float v[kMaxDim];      // conv'd, this block's columns only
  float decay[kMaxDim];  // multiplier of state row i
  float ku[kDeltaThreads];  // per row group partial sums of S^T k
  float o[kDeltaThreads];   // per row group partial sums of S^T q
  float scratch[64];
};

// Scales of one row: q -> (q * qScale) * queryScale, k -> k * kScale (CPU op order).
struct QkScales {
  float q;
  float query;
  float k;
};

// Thread layout of a delta-rule block: the block owns columns [chunk * width, +width) of a
// dk x dv state (one chunk = all dv columns when the norm is fused). Thread tid: local column
// tid % width, row group p = tid / width (groups = blockDim / width); it keeps state rows
// p + groups * r for r < mine (mine = 0 for threads past groups * width).
struct DeltaLayout {
  int local;   // column within the chunk
  int column;  // column within the head
  int width;   // columns per chunk
  int group;
  int groups;
  int mine;
  bool active;
};

__device__ __forceinline__ DeltaLayout delta_layout(int dk, int width, int chunk) {
  DeltaLayout l;
  l.width = width;
  l.groups = blockDim.x / width;
  l.local = threadIdx.x % width;
  l.column = chunk * width + l.local;
  l.group = threadIdx.x / width;
  l.active = l.group < l.groups;
  l.mine = l.active ? (dk - l.group + l.groups - 1) / l.groups : 0;
  return l;
}

__device__ __forceinline__ void load_state(float (&s)[kMaxRowsPerThread], const float* state,
                                           const DeltaLayout& l, int dk, int dv) {
  const float* base = state + (size_t)l.group * dv + l.column;
  size_t stride = (size_t)l.groups * dv;
#pragma unroll
  for (int r = 0; r < kMaxRowsPerThread; r++) {
    s[r] = r < l.mine ? base[r * stride] : 0.0f;
  }
}

__device__ __forceinline__ void store_state(const float (&s)[kMaxRowsPerThread], float* state,
                                            const DeltaLayout& l, int dk, int dv) {
  float* base = state + (size_t)l.group * dv + l.column;
  size_t stride = (size_t)l.groups * dv;
#pragma unroll
  for (int r = 0; r < kMaxRowsPerThread; r++) {
    if (r < l.mine) {
      base[r * stride] = s[r];
    }
  }
}

// Sum of `partial[g * width + local]` over the row groups, in group order.
__device__ __forceinline__ float column_total(const float* partial, const DeltaLayout& l) {
  float total = 0.0f;
  if (l.active) {
    for (int g = 0; g < l.groups; g++) {
      total += partial[g * l.width + l.local];
    }
  }
  return total;
}

// One delta-rule step on the register state with sh.q/k/v/decay filled (and synced):
// S = diag(decay) S; u = beta (v - S^T k); S += k u^T; returns o_j = (S^T q)_j for this thread's
// column; when the block owns all dv columns (fuseNorm) RMS-normalized over them times
// normWeight[j]; valid where l.active. q and k are L2-normalized on use with the scales sc.
__device__ __forceinline__ float delta_step(float (&s)[kMaxRowsPerThread], DeltaShared& sh,
                                            const DeltaLayout& l, int dk, int dv, float beta,
                                            QkScales sc, bool fuseNorm, const float* normWeight,
                                            float eps) {
  float ku = 0.0f;
#pragma unroll
  for (int r = 0; r < kMaxRowsPerThread; r++) {
    if (r < l.mine) {
      int i = l.group + l.groups * r;
      s[r] *= sh.decay[i];
      ku += (sh.k[i] * sc.k) * s[r];
    }
  }
  if (l.active) {
    sh.ku[l.group * l.width + l.local] = ku;
  }
  __syncthreads();
  float u = l.active ? beta * (sh.v[l.local] - column_total(sh.ku, l)) : 0.0f;
  float o = 0.0f;
#pragma unroll
  for (int r = 0; r < kMaxRowsPerThread; r++) {
    if (r < l.mine) {
      int i = l.group + l.groups * r;
      s[r] += (sh.k[i] * sc.k) * u;
      o += ((sh.q[i] * sc.q) * sc.query) * s[r];
    }
  }
  if (l.active) {
    sh.o[l.group * l.width + l.local] = o;
  }
  __syncthreads();
  o = column_total(sh.o, l);
  if (!fuseNorm) {
    return o;
  }
  float sumSquares = block_sum(l.active && l.group == 0 ? o * o : 0.0f, sh.scratch);
  float scale = 1.0f / sqrtf(sumSquares / (float)dv + eps);
  return l.active ? normWeight[l.column] * (o * scale) : 0.0f;
}

// L2 scales of sh.q and sh.k over dk (fla's eps 1e-6 under the root); sh must be synced.
__device__ __forceinline__ QkScales qk_scales(DeltaShared& sh, int dk, float queryScale) {
  float qs = 0.0f;
  float ks = 0.0f;
  for (int i = threadIdx.x; i < dk; i += blockDim.x) {
    qs += sh.q[i] * sh.q[i];
    ks += sh.k[i] * sh.k[i];
  }
  float2 sums = block_sum2(qs, ks, sh.scratch);
  QkScales sc;
  sc.q = 1.0f / sqrtf(sums.x + 1e-6f);
  sc.query = queryScale;
  sc.k = 1.0f / sqrtf(sums.y + 1e-6f);
  return sc;
}

// Hints the next row's inputs into L1 (sequential mode hides their latency behind this row).
__device__ __forceinline__ void prefetch_l1(const float* p) {
  asm volatile("prefetch.global.L1 [%0];" ::"l"(p));
}

}  // namespace

// Gated DeltaNet step. grid (valueHeads * dv / columns, sequential ? 1 : rows), block
// delta_threads (Java: RecurrentKernels.deltaThreads). A block owns `columns` columns of one value
// head; when columns < dv, core gets the raw S^T q and delta_gated_norm finishes it.
// qkvz [rows][2*keyDim + 2*valueDim] (q|k|v|z), ba [rows][2*valueHeads] (b|alpha),
// core [rows][valueDim], recurrent [slots][valueHeads][dk][dv], conv [slots][convDim][K-1] (read
// only here; recurrent_conv_shift updates it afterwards).
extern "C" __global__ void __launch_bounds__(kDeltaThreads)
    gdn_step(const float* __restrict__ qkvz, const float* __restrict__ ba, float* __restrict__ core,
             int rows, const int* __restrict__ seg, const int* __restrict__ slots, int sequential,
             const float* __restrict__ convWeight, const float* __restrict__ dtBias,
             const float* __restrict__ aLog, const float* __restrict__ normWeight,
             float* __restrict__ recurrent, const float* __restrict__ conv, int valueHeads,
             int keyHeads, int dk, int dv, int kernel, float eps, int columns) {
  __shared__ DeltaShared sh;
  int chunks = dv / columns;
  int h = blockIdx.x / chunks;
  int chunk = blockIdx.x % chunks;
  bool fuseNorm = chunks == 1;
  int first;
  int last;
  int slot;
  if (sequential) {
    first = 0;
    last = rows - 1;
    slot = rows > 0 ? slots[0] : 0;
  } else {
    first = decode_row(seg, blockIdx.y, rows);
    last = first;
    if (first >= 0) {
      slot = slots[first];
    }
  }
  if (first < 0 || last < first) {
    return;
  }
  int keyDim = keyHeads * dk;
  int valueDim = valueHeads * dv;
  int convDim = 2 * keyDim + valueDim;
  long long width = 2LL * keyDim + 2LL * valueDim;
  int history = kernel - 1;
  int kh = h / (valueHeads / keyHeads);
  float queryScale = 1.0f / sqrtf((float)dk);
  double decayRate = exp((double)aLog[h]);
  const float* slotConv = conv + (size_t)slot * convDim * history;
  float* state = recurrent + ((size_t)slot * valueHeads + h) * dk * dv;
  DeltaLayout l = delta_layout(dk, columns, chunk);
  float s[kMaxRowsPerThread];
  load_state(s, state, l, dk, dv);
  for (int t = first; t <= last; t++) {
    __syncthreads();  // previous row's readers of sh are done
    if (t < last) {
      const float* next = qkvz + (size_t)(t + 1) * width;
      for (int i = threadIdx.x; i < dk; i += blockDim.x) {
        prefetch_l1(next + kh * dk + i);
        prefetch_l1(next + keyDim + kh * dk + i);
      }
      for (int j = threadIdx.x; j < columns; j += blockDim.x) {
        int column = h * dv + chunk * columns + j;
        prefetch_l1(next + 2 * keyDim + column);
        prefetch_l1(next + 2 * keyDim + valueDim + column);
      }
      if (threadIdx.x == 0) {
        prefetch_l1(ba + (size_t)(t + 1) * 2 * valueHeads + h);
        prefetch_l1(ba + (size_t)(t + 1) * 2 * valueHeads + valueHeads + h);
      }
    }
    for (int i = threadIdx.x; i < dk; i += blockDim.x) {
      int qc = kh * dk + i;
      int kc = keyDim + kh * dk + i;
      sh.q[i] = conv_silu(qkvz, width, qc, t, first, slotConv + (size_t)qc * history,
                          convWeight + (size_t)qc * kernel, 0.0f, kernel);
      sh.k[i] = conv_silu(qkvz, width, kc, t, first, slotConv + (size_t)kc * history,
                          convWeight + (size_t)kc * kernel, 0.0f, kernel);
    }
    for (int j = threadIdx.x; j < columns; j += blockDim.x) {
      int vc = 2 * keyDim + h * dv + chunk * columns + j;
      sh.v[j] = conv_silu(qkvz, width, vc, t, first, slotConv + (size_t)vc * history,
                          convWeight + (size_t)vc * kernel, 0.0f, kernel);
    }
    float beta = sigmoid_f(ba[(size_t)t * 2 * valueHeads + h]);
    float alpha = ba[(size_t)t * 2 * valueHeads + valueHeads + h];
    float decay = (float)exp(-decayRate * (double)softplus_f(alpha + dtBias[h]));
    for (int i = threadIdx.x; i < dk; i += blockDim.x) {
      sh.decay[i] = decay;
    }
    __syncthreads();
    QkScales sc = qk_scales(sh, dk, queryScale);
    float o = delta_step(s, sh, l, dk, dv, beta, sc, fuseNorm, normWeight, eps);
    if (l.active && l.group == 0) {
      if (fuseNorm) {
        o *= silu_f(qkvz[(size_t)t * width + 2 * keyDim + valueDim + h * dv + l.column]);
      }
      core[(size_t)t * valueDim + h * dv + l.column] = o;
    }
  }
  store_state(s, state, l, dk, dv);
}

// Kimi Delta Attention step. grid (heads * hd / columns, sequential ? 1 : rows), block
// delta_threads; columns as in gdn_step (delta_gated_norm finishes when columns < hd).
// q, k, v, decay, gate [rows][proj] (proj = heads*hd), beta [rows][heads], core [rows][proj],
// recurrent [slots][heads][hd][hd], conv [slots][3][proj][K-1] (q, k, v banks; read only here).
extern "C" __global__ void __launch_bounds__(kDeltaThreads)
    kda_step(const float* __restrict__ q, const float* __restrict__ k, const float* __restrict__ v,
             const float* __restrict__ decayIn, const float* __restrict__ gate,
             const float* __restrict__ betaIn, float* __restrict__ core, int rows,
             const int* __restrict__ seg, const int* __restrict__ slots, int sequential,
             const float* __restrict__ qConv, const float* __restrict__ kConv,
             const float* __restrict__ vConv, const float* __restrict__ aLog,
             const float* __restrict__ dtBias, const float* __restrict__ normWeight,
             float* __restrict__ recurrent, const float* __restrict__ conv, int heads, int hd,
             int kernel, float eps, int sigmoidOutputGate, int columns) {
  __shared__ DeltaShared sh;
  int chunks = hd / columns;
  int h = blockIdx.x / chunks;
  int chunk = blockIdx.x % chunks;
  bool fuseNorm = chunks == 1;
  int first;
  int last;
  int slot;
  if (sequential) {
    first = 0;
    last = rows - 1;
    slot = rows > 0 ? slots[0] : 0;
  } else {
    first = decode_row(seg, blockIdx.y, rows);
    last = first;
    if (first >= 0) {
      slot = slots[first];
    }
  }
  if (first < 0 || last < first) {
    return;
  }
  int proj = heads * hd;
  int history = kernel - 1;
  size_t bank = (size_t)proj * history;
  float queryScale = 1.0f / sqrtf((float)hd);
  float decayRate = expf(aLog[h]);
  const float* slotConv = conv + (size_t)slot * 3 * bank;
  float* state = recurrent + ((size_t)slot * heads + h) * hd * hd;
  DeltaLayout l = delta_layout(hd, columns, chunk);
  float s[kMaxRowsPerThread];
  load_state(s, state, l, hd, hd);
  for (int t = first; t <= last; t++) {
    __syncthreads();
    if (t < last) {
      size_t next = (size_t)(t + 1) * proj;
      for (int i = threadIdx.x; i < hd; i += blockDim.x) {
        size_t at = next + h * hd + i;
        prefetch_l1(q + at);
        prefetch_l1(k + at);
        prefetch_l1(v + at);
        prefetch_l1(decayIn + at);
        prefetch_l1(gate + at);
      }
      if (threadIdx.x == 0) {
        prefetch_l1(betaIn + (size_t)(t + 1) * heads + h);
      }
    }
    for (int j = threadIdx.x; j < columns; j += blockDim.x) {
      int c = h * hd + chunk * columns + j;
      sh.v[j] = conv_silu(v, proj, c, t, first, slotConv + 2 * bank + (size_t)c * history,
                          vConv + (size_t)c * kernel, 0.0f, kernel);
    }
    for (int i = threadIdx.x; i < hd; i += blockDim.x) {
      int c = h * hd + i;
      sh.q[i] = conv_silu(q, proj, c, t, first, slotConv + (size_t)c * history,
                          qConv + (size_t)c * kernel, 0.0f, kernel);
      sh.k[i] = conv_silu(k, proj, c, t, first, slotConv + bank + (size_t)c * history,
                          kConv + (size_t)c * kernel, 0.0f, kernel);
      float g = -decayRate * softplus_f(decayIn[(size_t)t * proj + c] + dtBias[c]);
      sh.decay[i] = expf(g);
    }
    float beta = sigmoid_f(betaIn[(size_t)t * heads + h]);
    __syncthreads();
    QkScales sc = qk_scales(sh, hd, queryScale);
    float o = delta_step(s, sh, l, hd, hd, beta, sc, fuseNorm, normWeight, eps);
    if (l.active && l.group == 0) {
      if (fuseNorm) {
        float g = gate[(size_t)t * proj + h * hd + l.column];
        o *= sigmoidOutputGate ? sigmoid_f(g) : silu_f(g);
      }
      core[(size_t)t * proj + h * hd + l.column] = o;
    }
  }
  store_state(s, state, l, hd, hd);
}

// Gated RMSNorm of the delta-rule outputs when the step kernel split a head's columns over
// blocks: core[row][h*dv + j] = normWeight[j] * (o_j / sqrt(mean(o^2) + eps)) * act(g_j) with
// g_j = gateSource[row * gateStride + gateOffset + h*dv + j], act = sigmoid or SiLU. grid (heads,
// rows), block 256; rows as in the step kernels (all rows when sequential, else seg).
extern "C" __global__ void __launch_bounds__(256)
    delta_gated_norm(float* __restrict__ core, int rows, const int* __restrict__ seg,
                     int sequential, int heads, int dv, const float* __restrict__ normWeight,
                     float eps, const float* __restrict__ gateSource, long long gateStride,
                     int gateOffset, int sigmoidGate) {
  __shared__ float scratch[32];
  int row = sequential ? (int)blockIdx.y : decode_row(seg, blockIdx.y, rows);
  if (row < 0 || row >= rows) {
    return;
  }
  int h = blockIdx.x;
  float* o = core + (size_t)row * heads * dv + (size_t)h * dv;
  const float* g = gateSource + (size_t)row * gateStride + gateOffset + (size_t)h * dv;
  float sumSquares = 0.0f;
  for (int j = threadIdx.x; j < dv; j += blockDim.x) {
    sumSquares += o[j] * o[j];
  }
  sumSquares = block_sum(sumSquares, scratch);
  float scale = 1.0f / sqrtf(sumSquares / (float)dv + eps);
  for (int j = threadIdx.x; j < dv; j += blockDim.x) {
    float gate = sigmoidGate ? sigmoid_f(g[j]) : silu_f(g[j]);
    o[j] = normWeight[j] * (o[j] * scale) * gate;
  }
}

// Mamba-1 (Mamba-in-Llama) step. Threads: groups of G = min(dState, 32) lanes per channel, each
// lane holding states lane + G*m (m < dState/G); grid (ceil(dInner / (256/G)), sequential ? 1 :
// rows), block 256. zxbc [rows][2*dXb + 2*dInner] = z|x|B|C, dt [rows][dInner], y [rows][dInner],
// aNeg [dInner][dState], recurrent [slots][dInner][dState], conv [slots][convChannels][K-1]
// (convChannels = repeatKvBeforeConv ? dInner : dXb; read only here).
extern "C" __global__ void __launch_bounds__(kMambaThreads)
    mamba_step(const float* __restrict__ zxbc, const float* __restrict__ dt, float* __restrict__ y,
               int rows, const int* __restrict__ seg, const int* __restrict__ slots,
               int sequential, const float* __restrict__ convWeight,
               const float* __restrict__ convBias, const float* __restrict__ aNeg,
               const float* __restrict__ d, const float* __restrict__ dtBias,
               float* __restrict__ recurrent, const float* __restrict__ conv, int dInner,
               int dState, int dXb, int kernel, int repeatKvBeforeConv) {
  int first;
  int last;
  int slot;
  if (sequential) {
    first = 0;
    last = rows - 1;
    slot = rows > 0 ? slots[0] : 0;
  } else {
    first = decode_row(seg, blockIdx.y, rows);
    last = first;
    if (first >= 0) {
      slot = slots[first];
    }
  }
  if (first < 0 || last < first) {
    return;  // uniform over the block
  }
  int lanes = dState < 32 ? dState : 32;
  int perLane = dState / lanes;
  int lane = threadIdx.x % lanes;
  int c = blockIdx.x * (blockDim.x / lanes) + threadIdx.x / lanes;
  bool active = c < dInner;  // whole lane groups are active or not
  int cc = active ? c : 0;
  int repeatGroup = (dInner / dState) / (dXb / dState);
  int head = cc / dState;
  int source = (head / repeatGroup) * dState + cc % dState;  // x/B channel in d_xb space
  int convChannel = repeatKvBeforeConv ? cc : source;
  int convChannels = repeatKvBeforeConv ? dInner : dXb;
  int history = kernel - 1;
  long long width = 2LL * dXb + 2LL * dInner;
  int xOff = dInner;
  int bOff = dInner + dXb + (head / repeatGroup) * dState;
  int cOff = dInner + 2 * dXb + head * dState;
  const float* hist = conv + ((size_t)slot * convChannels + convChannel) * history;
  const float* w = convWeight + (size_t)convChannel * kernel;
  float bias = convBias == nullptr ? 0.0f : convBias[convChannel];
  float* state = recurrent + ((size_t)slot * dInner + cc) * dState;
  float hs[kMambaMaxStatesPerThread];
  float a[kMambaMaxStatesPerThread];
#pragma unroll
  for (int m = 0; m < kMambaMaxStatesPerThread; m++) {
    bool mine = active && m < perLane;
    hs[m] = mine ? state[lane + lanes * m] : 0.0f;
    a[m] = mine ? aNeg[(size_t)cc * dState + lane + lanes * m] : 0.0f;
  }
  float dc = d[cc];
  float bc = dtBias[cc];
  for (int t = first; t <= last; t++) {
    const float* row = zxbc + (size_t)t * width;
    if (t < last && active) {
      const float* next = row + width;
      prefetch_l1(next + cc);
      prefetch_l1(next + xOff + source);
      prefetch_l1(dt + (size_t)(t + 1) * dInner + cc);
      for (int m = 0; m < perLane; m++) {
        prefetch_l1(next + bOff + lane + lanes * m);
        prefetch_l1(next + cOff + lane + lanes * m);
      }
    }
    float u =
        active ? conv_silu(zxbc, width, xOff + source, t, first, hist, w, bias, kernel) : 0.0f;
    float delta = softplus_f(dt[(size_t)t * dInner + cc] + bc);
    float deltaU = delta * u;
    float partial = 0.0f;
#pragma unroll
    for (int m = 0; m < kMambaMaxStatesPerThread; m++) {
      if (active && m < perLane) {
        int n = lane + lanes * m;
        float next = expf(delta * a[m]) * hs[m] + deltaU * row[bOff + n];
        hs[m] = next;
        partial += next * row[cOff + n];
      }
    }
    for (int o = lanes >> 1; o > 0; o >>= 1) {
      partial += __shfl_xor_sync(0xffffffffu, partial, o);
    }
    if (active && lane == 0) {
      float acc = partial + dc * u;
      y[(size_t)t * dInner + c] = acc * silu_f(row[c]);
    }
  }
#pragma unroll
  for (int m = 0; m < kMambaMaxStatesPerThread; m++) {
    if (active && m < perLane) {
      state[lane + lanes * m] = hs[m];
    }
  }
}

// Shifts the new inputs of each conv channel into its conv state (after the step kernel used the
// old state). grid (ceil(channels/256), sequential ? 1 : rows, banks), block 256. Bank b reads
// input xb (b = 0, 1, 2 -> x0, x1, x2) [rows][xStride] at column xOffset + inputChannel(c) and
// owns conv + b * bankFloats (+ slot * slotFloats) as [channels][K-1]. inputChannel(c) = c, or
// with mapDState > 0 Mamba's repeat map ((c / mapDState) / mapGroup) * mapDState + c % mapDState.
extern "C" __global__ void __launch_bounds__(256)
    recurrent_conv_shift(const float* __restrict__ x0, const float* __restrict__ x1,
                         const float* __restrict__ x2, long long xStride, int xOffset,
                         int channels, int mapDState, int mapGroup, float* __restrict__ conv,
                         long long slotFloats, long long bankFloats, int kernel, int rows,
                         const int* __restrict__ seg, const int* __restrict__ slots,
                         int sequential) {
  int c = blockIdx.x * blockDim.x + threadIdx.x;
  int first;
  int count;
  int slot;
  if (sequential) {
    first = 0;
    count = rows;
    slot = rows > 0 ? slots[0] : 0;
  } else {
    first = decode_row(seg, blockIdx.y, rows);
    count = 1;
    if (first >= 0) {
      slot = slots[first];
    }
  }
  if (first < 0 || count <= 0 || c >= channels) {
    return;
  }
  const float* x = blockIdx.z == 0 ? x0 : (blockIdx.z == 1 ? x1 : x2);
  int history = kernel - 1;
  int input = mapDState > 0 ? ((c / mapDState) / mapGroup) * mapDState + c % mapDState : c;
  float* hist = conv + (size_t)slot * slotFloats + blockIdx.z * bankFloats + (size_t)c * history;
  float old[kMaxConvHistory];
#pragma unroll
  for (int m = 0; m < kMaxConvHistory; m++) {
    old[m] = m < history ? hist[m] : 0.0f;
  }
#pragma unroll
  for (int m = 0; m < kMaxConvHistory; m++) {
    if (m < history) {
      int rel = count - history + m;  // row (relative to first) whose input lands in slot m
      float value = 0.0f;
      if (rel < 0) {
#pragma unroll
        for (int o = 0; o < kMaxConvHistory; o++) {
          if (o == rel + history) {
            value = old[o];  // register select, no local-memory indexing
          }
        }
      } else {
        value = x[(long long)(first + rel) * xStride + xOffset + input];
      }
      hist[m] = value;
    }
  }
}
