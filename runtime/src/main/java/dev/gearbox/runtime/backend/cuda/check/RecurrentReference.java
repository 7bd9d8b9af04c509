package dev.gearbox.runtime.backend.cuda.check;

import dev.gearbox.runtime.backend.cuda.CudaContext;
import dev.gearbox.runtime.backend.cuda.RecurrentKernels;
import dev.gearbox.runtime.backend.cuda.RecurrentKernels.GdnShape;
import dev.gearbox.runtime.backend.cuda.RecurrentKernels.KdaShape;
import dev.gearbox.runtime.backend.cuda.RecurrentKernels.MambaShape;
import java.util.Random;
import jcuda.driver.CUdeviceptr;

/**
 * Plain float ports of the CPU mixers' per-row loops (GatedDeltaNetMixer, KimiDeltaMixer,
 * MambaMixer and their Ops), with random weights kept on the host and on the device, for {@link
 * RecurrentKernelsCheck}.
 */
final class RecurrentReference {
  private RecurrentReference() {}

  /** One mixer under test: its weights, its inputs, the GPU launch and the reference step. */
  interface Mixer {
    String name();

    long recurrentFloats();

    long convFloats();

    /** Floats per row of each input, in launch order. */
    int[] inputWidths();

    float[] randomInput(int index, int rows, Random random);

    int outWidth();

    void upload(CudaContext ctx);

    void launch(RecurrentKernels kernels, CUdeviceptr[] inputs, CUdeviceptr out, int rows,
        CUdeviceptr seg, CUdeviceptr slots, boolean sequential, CUdeviceptr rec, CUdeviceptr conv);

    /** Advances the slot's states by input row {@code row} and writes its output at outOff. */
    void step(float[][] inputs, int row, float[] rec, int recOff, float[] conv, int convOff,
        float[] out, int outOff);
  }

  /** Gated DeltaNet (GatedDeltaNetMixer.forward minus the projections). */
  static final class Gdn implements Mixer {
    private final GdnShape shape;
    private final float[] convWeight;
    private final float[] dtBias;
    private final float[] aLog;
    private final float[] normWeight;
    private final CUdeviceptr[] device = new CUdeviceptr[4];
    private final int keyDim;
    private final int valueDim;
    private final int convDim;

    Gdn(GdnShape shape, Random random) {
      this.shape = shape;
      this.keyDim = shape.keyHeads() * shape.keyHeadDim();
      this.valueDim = shape.valueHeads() * shape.valueHeadDim();
      this.convDim = 2 * keyDim + valueDim;
      this.convWeight = uniform(random, convDim * shape.convKernel(), 0.5f, 0f);
      this.dtBias = uniform(random, shape.valueHeads(), 1f, 0f);
      this.aLog = uniform(random, shape.valueHeads(), 1f, -0.5f);
      this.normWeight = uniform(random, shape.valueHeadDim(), 0.2f, 1f);
    }

    @Override
    public String name() {
      return "gdn[" + shape.valueHeads() + "v" + shape.keyHeads() + "k," + shape.keyHeadDim()
          + "x" + shape.valueHeadDim() + ",K" + shape.convKernel() + "]";
    }

    @Override
    public long recurrentFloats() {
      return RecurrentKernels.recurrentFloats(shape);
    }

    @Override
    public long convFloats() {
      return RecurrentKernels.convFloats(shape);
    }

    @Override
    public int[] inputWidths() {
      return new int[] {2 * keyDim + 2 * valueDim, 2 * shape.valueHeads()};
    }

    @Override
    public float[] randomInput(int index, int rows, Random random) {
      return uniform(random, rows * inputWidths()[index], index == 0 ? 1f : 2f, 0f);
    }

    @Override
    public int outWidth() {
      return valueDim;
    }

    @Override
    public void upload(CudaContext ctx) {
      device[0] = put(ctx, convWeight);
      device[1] = put(ctx, dtBias);
      device[2] = put(ctx, aLog);
      device[3] = put(ctx, normWeight);
    }

