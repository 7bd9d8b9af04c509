package dev.gearbox.runtime.backend.cuda.check;

import static dev.gearbox.runtime.backend.cuda.check.CudaModelCheck.TOLERANCE;
import static dev.gearbox.runtime.backend.cuda.check.CudaModelCheck.compare;
import static dev.gearbox.runtime.backend.cuda.check.CudaModelCheck.errText;

import dev.gearbox.runtime.backend.cuda.CudaLanguageModel;
import dev.gearbox.runtime.model.LanguageModel;
import dev.gearbox.runtime.model.SequenceState;
import dev.gearbox.runtime.placement.Placement;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/** The individual cases of {@link CudaModelCheck}. */
final class ModelChecks {
  private ModelChecks() {}

  static int argmax(float[] values, int from, int n) {
    int best = 0;
    for (int i = 1; i < n; i++) {
      if (values[from + i] > values[from + best]) {
        best = i;
      }
    }
    return best;
  }

  /** Prefill logits of every position, GPU vs CPU. */
  static void prefill(CheckReport report, String name, LanguageModel cpu, Placement cp,
      CudaLanguageModel gpu, Placement gp, int[] prompt) {
    String c = name + " prefill logits vs CPU";
    report.run(c, () -> {
      int vocab = cpu.vocabSize();
      float[] expected = new float[prompt.length * vocab];
      float[] actual = new float[prompt.length * vocab];
      SequenceState a = cpu.newSequence(cp);
      SequenceState b = gpu.newSequence(gp);
      cpu.prefill(a, prompt, 0, prompt.length, expected, true);
      gpu.prefill(b, prompt, 0, prompt.length, actual, true);
      double[] err = compare(actual, expected);
      boolean ok = err[0] < TOLERANCE && b.length() == prompt.length
          && b.stateBytes() == gp.stateBytes(prompt.length);
      report.check(ok, c, errText(err));
      a.release();
      b.release();
    });
  }

  /** Prefill of {@code split} tokens, then the rest of the prompt one decode step at a time. */
  static void decode(CheckReport report, String name, LanguageModel cpu, Placement cp,
      CudaLanguageModel gpu, Placement gp, int[] prompt, int split) {
    String c = name + " decode logits vs CPU (" + (prompt.length - split) + " steps)";
    report.run(c, () -> {
      int vocab = cpu.vocabSize();
      int steps = prompt.length - split;
      SequenceState a = cpu.newSequence(cp);
      SequenceState b = gpu.newSequence(gp);
      float[] last = new float[vocab];
      cpu.prefill(a, prompt, 0, split, last, false);
      gpu.prefill(b, prompt, 0, split, last, false);
      float[] expected = new float[steps * vocab];
      float[] actual = new float[steps * vocab];
      float[][] row = new float[1][vocab];
      int agree = 0;
      for (int s = 0; s < steps; s++) {
        int[] token = {prompt[split + s]};
        cpu.decode(new SequenceState[] {a}, token, 1, row);
        System.arraycopy(row[0], 0, expected, s * vocab, vocab);
        gpu.decode(new SequenceState[] {b}, token, 1, row);
        System.arraycopy(row[0], 0, actual, s * vocab, vocab);
        agree += argmax(expected, s * vocab, vocab) == argmax(actual, s * vocab, vocab) ? 1 : 0;
      }
      double[] err = compare(actual, expected);
      report.check(err[0] < TOLERANCE, c, errText(err) + " argmaxAgree=" + agree + "/" + steps);
      a.release();
      b.release();
    });
  }

