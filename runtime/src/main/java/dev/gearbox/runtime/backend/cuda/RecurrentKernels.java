package dev.gearbox.runtime.backend.cuda;

import jcuda.driver.CUdeviceptr;

/**
 * Launchers of the recurrent mixer kernels ({@code recurrent.cu}): Gated DeltaNet, Kimi Delta
 * Attention and Mamba-1, each the CPU mixer's {@code forward} minus its projections.
 *
 * <p>{@code sequential == true} (prefill): {@code seg} must be null; rows are consecutive tokens of
 * {@code slots[0]}'s sequence, processed in order with the state held on chip. {@code sequential ==
 * false} (decode): every row is its own sequence ({@code slots[row]}), restricted to {@code seg}
 * ({@code seg[0]} = count, then ascending row indices; null = all rows); rows outside it and their
 * states are not touched. Every method launches on {@link CudaContext#stream()}: the step kernel
 * (reads the conv state; GDN and KDA split each head's value columns over blocks of {@link
 * #DELTA_COLUMNS} so that decode at small batch still fills the GPU), {@code delta_gated_norm}
 * (GDN/KDA when a head was split: the gated RMSNorm over its columns) and {@code
 * recurrent_conv_shift} (writes each conv channel's state once). All read {@code seg} on the
 * device only, so they can be captured in a CUDA graph.
 *
 * <p>States are fp32 per slot: {@code recurrent + slot * recurrentFloats(shape)} and {@code conv +
 * slot * convFloats(shape)}, conv state {@code [channel][K-1]}, oldest input first.
 */
public final class RecurrentKernels {
  /** Most threads of a delta-rule block (recurrent.cu kDeltaThreads). */
  static final int DELTA_THREADS = 512;

  /** Columns of a head one delta-rule block owns when the value head dim splits evenly. */
  static final int DELTA_COLUMNS = 32;

  /** State rows one delta-rule thread keeps in registers (recurrent.cu kMaxRowsPerThread). */
  static final int MAX_ROWS_PER_THREAD = 32;

  /** Largest key or value head dimension (recurrent.cu kMaxDim). */
  static final int MAX_HEAD_DIM = 512;

  /** Largest conv kernel (recurrent.cu kMaxConvHistory + 1). */
  static final int MAX_CONV_KERNEL = 9;

  /** Most rows per call (rows index grid.y of the decode and norm launches). */
  static final int MAX_ROWS = 65535;

  private static final int MAMBA_THREADS = 256;
  private static final int SHIFT_THREADS = 256;

  /** Gated DeltaNet dimensions; value heads are a multiple of key heads. */
  public record GdnShape(
      int valueHeads, int keyHeads, int keyHeadDim, int valueHeadDim, int convKernel,
      float normEps) {
    int keyDim() {
      return keyHeads * keyHeadDim;
    }

    int valueDim() {
      return valueHeads * valueHeadDim;
    }

    int convDim() {
      return 2 * keyDim() + valueDim();
    }
  }

  /** Kimi Delta Attention dimensions; the state of a head is headDim x headDim. */
  public record KdaShape(
      int heads, int headDim, int convKernel, float normEps, boolean sigmoidOutputGate) {
    int proj() {
      return heads * headDim;
    }
  }

  /** Mamba-1 (Mamba-in-Llama) dimensions; x and B have dXb channels, repeated to dInner. */
  public record MambaShape(
      int dInner, int dState, int dXb, int dConv, boolean repeatKvBeforeConv) {
    int convChannels() {
      return repeatKvBeforeConv ? dInner : dXb;
    }
  }

  private final CudaContext ctx;

  public RecurrentKernels(CudaContext ctx) {
    this.ctx = ctx;
  }

  /** Recurrent state floats per slot: {@code [valueHeads][dk][dv]}. */
  public static long recurrentFloats(GdnShape shape) {
    return (long) shape.valueHeads() * shape.keyHeadDim() * shape.valueHeadDim();
  }

  /** Conv state floats per slot: {@code [2*keyDim + valueDim][K-1]}. */
  public static long convFloats(GdnShape shape) {
    return (long) shape.convDim() * (shape.convKernel() - 1);
  }

