package dev.gearbox.runtime.backend.cuda;

import dev.gearbox.runtime.model.SequenceState;
import java.util.Arrays;
import java.util.BitSet;

/**
 * Runs decode steps: takes KV pages for the new tokens, writes the step's inputs and per-(layer,
 * mixer) row segments into the pinned buffer, sends them with one copy, then launches the step as
 * a CUDA graph (captured on first use per bucket and mixer union) or kernel by kernel. Results
 * stay on the device; the caller downloads them.
 */
final class DecodeSteps implements AutoCloseable {
  private final CudaContext ctx;
  private final Forward forward;
  private final Workspace ws;
  private final PageTable table;
  private final DecodeGraphs graphs;
  // Per-step scratch reused every step, and the capture callback built once (a lambda per step
  // would allocate): it reads the step being captured from these fields.
  private final BitSet used;
  private int stepBucket;
  private boolean stepSample;
  private final Runnable captureStep;
  private final int[][] pairRows;
  private final int[] pairCount;
  private final CudaSequence[] rowSequences;
  private boolean graphsWork;

  DecodeSteps(CudaContext ctx, Forward forward, Workspace ws, PageTable table, boolean useGraphs) {
    this.ctx = ctx;
    this.forward = forward;
    this.ws = ws;
    this.table = table;
    this.graphs = new DecodeGraphs(ctx);
    this.used = new BitSet(forward.pairs);
    this.captureStep = () -> this.forward.decodeStep(stepBucket, this.used, stepSample);
    this.graphsWork = useGraphs;
    this.pairRows = new int[forward.pairs][ws.maxBucket];
    this.pairCount = new int[forward.pairs];
    this.rowSequences = new CudaSequence[ws.maxBucket];
  }

  int captures() {
    return graphs.captures();
  }

  /** One decode step of rows {@code from..from+n-1}, launched (graph or direct), not awaited. */
  void run(SequenceState[] sequences, int[] tokens, int from, int n, boolean sample,
      float[] temperatures, long[] seeds) {
    ctx.synchronize();
    for (int r = 0; r < n; r++) {
      CudaSequence seq = (CudaSequence) sequences[from + r];
      rowSequences[r] = seq;
      try {
        table.grow(seq, seq.pairs, seq.length + 1L);
      } catch (RuntimeException e) {
        Arrays.fill(rowSequences, null);
        throw e;
      }
    }
    table.flush();
    int bucket = CudaOptions.bucket(n);
    Arrays.fill(pairCount, 0);
    for (int r = 0; r < bucket; r++) {
      CudaSequence seq = r < n ? rowSequences[r] : null;
      ws.token(r, seq == null ? 0 : tokens[from + r]);
      ws.slot(r, seq == null ? 0 : seq.slot);
      ws.position(r, seq == null ? 0 : seq.length);
      if (sample) {
        ws.temperature(r, seq == null ? 0f : temperatures[from + r]);
        ws.seed(r, seq == null ? 0L : seeds[from + r]);
        ws.counter(r, seq == null ? 0 : seq.length);
      }
      if (seq != null) {
        for (int pair : seq.pairs) {
          pairRows[pair][pairCount[pair]++] = r;
        }
      }
    }
    BitSet used = this.used;
    used.clear();
    for (int p = 0; p < forward.pairs; p++) {
      if (pairCount[p] > 0) {
        used.set(p);
        ws.segment(p, pairRows[p], pairCount[p]);
      }
    }
    ws.send();
    launch(bucket, used, sample);
    for (int r = 0; r < n; r++) {
      rowSequences[r].length++;
      rowSequences[r] = null;
    }
  }

  private void launch(int bucket, BitSet used, boolean sample) {
    if (graphsWork) {
      try {
        stepBucket = bucket;
        stepSample = sample;
        graphs.launch(bucket, sample, used, captureStep);
        return;
      } catch (jcuda.CudaException e) {
        graphsWork = false;
        System.err.println(
            "gearbox cuda: CUDA graph capture failed (" + e.getMessage()
                + "); decoding without graphs from now on");
      }
    }
    forward.decodeStep(bucket, used, sample);
  }

  @Override
  public void close() {
    graphs.close();
  }
}