  /** Prefill of the prompt, then {@code steps} greedy steps on CPU tokens, GPU logits compared. */
  static void longDecode(CheckReport report, String name, LanguageModel cpu, Placement cp,
      CudaLanguageModel gpu, Placement gp, int[] prompt, int steps) {
    String c = name + " decode vs CPU";
    report.run(c, () -> {
      int vocab = cpu.vocabSize();
      SequenceState a = cpu.newSequence(cp);
      SequenceState b = gpu.newSequence(gp);
      float[][] ra = new float[1][vocab];
      float[][] rb = new float[1][vocab];
      cpu.prefill(a, prompt, 0, prompt.length, ra[0], false);
      gpu.prefill(b, prompt, 0, prompt.length, rb[0], false);
      double worst = compare(rb[0], ra[0])[0];
      double maxAbs = 0;
      int agree = 0;
      for (int s = 0; s < steps; s++) {
        int[] token = {argmax(ra[0], 0, vocab)};
        cpu.decode(new SequenceState[] {a}, token, 1, ra);
        gpu.decode(new SequenceState[] {b}, token, 1, rb);
        double[] err = compare(rb[0], ra[0]);
        worst = Double.isNaN(err[0]) ? Double.NaN : Math.max(worst, err[0]);
        maxAbs = Math.max(maxAbs, err[1]);
        agree += argmax(ra[0], 0, vocab) == argmax(rb[0], 0, vocab) ? 1 : 0;
      }
      report.check(worst < TOLERANCE, c,
          errText(new double[] {worst, maxAbs}) + " (worst step) argmaxAgree=" + agree + "/"
              + steps);
      a.release();
      b.release();
    });
  }

  /** Greedy continuation of the prompt equals the reference implementation's. */
  /**
   * Free-running greedy decoding on the GPU equals the CPU model's on the same (bf16-rounded)
   * weights, token for token; how both compare with the fp32 golden tokens is reported as info.
   */
  static void greedy(CheckReport report, String name, LanguageModel cpu, Placement cp,
      CudaLanguageModel gpu, Placement gp, int[] prompt, long[] golden) {
    String c = name + " greedy tokens vs CPU on the same bf16 weights";
    report.run(c, () -> {
      long[] onCpu = greedyTokens(cpu, cp, prompt, golden.length);
      long[] onGpu = greedyTokens(gpu, gp, prompt, golden.length);
      report.check(Arrays.equals(onCpu, onGpu), c, "gpu=" + Arrays.toString(onGpu)
          + (Arrays.equals(onCpu, onGpu) ? "" : " cpu=" + Arrays.toString(onCpu)));
      report.info(name + " bf16 weights vs fp32 golden tokens: gpu agrees on the first "
          + agreeing(onGpu, golden) + "/" + golden.length + ", bf16 cpu on the first "
          + agreeing(onCpu, golden) + "/" + golden.length);
    });
  }

  private static int agreeing(long[] actual, long[] expected) {
    int n = 0;
    while (n < expected.length && actual[n] == expected[n]) {
      n++;
    }
    return n;
  }

  private static long[] greedyTokens(LanguageModel model, Placement placement, int[] prompt, int n) {
    int vocab = model.vocabSize();
    SequenceState seq = model.newSequence(placement);
    float[][] logits = new float[1][vocab];
    model.prefill(seq, prompt, 0, prompt.length, logits[0], false);
    long[] tokens = new long[n];
    for (int i = 0; i < n; i++) {
      int next = argmax(logits[0], 0, vocab);
      tokens[i] = next;
      if (i + 1 < n) {
        model.decode(new SequenceState[] {seq}, new int[] {next}, 1, logits);
      }
    }
    seq.release();
    return tokens;
  }

  static void chunked(CheckReport report, String name, CudaLanguageModel whole,
      CudaLanguageModel chunked, Placement gp, int[] prompt) {
    String c = name + " chunked prefill vs one chunk";
    report.run(c, () -> {
      int vocab = whole.vocabSize();
      SequenceState a = whole.newSequence(gp);
      SequenceState b = chunked.newSequence(gp);
      float[] expected = new float[prompt.length * vocab];
      float[] actual = new float[prompt.length * vocab];
      whole.prefill(a, prompt, 0, prompt.length, expected, true);
      chunked.prefill(b, prompt, 0, prompt.length, actual, true);
      double[] err = compare(actual, expected);
      float[][] ra = new float[1][vocab];
      float[][] rb = new float[1][vocab];
      double decodeErr = 0;
      for (int s = 0; s < 4; s++) {
        int[] token = {prompt[s]};
        whole.decode(new SequenceState[] {a}, token, 1, ra);
        chunked.decode(new SequenceState[] {b}, token, 1, rb);
        decodeErr = Math.max(decodeErr, compare(rb[0], ra[0])[0]);
      }
      // Same weights, same activation rounding, fp32 accumulation: only summation order differs.
      report.check(err[0] < 1e-3 && decodeErr < 1e-3, c,
          errText(err) + " decodeRelErr=" + decodeErr);
      a.release();
      b.release();
    });
  }

