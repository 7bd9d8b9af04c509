package dev.gearbox.runtime.backend.cuda.check;

import dev.gearbox.runtime.backend.cuda.CudaContext;
import dev.gearbox.runtime.backend.cuda.RecurrentKernels;
import dev.gearbox.runtime.backend.cuda.RecurrentKernels.GdnShape;
import dev.gearbox.runtime.backend.cuda.RecurrentKernels.KdaShape;
import dev.gearbox.runtime.backend.cuda.RecurrentKernels.MambaShape;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import jcuda.driver.CUdeviceptr;

/**
 * Device check of {@link RecurrentKernels} against a plain Java port of the CPU mixers' loops
 * ({@link RecurrentReference}): random weights, inputs and starting states; prefill then decode
 * on one slot (conv state carried across calls, 5 + 3 tokens equal to 8 sequential steps), decode
 * with seg subsets (rows outside seg and their slots untouched), two slots interleaved. Prints one
 * {@code PASS|FAIL} line per output and per final state; exits 1 on any FAIL.
 *
 * <p>Run: {@code java -cp runtime/target/classes:<deps> dev.gearbox.runtime.backend.cuda.check.
 * RecurrentKernelsCheck}.
 */
public final class RecurrentKernelsCheck {
  private static final double TOLERANCE = 1e-4;

  /** One launch of a scenario: rows, their slots, seg rows (null = all), mode. */
  record Call(int rows, int[] slots, int[] seg, boolean sequential) {
    static Call prefill(int rows, int slot) {
      return new Call(rows, new int[] {slot}, null, true);
    }

    static Call decode(int[] slots, int[] seg) {
      return new Call(slots.length, slots, seg, false);
    }
  }

  private final CudaContext ctx;
  private final RecurrentKernels kernels;
  private final Random random = new Random(7);
  private int failures;

  private RecurrentKernelsCheck(CudaContext ctx) {
    this.ctx = ctx;
    this.kernels = new RecurrentKernels(ctx);
  }

  public static void main(String[] args) {
    int failures;
    try (CudaContext ctx = CudaContext.open(0)) {
      System.out.println("device " + ctx.name());
      RecurrentKernelsCheck check = new RecurrentKernelsCheck(ctx);
      check.runAll();
      check.benchmark();
      failures = check.failures;
    }
    System.out.println(failures == 0 ? "ALL PASS" : failures + " FAIL(s)");
    System.exit(failures == 0 ? 0 : 1);
  }

  private void runAll() {
    List<RecurrentReference.Mixer> mixers =
        List.of(
            // one 32-column chunk per head: gated norm fused into the step kernel
            new RecurrentReference.Gdn(new GdnShape(2, 2, 32, 32, 4, 1e-5f), random),
            new RecurrentReference.Kda(new KdaShape(2, 48, 3, 1e-5f, true), random),
            // heads split over 32-column blocks, then delta_gated_norm
            new RecurrentReference.Gdn(new GdnShape(4, 2, 32, 64, 4, 1e-5f), random),
            new RecurrentReference.Gdn(new GdnShape(3, 1, 40, 48, 3, 1e-6f), random),
            new RecurrentReference.Gdn(new GdnShape(8, 4, 128, 128, 4, 1e-5f), random),
            new RecurrentReference.Kda(new KdaShape(2, 64, 4, 1e-5f, false), random),
            new RecurrentReference.Kda(new KdaShape(3, 128, 4, 1e-6f, true), random),
            new RecurrentReference.Mamba(new MambaShape(64, 16, 32, 4, false), true, random),
            new RecurrentReference.Mamba(new MambaShape(64, 16, 32, 4, true), false, random),
            new RecurrentReference.Mamba(new MambaShape(256, 64, 128, 4, true), true, random),
            new RecurrentReference.Mamba(new MambaShape(96, 8, 48, 2, false), false, random));
    for (RecurrentReference.Mixer mixer : mixers) {
      mixer.upload(ctx);
      // 5-token prefill, then 3 decode steps: equal to 8 sequential steps of the reference.
      scenario(
          mixer,
          "prefill5+decode3",
          3,
          List.of(
              Call.prefill(5, 1),
              Call.decode(new int[] {1}, null),
              Call.decode(new int[] {1}, null),
              Call.decode(new int[] {1}, null)));
      // Prefill shorter than the conv history, then more prefill on the same slot.
      scenario(mixer, "prefill2+prefill3", 2, List.of(Call.prefill(2, 0), Call.prefill(3, 0)));
      // Two slots interleaved: prefill each, then decode both in one launch, then each alone.
      scenario(
          mixer,
          "two-slots",
          4,
          List.of(
              Call.prefill(4, 2),
              Call.prefill(3, 0),
              Call.decode(new int[] {0, 2}, null),
              Call.decode(new int[] {2}, null),
              Call.decode(new int[] {2, 0}, null),
              Call.decode(new int[] {0}, null)));
      // Decode with seg subsets: rows not in seg keep their output and their slots' states.
      scenario(
          mixer,
          "decode-seg",
          9,
          List.of(
              Call.decode(new int[] {3, 1, 7, 0, 5}, new int[] {1, 2, 4}),
              Call.decode(new int[] {3, 1, 7, 0, 5}, new int[] {0}),
              Call.decode(new int[] {3, 1, 7, 0, 5}, new int[] {}),
              Call.decode(new int[] {8, 6, 4, 2, 1, 3, 7, 0, 5}, null)));
      // Batch decode at a serving size, every row its own slot.
      int[] big = new int[64];
      for (int i = 0; i < big.length; i++) {
        big[i] = (i * 37) % 64;
      }
      int[] some = new int[] {0, 5, 6, 31, 32, 63};
      scenario(
          mixer,
          "decode64",
          64,
          List.of(Call.decode(big, null), Call.decode(big, some), Call.decode(big, null)));
    }
  }