  /** Recurrent state floats per slot: {@code [heads][hd][hd]}. */
  public static long recurrentFloats(KdaShape shape) {
    return (long) shape.heads() * shape.headDim() * shape.headDim();
  }

  /** Conv state floats per slot: {@code [3 (q, k, v)][heads*hd][K-1]}. */
  public static long convFloats(KdaShape shape) {
    return 3L * shape.proj() * (shape.convKernel() - 1);
  }

  /** Recurrent state floats per slot: {@code [dInner][dState]}. */
  public static long recurrentFloats(MambaShape shape) {
    return (long) shape.dInner() * shape.dState();
  }

  /** Conv state floats per slot: {@code [convChannels][dConv-1]}. */
  public static long convFloats(MambaShape shape) {
    return (long) shape.convChannels() * (shape.dConv() - 1);
  }

  /**
   * GatedDeltaNetMixer.forward minus the projections: causal conv (+SiLU) over the q|k|v channels,
   * L2-normalized q and k per key head, decay {@code exp(-exp(aLog) * softplus(alpha + dtBias))},
   * {@code beta = sigmoid(b)}, delta rule, {@code o = S^T q / sqrt(dk)}, gated RMSNorm times
   * SiLU(z). {@code qkvz} and {@code ba} are only read.
   */
  public void gdn(
      CUdeviceptr qkvz,
      CUdeviceptr ba,
      CUdeviceptr core,
      int rows,
      CUdeviceptr seg,
      CUdeviceptr slots,
      boolean sequential,
      CUdeviceptr convWeight,
      CUdeviceptr dtBias,
      CUdeviceptr aLog,
      CUdeviceptr normWeight,
      CUdeviceptr recurrent,
      CUdeviceptr conv,
      GdnShape shape) {
    RecurrentShapes.validate(shape);
    validateRows(rows, seg, sequential);
    Check.notNull("qkvz", qkvz);
    Check.notNull("ba", ba);
    Check.notNull("core", core);
    Check.notNull("slots", slots);
    Check.notNull("convWeight", convWeight);
    Check.notNull("dtBias", dtBias);
    Check.notNull("aLog", aLog);
    Check.notNull("normWeight", normWeight);
    Check.notNull("recurrent", recurrent);
    Check.notNull("conv", conv);
    if (rows == 0) {
      return;
    }
    int gridY = sequential ? 1 : rows;
    int columns = deltaColumns(shape.valueHeadDim());
    int chunks = shape.valueHeadDim() / columns;
    ctx.launch(
        "gdn_step",
        shape.valueHeads() * chunks,
        gridY,
        1,
        deltaThreads(shape.keyHeadDim(), columns),
        0,
        qkvz,
        ba,
        core,
        rows,
        seg,
        slots,
        flag(sequential),
        convWeight,
        dtBias,
        aLog,
        normWeight,
        recurrent,
        conv,
        shape.valueHeads(),
        shape.keyHeads(),
        shape.keyHeadDim(),
        shape.valueHeadDim(),
        shape.convKernel(),
        shape.normEps(),
        columns);
    long width = 2L * shape.keyDim() + 2L * shape.valueDim();
    if (chunks > 1) {
      gatedNorm(core, rows, seg, sequential, shape.valueHeads(), shape.valueHeadDim(), normWeight,
          shape.normEps(), qkvz, width, 2 * shape.keyDim() + shape.valueDim(), false);
    }
    shift(qkvz, null, null, 1, width, 0, shape.convDim(), 0, 1, conv, convFloats(shape), 0,
        shape.convKernel(), rows, seg, slots, sequential);
  }