    @Override
    public void launch(RecurrentKernels kernels, CUdeviceptr[] in, CUdeviceptr out, int rows,
        CUdeviceptr seg, CUdeviceptr slots, boolean sequential, CUdeviceptr rec, CUdeviceptr conv) {
      kernels.gdn(in[0], in[1], out, rows, seg, slots, sequential, device[0], device[1], device[2],
          device[3], rec, conv, shape);
    }

    @Override
    public void step(float[][] inputs, int r, float[] s, int recOff, float[] conv, int convOff,
        float[] core, int outOff) {
      float[] qkvz = inputs[0];
      float[] ba = inputs[1];
      int qkvzDim = 2 * keyDim + 2 * valueDim;
      int valueHeads = shape.valueHeads();
      int dk = shape.keyHeadDim();
      int dv = shape.valueHeadDim();
      int perKey = valueHeads / shape.keyHeads();
      float[] mixed = new float[convDim];
      float[] ku = new float[dv];
      float queryScale = (float) (1.0 / Math.sqrt(dk));
      int row = r * qkvzDim;
      causalConvStep(qkvz, row, conv, convOff, convWeight, null, convDim, shape.convKernel(),
          mixed, 0);
      for (int kh = 0; kh < shape.keyHeads(); kh++) {
        l2Normalize(mixed, kh * dk, dk);
        l2Normalize(mixed, keyDim + kh * dk, dk);
      }
      for (int h = 0; h < valueHeads; h++) {
        int qOff = (h / perKey) * dk;
        int kOff = keyDim + qOff;
        int vOff = 2 * keyDim + h * dv;
        float beta = sigmoid(ba[r * 2 * valueHeads + h]);
        float alpha = ba[r * 2 * valueHeads + valueHeads + h];
        float decay = (float) Math.exp(-Math.exp(aLog[h]) * softplus(alpha + dtBias[h]));
        int sOff = recOff + h * dk * dv;
        for (int i = 0; i < dk * dv; i++) {
          s[sOff + i] *= decay;
        }
        java.util.Arrays.fill(ku, 0f);
        for (int i = 0; i < dk; i++) {
          axpy(ku, 0, mixed[kOff + i], s, sOff + i * dv, dv);
        }
        for (int j = 0; j < dv; j++) {
          ku[j] = beta * (mixed[vOff + j] - ku[j]);
        }
        int oOff = outOff + h * dv;
        java.util.Arrays.fill(core, oOff, oOff + dv, 0f);
        for (int i = 0; i < dk; i++) {
          axpy(s, sOff + i * dv, mixed[kOff + i], ku, 0, dv);
          axpy(core, oOff, mixed[qOff + i] * queryScale, s, sOff + i * dv, dv);
        }
        rmsNorm(core, oOff, normWeight, shape.normEps(), dv);
        int zOff = row + 2 * keyDim + valueDim + h * dv;
        for (int j = 0; j < dv; j++) {
          core[oOff + j] *= silu(qkvz[zOff + j]);
        }
      }
    }
  }

  /** Kimi Delta Attention (KimiDeltaMixer.forward minus the projections). */
  static final class Kda implements Mixer {
    private final KdaShape shape;
    private final int proj;
    private final float[][] convWeights = new float[3][];
    private final float[] aLog;
    private final float[] dtBias;
    private final float[] normWeight;
    private final CUdeviceptr[] device = new CUdeviceptr[6];

    Kda(KdaShape shape, Random random) {
      this.shape = shape;
      this.proj = shape.heads() * shape.headDim();
      for (int b = 0; b < 3; b++) {
        convWeights[b] = uniform(random, proj * shape.convKernel(), 0.5f, 0f);
      }
      this.aLog = uniform(random, shape.heads(), 1f, -0.5f);
      this.dtBias = uniform(random, proj, 1f, 0f);
      this.normWeight = uniform(random, shape.headDim(), 0.2f, 1f);
    }