  /**
   * Informational decode timings (no PASS/FAIL): GDN 32 value heads of 128 x 128 and Mamba 4096 x
   * 16, at batch 1 and 64, with the state traffic (read + write) as an effective bandwidth.
   */
  private void benchmark() {
    GdnShape gdn = new GdnShape(32, 16, 128, 128, 4, 1e-6f);
    MambaShape mamba = new MambaShape(4096, 16, 1024, 4, false);
    for (int batch : new int[] {1, 64}) {
      List<Allocation> owned = new ArrayList<>();
      int[] slotIds = new int[batch];
      Arrays.setAll(slotIds, i -> i);
      CUdeviceptr slots = upload(slotIds, owned);
      long gdnState = RecurrentKernels.recurrentFloats(gdn) * batch;
      CUdeviceptr qkvz = zeros(batch * (4L * 2048 + 2L * 4096), owned);
      CUdeviceptr ba = zeros(batch * 64L, owned);
      CUdeviceptr core = zeros(batch * 4096L, owned);
      CUdeviceptr weights = zeros(8192L * 4, owned);
      CUdeviceptr rec = zeros(gdnState, owned);
      CUdeviceptr conv = zeros(RecurrentKernels.convFloats(gdn) * batch, owned);
      double gdnMicros =
          time(
              () ->
                  kernels.gdn(qkvz, ba, core, batch, null, slots, false, weights, weights, weights,
                      weights, rec, conv, gdn));
      long mambaState = RecurrentKernels.recurrentFloats(mamba) * batch;
      CUdeviceptr zxbc = zeros(batch * (2L * 1024 + 2L * 4096), owned);
      CUdeviceptr dt = zeros(batch * 4096L, owned);
      CUdeviceptr y = zeros(batch * 4096L, owned);
      CUdeviceptr mambaWeights = zeros(4096L * 16, owned);
      CUdeviceptr mambaRec = zeros(mambaState, owned);
      CUdeviceptr mambaConv = zeros(RecurrentKernels.convFloats(mamba) * batch, owned);
      double mambaMicros =
          time(
              () ->
                  kernels.mamba(zxbc, dt, y, batch, null, slots, false, mambaWeights, null,
                      mambaWeights, mambaWeights, mambaWeights, mambaRec, mambaConv, mamba));
      System.out.printf(
          "INFO decode batch=%d gdn[32x128x128] %.1f us (%.0f GB/s state) mamba[4096x16] %.1f us"
              + " (%.0f GB/s state)%n",
          batch,
          gdnMicros,
          gdnState * 8.0 / gdnMicros / 1e3,
          mambaMicros,
          mambaState * 8.0 / mambaMicros / 1e3);
      for (Allocation allocation : owned) {
        ctx.free(allocation.pointer(), allocation.bytes());
      }
    }
  }

  /** Mean microseconds per call of {@code launch} over 200 calls after 20 warm-ups. */
  private double time(Runnable launch) {
    for (int i = 0; i < 20; i++) {
      launch.run();
    }
    ctx.synchronize();
    int calls = 200;
    long start = System.nanoTime();
    for (int i = 0; i < calls; i++) {
      launch.run();
    }
    ctx.synchronize();
    return (System.nanoTime() - start) / 1e3 / calls;
  }

  private CUdeviceptr zeros(long floats, List<Allocation> owned) {
    long bytes = floats * Float.BYTES;
    CUdeviceptr pointer = ctx.allocZeroed(bytes);
    owned.add(new Allocation(pointer, bytes));
    return pointer;
  }