  /**
   * KimiDeltaMixer.forward minus the projections ({@code proj = heads*headDim}): q, k, v each
   * through its own causal conv + SiLU (conv state banks q, k, v), per-channel decay {@code
   * exp(-exp(aLog[h]) * softplus(decay + dtBias))}, {@code beta = sigmoid(beta)}, delta rule,
   * RMSNorm gated by sigmoid or SiLU of {@code gate}. Inputs are only read.
   */
  public void kda(
      CUdeviceptr q,
      CUdeviceptr k,
      CUdeviceptr v,
      CUdeviceptr decay,
      CUdeviceptr gate,
      CUdeviceptr beta,
      CUdeviceptr core,
      int rows,
      CUdeviceptr seg,
      CUdeviceptr slots,
      boolean sequential,
      CUdeviceptr qConv,
      CUdeviceptr kConv,
      CUdeviceptr vConv,
      CUdeviceptr aLog,
      CUdeviceptr dtBias,
      CUdeviceptr normWeight,
      CUdeviceptr recurrent,
      CUdeviceptr conv,
      KdaShape shape) {
    RecurrentShapes.validate(shape);
    validateRows(rows, seg, sequential);
    Check.notNull("q", q);
    Check.notNull("k", k);
    Check.notNull("v", v);
    Check.notNull("decay", decay);
    Check.notNull("gate", gate);
    Check.notNull("beta", beta);
    Check.notNull("core", core);
    Check.notNull("slots", slots);
    Check.notNull("qConv", qConv);
    Check.notNull("kConv", kConv);
    Check.notNull("vConv", vConv);
    Check.notNull("aLog", aLog);
    Check.notNull("dtBias", dtBias);
    Check.notNull("normWeight", normWeight);
    Check.notNull("recurrent", recurrent);
    Check.notNull("conv", conv);
    if (rows == 0) {
      return;
    }
    int columns = deltaColumns(shape.headDim());
    int chunks = shape.headDim() / columns;
    ctx.launch(
        "kda_step",
        shape.heads() * chunks,
        sequential ? 1 : rows,
        1,
        deltaThreads(shape.headDim(), columns),
        0,
        q,
        k,
        v,
        decay,
        gate,
        beta,
        core,
        rows,
        seg,
        slots,
        flag(sequential),
        qConv,
        kConv,
        vConv,
        aLog,
        dtBias,
        normWeight,
        recurrent,
        conv,
        shape.heads(),
        shape.headDim(),
        shape.convKernel(),
        shape.normEps(),
        flag(shape.sigmoidOutputGate()),
        columns);
    if (chunks > 1) {
      gatedNorm(core, rows, seg, sequential, shape.heads(), shape.headDim(), normWeight,
          shape.normEps(), gate, shape.proj(), 0, shape.sigmoidOutputGate());
    }
    long bank = (long) shape.proj() * (shape.convKernel() - 1);
    shift(q, k, v, 3, shape.proj(), 0, shape.proj(), 0, 1, conv, convFloats(shape), bank,
        shape.convKernel(), rows, seg, slots, sequential);
  }

  /**
   * MambaMixer.forward minus the projections: causal conv (+bias, SiLU) of x (repeated to dInner
   * before or after the conv), {@code delta = softplus(dt + dtBias)}, selective scan {@code h =
   * exp(delta A) h + delta u B}, {@code y = (C.h + D u) * silu(z)}. Inputs are only read.
   */
  public void mamba(
      CUdeviceptr zxbc,
      CUdeviceptr dt,
      CUdeviceptr y,
      int rows,
      CUdeviceptr seg,
      CUdeviceptr slots,
      boolean sequential,
      CUdeviceptr convWeight,
      CUdeviceptr convBias,
      CUdeviceptr aNeg,
      CUdeviceptr d,
      CUdeviceptr dtBias,
      CUdeviceptr recurrent,
      CUdeviceptr conv,
      MambaShape shape) {
    RecurrentShapes.validate(shape);
    validateRows(rows, seg, sequential);
    Check.notNull("zxbc", zxbc);
    Check.notNull("dt", dt);
    Check.notNull("y", y);
    Check.notNull("slots", slots);
    Check.notNull("convWeight", convWeight);
    Check.notNull("aNeg", aNeg);
    Check.notNull("d", d);
    Check.notNull("dtBias", dtBias);
    Check.notNull("recurrent", recurrent);
    Check.notNull("conv", conv);
    if (rows == 0) {
      return;
    }
    int lanes = Math.min(shape.dState(), 32);
    int channelsPerBlock = MAMBA_THREADS / lanes;
    ctx.launch(
        "mamba_step",
        ceilDiv(shape.dInner(), channelsPerBlock),
        sequential ? 1 : rows,
        1,
        MAMBA_THREADS,
        0,
        zxbc,
        dt,
        y,
        rows,
        seg,
        slots,
        flag(sequential),
        convWeight,
        convBias,
        aNeg,
        d,
        dtBias,
        recurrent,
        conv,
        shape.dInner(),
        shape.dState(),
        shape.dXb(),
        shape.dConv(),
        flag(shape.repeatKvBeforeConv()));
    long width = 2L * shape.dXb() + 2L * shape.dInner();
    int repeatGroup = (shape.dInner() / shape.dState()) / (shape.dXb() / shape.dState());
    shift(zxbc, null, null, 1, width, shape.dInner(), shape.convChannels(),
        shape.repeatKvBeforeConv() ? shape.dState() : 0, repeatGroup, conv, convFloats(shape), 0,
        shape.dConv(), rows, seg, slots, sequential);
  }