  /** decodeSample with temperature 0 picks the argmax of decode's logits; sampling is seeded. */
  static void sampleGreedy(CheckReport report, String name, CudaLanguageModel gpu, Placement gp,
      int[] prompt) {
    String c = name + " decodeSample greedy == argmax(decode), seeded sampling repeatable";
    report.run(c, () -> {
      int vocab = gpu.vocabSize();
      SequenceState[] s = new SequenceState[4];
      float[] last = new float[vocab];
      for (int i = 0; i < s.length; i++) {
        s[i] = gpu.newSequence(gp);
        gpu.prefill(s[i], prompt, 0, prompt.length, last, false);
      }
      float[][] logits = new float[1][vocab];
      int[] next = new int[1];
      int[] hot = new int[2];
      boolean ok = true;
      int token = argmax(last, 0, vocab);
      for (int step = 0; step < 8; step++) {
        gpu.decode(new SequenceState[] {s[0]}, new int[] {token}, 1, logits);
        gpu.decodeSample(new SequenceState[] {s[1]}, new int[] {token}, 1, new float[] {0f},
            new long[] {7}, next);
        ok &= next[0] == argmax(logits[0], 0, vocab);
        gpu.decodeSample(new SequenceState[] {s[2], s[3]}, new int[] {token, token}, 2,
            new float[] {1f, 1f}, new long[] {42, 42}, hot);
        ok &= hot[0] == hot[1] && hot[0] >= 0 && hot[0] < vocab;
        token = next[0];
      }
      report.check(ok, c, "");
      CudaModelCheck.release(s);
    });
  }

