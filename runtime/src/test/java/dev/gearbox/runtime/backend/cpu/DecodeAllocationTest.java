package dev.gearbox.runtime.backend.cpu;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.sun.management.ThreadMXBean;
import dev.gearbox.runtime.model.LanguageModel;
import dev.gearbox.runtime.model.Models;
import dev.gearbox.runtime.model.SequenceState;
import java.lang.management.ManagementFactory;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The steady decode path allocates nothing: no per-step garbage on the calling thread. */
class DecodeAllocationTest {
  @Test
  void steadyDecodeOfAMixedBatchAllocatesNothing() {
    GoldenData golden = GoldenData.load();
    ThreadMXBean threads = (ThreadMXBean) ManagementFactory.getThreadMXBean();
    try (LanguageModel model = Models.load(golden.dir, 1)) {
      int vocab = model.vocabSize();
      // Recurrent mixers and SWA keep fixed-size state once the window is full, so nothing should
      // be allocated at all; FA would legitimately allocate a KV block every 16 tokens.
      List<String> patterns = List.of("gdn*4", "kda,mamba,swa,gdn", "mamba*4", "swa,kda,gdn,mamba");
      SequenceState[] rows = new SequenceState[patterns.size()];
      float[] first = new float[vocab];
      for (int r = 0; r < rows.length; r++) {
        rows[r] = model.newSequence(model.placement("p" + r, List.of(patterns.get(r))));
        model.prefill(rows[r], golden.prompt, 0, 12 + r, first, false);
      }
      int[] tokens = {3, 5, 7, 11};
      float[][] logits = new float[rows.length][vocab];
      long tid = Thread.currentThread().getId();
      long allocated = -1;
      // The Vector API allocates until C2 has compiled the kernels, so warm up until the JIT is
      // done
      // (bounded), then require a clean measurement.
      for (int round = 0; round < 20 && allocated != 0; round++) {
        for (int step = 0; step < 500; step++) {
          model.decode(rows, tokens, rows.length, logits);
        }
        long before = threads.getThreadAllocatedBytes(tid);
        for (int step = 0; step < 20; step++) {
          model.decode(rows, tokens, rows.length, logits);
        }
        allocated = threads.getThreadAllocatedBytes(tid) - before;
      }
      assertEquals(0, allocated, "bytes allocated by 20 decode steps");
    }
  }
}