  private void scenario(
      RecurrentReference.Mixer mixer, String name, int slotCount, List<Call> calls) {
    String label = mixer.name() + " " + name;
    int recFloats = (int) mixer.recurrentFloats();
    int convFloats = (int) mixer.convFloats();
    float[] rec = uniform(slotCount * recFloats, 0.5f);
    float[] conv = uniform(slotCount * convFloats, 1f);
    List<Allocation> scratch = new ArrayList<>();
    CUdeviceptr recDevice = upload(rec, scratch);
    CUdeviceptr convDevice = upload(conv, scratch);
    for (int c = 0; c < calls.size(); c++) {
      Call call = calls.get(c);
      int rows = call.rows();
      int[] widths = mixer.inputWidths();
      float[][] inputs = new float[widths.length][];
      CUdeviceptr[] inputPointers = new CUdeviceptr[widths.length];
      for (int i = 0; i < widths.length; i++) {
        inputs[i] = mixer.randomInput(i, rows, random);
        inputPointers[i] = upload(inputs[i], scratch);
      }
      int outWidth = mixer.outWidth();
      float[] expected = new float[rows * outWidth];
      Arrays.fill(expected, Float.NaN);
      CUdeviceptr out = upload(expected, scratch);
      CUdeviceptr slots = upload(call.slots(), scratch);
      CUdeviceptr seg = null;
      int[] active;
      if (call.sequential()) {
        active = new int[rows];
        Arrays.setAll(active, r -> r);
      } else if (call.seg() == null) {
        active = new int[rows];
        Arrays.setAll(active, r -> r);
      } else {
        active = call.seg();
        int[] segHost = new int[1 + rows];
        segHost[0] = active.length;
        System.arraycopy(active, 0, segHost, 1, active.length);
        seg = upload(segHost, scratch);
      }
      mixer.launch(kernels, inputPointers, out, rows, seg, slots, call.sequential(), recDevice,
          convDevice);
      for (int r : active) {
        int slot = call.sequential() ? call.slots()[0] : call.slots()[r];
        mixer.step(
            inputs, r, rec, slot * recFloats, conv, slot * convFloats, expected, r * outWidth);
      }
      float[] actual = new float[rows * outWidth];
      ctx.synchronize();
      ctx.download(actual, out, actual.length);
      compare(label + " call" + c + " out", actual, expected, true);
    }
    float[] recActual = new float[rec.length];
    float[] convActual = new float[conv.length];
    ctx.download(recActual, recDevice, rec.length);
    ctx.download(convActual, convDevice, conv.length);
    compare(label + " recurrent-state", recActual, rec, false);
    compare(label + " conv-state", convActual, conv, false);
    for (Allocation allocation : scratch) {
      ctx.free(allocation.pointer(), allocation.bytes());
    }
  }

  /**
   * Compares every element; NaN in {@code expected} marks an element the kernel must not write
   * (it must still hold the NaN poison).
   */
  private void compare(String name, float[] actual, float[] expected, boolean poisonAware) {
    double diff = 0;
    double norm = 0;
    double maxAbs = 0;
    int bad = 0;
    for (int i = 0; i < expected.length; i++) {
      if (Float.isNaN(expected[i])) {
        if (!Float.isNaN(actual[i])) {
          bad++;  // written outside seg
        }
        continue;
      }
      if (!Float.isFinite(actual[i])) {
        bad++;  // not written, or non-finite
        continue;
      }
      double d = actual[i] - expected[i];
      diff += d * d;
      norm += (double) expected[i] * expected[i];
      maxAbs = Math.max(maxAbs, Math.abs(d));
    }
    double relErr = norm == 0 ? Math.sqrt(diff) : Math.sqrt(diff / norm);
    boolean pass = bad == 0 && relErr < TOLERANCE;
    if (!pass) {
      failures++;
    }
    System.out.printf(
        "%s %s relErr=%.3e maxAbs=%.3e%s%n",
        pass ? "PASS" : "FAIL",
        name.replace(' ', '/'),
        relErr,
        maxAbs,
        bad == 0 ? "" : " badElements=" + bad + (poisonAware ? " (unwritten or outside seg)" : ""));
  }

  private float[] uniform(int n, float scale) {
    float[] values = new float[n];
    for (int i = 0; i < n; i++) {
      values[i] = (random.nextFloat() * 2 - 1) * scale;
    }
    return values;
  }

  private record Allocation(CUdeviceptr pointer, long bytes) {}

  private CUdeviceptr upload(float[] values, List<Allocation> owned) {
    long bytes = (long) Math.max(values.length, 1) * Float.BYTES;
    CUdeviceptr pointer = ctx.alloc(bytes);
    if (values.length > 0) {
      ctx.upload(pointer, values);
    }
    owned.add(new Allocation(pointer, bytes));
    return pointer;
  }

  private CUdeviceptr upload(int[] values, List<Allocation> owned) {
    long bytes = (long) Math.max(values.length, 1) * Integer.BYTES;
    CUdeviceptr pointer = ctx.alloc(bytes);
    if (values.length > 0) {
      ctx.upload(pointer, values);
    }
    owned.add(new Allocation(pointer, bytes));
    return pointer;
  }
}