  /**
   * A batch of every placement ({@code copies} times each) decoded together equals each sequence
   * decoded alone.
   */
  /**
   * A batch mixing every placement decodes each row as the same sequence does elsewhere. Up to 8
   * rows (the GEMV path) the reference is each sequence decoded alone. Beyond 8 rows the batch
   * takes the tensor-core GEMM path, which rounds activations to bf16, so the reference is the same
   * sequences decoded together in reverse order (other rows, other segments, same arithmetic);
   * how far bf16 activations move the logits from the one-row path is reported as info.
   */
  static void mixedBatch(CheckReport report, String name, CudaLanguageModel gpu,
      List<Placement> placements, int[] prompt, int split, int copies) {
    String c = name + " (" + placements.size() * copies + " rows) vs "
        + (placements.size() * copies > 8 ? "the same rows reversed" : "each alone");
    report.run(c, () -> {
      int vocab = gpu.vocabSize();
      List<SequenceState> batch = new ArrayList<>();
      List<SequenceState> other = new ArrayList<>();
      float[] last = new float[vocab];
      for (int k = 0; k < copies; k++) {
        for (Placement p : placements) {
          SequenceState a = gpu.newSequence(p);
          SequenceState b = gpu.newSequence(p);
          gpu.prefill(a, prompt, 0, split, last, false);
          gpu.prefill(b, prompt, 0, split, last, false);
          batch.add(a);
          other.add(b);
        }
      }
      int n = batch.size();
      boolean gemm = n > 8;
      SequenceState[] rows = batch.toArray(new SequenceState[0]);
      SequenceState[] reversed = new SequenceState[n];
      for (int i = 0; i < n; i++) {
        reversed[i] = other.get(n - 1 - i);
      }
      float[][] together = new float[n][vocab];
      float[][] reference = new float[n][vocab];
      float[][] single = new float[1][vocab];
      double worst = 0;
      double oneRow = 0;
      int mismatched = 0;
      for (int s = split; s < prompt.length; s++) {
        int[] tokens = new int[n];
        Arrays.fill(tokens, prompt[s]);
        gpu.decode(rows, tokens, n, together);
        if (gemm) {
          gpu.decode(reversed, tokens, n, reference);
        }
        for (int i = 0; i < n; i++) {
          float[] expected;
          if (gemm) {
            expected = reference[n - 1 - i];
          } else {
            gpu.decode(new SequenceState[] {other.get(i)}, new int[] {prompt[s]}, 1, single);
            expected = single[0];
          }
          double[] err = compare(together[i], expected);
          worst = Double.isNaN(err[0]) ? Double.NaN : Math.max(worst, err[0]);
          mismatched += argmax(together[i], 0, vocab) == argmax(expected, 0, vocab) ? 0 : 1;
        }
      }
      report.check(worst < (gemm ? 1e-4 : TOLERANCE) && mismatched == 0, c,
          "worstRelErr=" + worst + " argmaxMismatches=" + mismatched + " graphs="
              + gpu.graphCaptures());
      if (gemm) {
        // The same sequences one at a time (GEMV, fp32 activations), for the precision note.
        SequenceState probe = gpu.newSequence(placements.get(0));
        SequenceState mate = gpu.newSequence(placements.get(0));
        gpu.prefill(probe, prompt, 0, split, last, false);
        gpu.prefill(mate, prompt, 0, split, last, false);
        SequenceState[] wide = new SequenceState[9];
        for (int i = 0; i < 9; i++) {
          wide[i] = i == 0 ? mate : gpu.newSequence(placements.get(0));
          if (i > 0) {
            gpu.prefill(wide[i], prompt, 0, split, last, false);
          }
        }
        float[][] nine = new float[9][vocab];
        int[] tokens = new int[9];
        Arrays.fill(tokens, prompt[split]);
        gpu.decode(wide, tokens, 9, nine);
        gpu.decode(new SequenceState[] {probe}, new int[] {prompt[split]}, 1, single);
        oneRow = compare(nine[0], single[0])[0];
        report.info(name + ": bf16 activations (GEMM, 9 rows) vs fp32 activations (GEMV, 1 row) "
            + placements.get(0).name() + " relErr=" + oneRow);
        probe.release();
        for (SequenceState w : wide) {
          w.release();
        }
      }
      batch.forEach(SequenceState::release);
      other.forEach(SequenceState::release);
    });
  }


  /** Greedy decodeSample with graphs on and off: the same tokens; decode logits identical. */
  static void graphsVsDirect(CheckReport report, String name, CudaLanguageModel graphs,
      CudaLanguageModel direct, List<Placement> placements, int[] prompt, int steps) {
    String c = name + " graphs on vs off (" + placements.size() + " rows, " + steps + " steps)";
    report.run(c, () -> {
      int vocab = graphs.vocabSize();
      int n = placements.size();
      SequenceState[] a = new SequenceState[n];
      SequenceState[] b = new SequenceState[n];
      float[] last = new float[vocab];
      int[] ta = new int[n];
      for (int i = 0; i < n; i++) {
        a[i] = graphs.newSequence(placements.get(i));
        b[i] = direct.newSequence(placements.get(i));
        graphs.prefill(a[i], prompt, 0, prompt.length, last, false);
        direct.prefill(b[i], prompt, 0, prompt.length, last, false);
        ta[i] = argmax(last, 0, vocab);
      }
      int[] tb = ta.clone();
      float[] zero = new float[n];
      long[] seeds = new long[n];
      boolean same = true;
      double maxAbs = 0;
      double worst = 0;
      float[][] la = new float[n][vocab];
      float[][] lb = new float[n][vocab];
      for (int s = 0; s < steps; s++) {
        if (s % 2 == 0) {
          graphs.decodeSample(a, ta.clone(), n, zero, seeds, ta);
          direct.decodeSample(b, tb.clone(), n, zero, seeds, tb);
        } else {
          graphs.decode(a, ta, n, la);
          direct.decode(b, tb, n, lb);
          for (int i = 0; i < n; i++) {
            double[] err = compare(la[i], lb[i]);
            worst = Double.isNaN(err[0]) ? Double.NaN : Math.max(worst, err[0]);
            maxAbs = Math.max(maxAbs, err[1]);
            ta[i] = argmax(la[i], 0, vocab);
            tb[i] = argmax(lb[i], 0, vocab);
          }
        }
        same &= Arrays.equals(ta, tb);
      }
      // Same kernels on the same inputs: identical unless a kernel reduces in a racy order.
      report.check(same && worst < 1e-5, c,
          "tokensEqual=" + same + " logitsRelErr=" + worst + " logitsMaxAbs=" + maxAbs
              + " captures="
              + graphs.graphCaptures() + "/" + direct.graphCaptures());
      CudaModelCheck.release(a);
      CudaModelCheck.release(b);
    });
  }