    @Override
    public String name() {
      return "kda[" + shape.heads() + "h," + shape.headDim() + ",K" + shape.convKernel()
          + (shape.sigmoidOutputGate() ? ",sigmoid" : ",silu") + "]";
    }

    @Override
    public long recurrentFloats() {
      return RecurrentKernels.recurrentFloats(shape);
    }

    @Override
    public long convFloats() {
      return RecurrentKernels.convFloats(shape);
    }

    @Override
    public int[] inputWidths() {
      // q, k, v, decay, gate, beta
      return new int[] {proj, proj, proj, proj, proj, shape.heads()};
    }

    @Override
    public float[] randomInput(int index, int rows, Random random) {
      return uniform(random, rows * inputWidths()[index], index >= 3 ? 2f : 1f, 0f);
    }

    @Override
    public int outWidth() {
      return proj;
    }

    @Override
    public void upload(CudaContext ctx) {
      for (int b = 0; b < 3; b++) {
        device[b] = put(ctx, convWeights[b]);
      }
      device[3] = put(ctx, aLog);
      device[4] = put(ctx, dtBias);
      device[5] = put(ctx, normWeight);
    }

    @Override
    public void launch(RecurrentKernels kernels, CUdeviceptr[] in, CUdeviceptr out, int rows,
        CUdeviceptr seg, CUdeviceptr slots, boolean sequential, CUdeviceptr rec, CUdeviceptr conv) {
      kernels.kda(in[0], in[1], in[2], in[3], in[4], in[5], out, rows, seg, slots, sequential,
          device[0], device[1], device[2], device[3], device[4], device[5], rec, conv, shape);
    }

    @Override
    public void step(float[][] inputs, int r, float[] s, int recOff, float[] conv, int convOff,
        float[] core, int outOff) {
      int heads = shape.heads();
      int hd = shape.headDim();
      int kernel = shape.convKernel();
      int convStride = proj * (kernel - 1);
      float[][] qkv = new float[3][proj];
      for (int b = 0; b < 3; b++) {
        causalConvStep(inputs[b], r * proj, conv, convOff + b * convStride, convWeights[b], null,
            proj, kernel, qkv[b], 0);
      }
      float[] q = qkv[0];
      float[] k = qkv[1];
      float[] v = qkv[2];
      float[] decay = inputs[3];
      float[] gate = inputs[4];
      float[] beta = inputs[5];
      float[] ku = new float[hd];
      float queryScale = (float) (1.0 / Math.sqrt(hd));
      for (int h = 0; h < heads; h++) {
        int off = h * hd;
        l2Normalize(q, off, hd);
        l2Normalize(k, off, hd);
        float b = sigmoid(beta[r * heads + h]);
        float a = (float) Math.exp(aLog[h]);
        int sOff = recOff + h * hd * hd;
        for (int i = 0; i < hd; i++) {
          float g = -a * softplus(decay[r * proj + off + i] + dtBias[h * hd + i]);
          float factor = (float) Math.exp(g);
          for (int j = 0; j < hd; j++) {
            s[sOff + i * hd + j] *= factor;
          }
        }
        java.util.Arrays.fill(ku, 0f);
        for (int i = 0; i < hd; i++) {
          axpy(ku, 0, k[off + i], s, sOff + i * hd, hd);
        }
        for (int j = 0; j < hd; j++) {
          ku[j] = b * (v[off + j] - ku[j]);
        }
        int oOff = outOff + off;
        java.util.Arrays.fill(core, oOff, oOff + hd, 0f);
        for (int i = 0; i < hd; i++) {
          axpy(s, sOff + i * hd, k[off + i], ku, 0, hd);
          axpy(core, oOff, q[off + i] * queryScale, s, sOff + i * hd, hd);
        }
        rmsNorm(core, oOff, normWeight, shape.normEps(), hd);
        for (int j = 0; j < hd; j++) {
          float g = gate[r * proj + off + j];
          core[oOff + j] *= shape.sigmoidOutputGate() ? sigmoid(g) : silu(g);
        }
      }
    }
  }