  private void gatedNorm(
      CUdeviceptr core,
      int rows,
      CUdeviceptr seg,
      boolean sequential,
      int heads,
      int dv,
      CUdeviceptr normWeight,
      float eps,
      CUdeviceptr gateSource,
      long gateStride,
      int gateOffset,
      boolean sigmoidGate) {
    ctx.launch(
        "delta_gated_norm",
        heads,
        rows,
        1,
        256,
        0,
        core,
        rows,
        seg,
        flag(sequential),
        heads,
        dv,
        normWeight,
        eps,
        gateSource,
        gateStride,
        gateOffset,
        flag(sigmoidGate));
  }

  /** Value columns of a head one delta-rule block owns (all of them when dv is not 32k). */
  static int deltaColumns(int dv) {
    return dv % DELTA_COLUMNS == 0 ? DELTA_COLUMNS : dv;
  }

  /**
   * Threads of a delta-rule block owning {@code columns} columns of a dk-row state: enough row
   * groups that each thread keeps at most {@link #MAX_ROWS_PER_THREAD} rows, rounded to warps.
   */
  static int deltaThreads(int dk, int columns) {
    int groups = ceilDiv(dk, MAX_ROWS_PER_THREAD);
    return ceilDiv(groups * columns, 32) * 32;
  }

  private void shift(
      CUdeviceptr x0,
      CUdeviceptr x1,
      CUdeviceptr x2,
      int banks,
      long xStride,
      int xOffset,
      int channels,
      int mapDState,
      int mapGroup,
      CUdeviceptr conv,
      long slotFloats,
      long bankFloats,
      int kernel,
      int rows,
      CUdeviceptr seg,
      CUdeviceptr slots,
      boolean sequential) {
    if (kernel <= 1) {
      return;  // no history to keep
    }
    ctx.launch(
        "recurrent_conv_shift",
        ceilDiv(channels, SHIFT_THREADS),
        sequential ? 1 : rows,
        banks,
        SHIFT_THREADS,
        0,
        x0,
        x1,
        x2,
        xStride,
        xOffset,
        channels,
        mapDState,
        mapGroup,
        conv,
        slotFloats,
        bankFloats,
        kernel,
        rows,
        seg,
        slots,
        flag(sequential));
  }

  /** Checks rows and the seg/sequential combination. */
  static void validateRows(int rows, CUdeviceptr seg, boolean sequential) {
    if (rows < 0 || rows > MAX_ROWS) {
      throw new IllegalArgumentException("rows " + rows + " must be in 0.." + MAX_ROWS);
    }
    if (sequential && seg != null) {
      throw new IllegalArgumentException("seg must be null when sequential (prefill of one slot)");
    }
  }

  private static int flag(boolean value) {
    return value ? 1 : 0;
  }

  private static int ceilDiv(int a, int b) {
    return (a + b - 1) / b;
  }
}