  /** The error messages match the CPU model's; running out of slots or pages says so. */
  static void errors(CheckReport report, String name, CudaLanguageModel gpu, Placement gp,
      int[] prompt) {
    int vocab = gpu.vocabSize();
    float[][] logits = new float[1][vocab];
    expect(report, name + " foreign sequence", IllegalArgumentException.class,
        "was not created by this model",
        () -> gpu.decode(new SequenceState[] {new Foreign(gp)}, new int[] {1}, 1, logits));
    expect(report, name + " released sequence", IllegalStateException.class, "was released",
        () -> {
          SequenceState s = gpu.newSequence(gp);
          s.release();
          gpu.decode(new SequenceState[] {s}, new int[] {1}, 1, logits);
        });
    expect(report, name + " token outside vocabulary", IllegalArgumentException.class,
        "outside the vocabulary", () -> {
          SequenceState s = gpu.newSequence(gp);
          try {
            gpu.prefill(s, new int[] {1, vocab}, 0, 2, logits[0], false);
          } finally {
            s.release();
          }
        });
    expect(report, name + " context overflow", IllegalArgumentException.class,
        "max context is", () -> {
          SequenceState s = gpu.newSequence(gp);
          try {
            gpu.seedContext(s, gpu.maxContextLength());
            gpu.decode(new SequenceState[] {s}, new int[] {1}, 1, logits);
          } finally {
            s.release();
          }
        });
    expect(report, name + " out of slots", IllegalStateException.class,
        "out of sequence slots", () -> {
          List<SequenceState> held = new ArrayList<>();
          try {
            while (true) {
              held.add(gpu.newSequence(gp));
            }
          } finally {
            held.forEach(SequenceState::release);
          }
        });
    expect(report, name + " out of KV pages", IllegalStateException.class,
        "out of KV cache pages", () -> {
          List<SequenceState> held = new ArrayList<>();
          try {
            for (int i = 0; i < gpu.options().maxSlots(); i++) {
              SequenceState s = gpu.newSequence(gp);
              held.add(s);
              gpu.seedContext(s, gpu.maxContextLength());
            }
          } finally {
            held.forEach(SequenceState::release);
          }
        });
    int free = gpu.freeKvPages();
    report.run(name + " released sequences return their pages", () -> {
      SequenceState s = gpu.newSequence(gp);
      gpu.prefill(s, prompt, 0, prompt.length, logits[0], false);
      boolean took = gpu.freeKvPages() < free;
      s.release();
      report.check(took && gpu.freeKvPages() == free,
          name + " released sequences return their pages", "free=" + gpu.freeKvPages());
    });
  }

  private static void expect(CheckReport report, String name, Class<? extends Throwable> type,
      String text, Runnable body) {
    try {
      body.run();
      report.check(false, name, "no exception");
    } catch (Throwable e) {
      boolean ok = type.isInstance(e) && String.valueOf(e.getMessage()).contains(text);
      report.check(ok, name, e.getClass().getSimpleName() + ": " + e.getMessage());
    }
  }

  /** A sequence the GPU model did not make. */
  private record Foreign(Placement placement) implements SequenceState {
    @Override
    public int length() {
      return 0;
    }

    @Override
    public long stateBytes() {
      return 0;
    }

    @Override
    public void release() {}
  }
}