  /** Mamba-1, Mamba-in-Llama variant (MambaMixer.forward minus the projections). */
  static final class Mamba implements Mixer {
    private final MambaShape shape;
    private final int repeatGroup;
    private final float[] convWeight;
    private final float[] convBias;
    private final float[] aNeg;
    private final float[] d;
    private final float[] dtBias;
    private final CUdeviceptr[] device = new CUdeviceptr[5];

    Mamba(MambaShape shape, boolean withConvBias, Random random) {
      this.shape = shape;
      this.repeatGroup = (shape.dInner() / shape.dState()) / (shape.dXb() / shape.dState());
      int channels = shape.repeatKvBeforeConv() ? shape.dInner() : shape.dXb();
      this.convWeight = uniform(random, channels * shape.dConv(), 0.5f, 0f);
      this.convBias = withConvBias ? uniform(random, channels, 0.5f, 0f) : null;
      this.aNeg = uniform(random, shape.dInner() * shape.dState(), 1f, 0f);
      for (int i = 0; i < aNeg.length; i++) {
        aNeg[i] = (float) -Math.exp(aNeg[i]);
      }
      this.d = uniform(random, shape.dInner(), 1f, 0f);
      this.dtBias = uniform(random, shape.dInner(), 0.5f, 0f);
    }

    @Override
    public String name() {
      return "mamba[" + shape.dInner() + "i," + shape.dState() + "s," + shape.dXb() + "xb,K"
          + shape.dConv() + (shape.repeatKvBeforeConv() ? ",repeatFirst" : ",convFirst")
          + (convBias != null ? ",bias" : "") + "]";
    }

    @Override
    public long recurrentFloats() {
      return RecurrentKernels.recurrentFloats(shape);
    }

    @Override
    public long convFloats() {
      return RecurrentKernels.convFloats(shape);
    }

    @Override
    public int[] inputWidths() {
      return new int[] {2 * shape.dXb() + 2 * shape.dInner(), shape.dInner()};
    }

    @Override
    public float[] randomInput(int index, int rows, Random random) {
      return uniform(random, rows * inputWidths()[index], index == 0 ? 1f : 1.5f,
          index == 0 ? 0f : -0.5f);
    }

    @Override
    public int outWidth() {
      return shape.dInner();
    }

    @Override
    public void upload(CudaContext ctx) {
      device[0] = put(ctx, convWeight);
      device[1] = convBias == null ? null : put(ctx, convBias);
      device[2] = put(ctx, aNeg);
      device[3] = put(ctx, d);
      device[4] = put(ctx, dtBias);
    }

    @Override
    public void launch(RecurrentKernels kernels, CUdeviceptr[] in, CUdeviceptr out, int rows,
        CUdeviceptr seg, CUdeviceptr slots, boolean sequential, CUdeviceptr rec, CUdeviceptr conv) {
      kernels.mamba(in[0], in[1], out, rows, seg, slots, sequential, device[0], device[1],
          device[2], device[3], device[4], rec, conv, shape);
    }

    private int sourceChannel(int c) {
      return ((c / shape.dState()) / repeatGroup) * shape.dState() + c % shape.dState();
    }

    @Override
    public void step(float[][] inputs, int r, float[] h, int recOff, float[] conv, int convOff,
        float[] y, int outOff) {
      float[] zxbc = inputs[0];
      float[] dt = inputs[1];
      int dInner = shape.dInner();
      int dState = shape.dState();
      int dXb = shape.dXb();
      int width = 2 * dXb + 2 * dInner;
      int row = r * width;
      int xOff = row + dInner;
      int bOff = xOff + dXb;
      int cOff = bOff + dXb;
      float[] repeated = new float[dInner];
      float[] u = new float[dInner];
      if (shape.repeatKvBeforeConv()) {
        for (int c = 0; c < dInner; c++) {
          repeated[c] = zxbc[xOff + sourceChannel(c)];
        }
        causalConvStep(repeated, 0, conv, convOff, convWeight, convBias, dInner, shape.dConv(), u,
            0);
      } else {
        causalConvStep(zxbc, xOff, conv, convOff, convWeight, convBias, dXb, shape.dConv(),
            repeated, 0);
        for (int c = 0; c < dInner; c++) {
          u[c] = repeated[sourceChannel(c)];
        }
      }
      for (int c = 0; c < dInner; c++) {
        float delta = softplus(dt[r * dInner + c] + dtBias[c]);
        float uc = u[c];
        int head = c / dState;
        int bBase = bOff + (head / repeatGroup) * dState;
        int cBase = cOff + head * dState;
        int hOff = c * dState;
        float deltaU = delta * uc;
        float acc = 0;
        for (int i = 0; i < dState; i++) {
          float next = (float) Math.exp(delta * aNeg[hOff + i]) * h[recOff + hOff + i]
              + deltaU * zxbc[bBase + i];
          h[recOff + hOff + i] = next;
          acc += next * zxbc[cBase + i];
        }
        acc += d[c] * uc;
        y[outOff + c] = acc * silu(zxbc[row + c]);
      }
    }
  }

  static float[] uniform(Random random, int n, float scale, float offset) {
    float[] values = new float[n];
    for (int i = 0; i < n; i++) {
      values[i] = offset + (random.nextFloat() * 2 - 1) * scale;
    }
    return values;
  }

  private static CUdeviceptr put(CudaContext ctx, float[] values) {
    CUdeviceptr pointer = ctx.alloc((long) values.length * Float.BYTES);
    ctx.upload(pointer, values);
    return pointer;
  }

  // Ops, scalar (the CPU backend's non-SIMD path).

  static void rmsNorm(float[] x, int off, float[] weight, float eps, int n) {
    float sum = 0;
    for (int i = 0; i < n; i++) {
      sum += x[off + i] * x[off + i];
    }
    float scale = (float) (1.0 / Math.sqrt(sum / n + eps));
    for (int i = 0; i < n; i++) {
      x[off + i] = weight[i] * (x[off + i] * scale);
    }
  }

  static void l2Normalize(float[] x, int off, int n) {
    float sum = 0;
    for (int i = 0; i < n; i++) {
      sum += x[off + i] * x[off + i];
    }
    float scale = (float) (1.0 / Math.sqrt(sum + 1e-6));
    for (int i = 0; i < n; i++) {
      x[off + i] *= scale;
    }
  }

  static float silu(float x) {
    return x / (1f + (float) Math.exp(-x));
  }

  static float sigmoid(float x) {
    return 1f / (1f + (float) Math.exp(-x));
  }

  static float softplus(float x) {
    return x > 20f ? x : (float) Math.log1p(Math.exp(x));
  }

  static void axpy(float[] y, int yOff, float a, float[] x, int xOff, int n) {
    for (int i = 0; i < n; i++) {
      y[yOff + i] += a * x[xOff + i];
    }
  }

  /** Ops.causalConvStep: SiLU(conv) of one step, then shifts x into the [channel][K-1] state. */
  static void causalConvStep(float[] x, int xOff, float[] state, int stateOff, float[] weight,
      float[] bias, int channels, int kernel, float[] out, int outOff) {
    int history = kernel - 1;
    for (int c = 0; c < channels; c++) {
      int s = stateOff + c * history;
      int w = c * kernel;
      float input = x[xOff + c];
      float acc = bias == null ? 0f : bias[c];
      for (int j = 0; j < history; j++) {
        acc += weight[w + j] * state[s + j];
      }
      acc += weight[w + history] * input;
      for (int j = 0; j + 1 < history; j++) {
        state[s + j] = state[s + j + 1];
      }
      if (history > 0) {
        state[s + history - 1] = input;
      }
      out[outOff + c] = silu(acc);
    }
  }
}
