package dev.gearbox.runtime.backend.cuda;

import static jcuda.driver.JCudaDriver.cuCtxSynchronize;

import dev.gearbox.runtime.backend.cuda.DeviceMixer.Kernels;
import dev.gearbox.runtime.checkpoint.TensorStore;
import dev.gearbox.runtime.model.DeviceSampling;
import dev.gearbox.runtime.model.LanguageModel;
import dev.gearbox.runtime.model.ModelConfig;
import dev.gearbox.runtime.model.ModelInputs;
import dev.gearbox.runtime.model.PlacementResolver;
import dev.gearbox.runtime.model.SequenceState;
import dev.gearbox.runtime.placement.Placement;
import java.util.List;
import java.util.function.Function;
import jcuda.Pointer;
import jcuda.driver.CUdeviceptr;

/**
 * The GPU {@link LanguageModel}: bf16 weights held once on one GPU, every placement of the
 * checkpoint served from them, computing the same function as the CPU model (fp32 math).
 *
 * <p>Sequences live in slots (recurrent state and page-table rows per slot) and keep KV in pages of
 * one pool. A decode step runs shared layers over all rows and each layer's mixers over their rows
 * (device-side segments); steps are captured as CUDA graphs per batch bucket and mixer union
 * (see {@link DecodeGraphs}). Public methods are synchronized and make the context current.
 */
public final class CudaLanguageModel implements LanguageModel, DeviceSampling {
  private final long kvPoolBytes;

  private final ModelConfig config;
  private final CudaOptions options;
  private final CudaContext ctx;
  private final Forward forward;
  private final Workspace ws;
  private final PageTable table;
  private final CUdeviceptr kvPool;
  private final long weightBytes;
  private final PlacementResolver resolver;
  private final Placement defaultPlacement;
  private final DecodeSteps steps;
  private final int[] freeSlots;
  private int freeCount;
  private boolean closed;

  // Host buffers for results, sized once.
  private final float[] hostLogits;
  private final int[] hostTokens;

  private CudaLanguageModel(ModelConfig config, CudaOptions options, CudaContext ctx,
      Function<Kernels, DeviceWeights> weights) {
    this.config = config;
    this.options = options;
    this.ctx = ctx;
    Kernels k =
        new Kernels(ctx, new DenseKernels(ctx), new AttentionKernels(ctx), new RecurrentKernels(ctx));
    DeviceWeights w = weights.apply(k);
    this.forward = new Forward(config, w, k, options.maxSlots());
    this.weightBytes = w.bytes();
    int maxBucket = CudaOptions.bucket(options.maxBatch());
    int maxRows = Math.max(options.prefillChunk(), maxBucket);
    List<AttentionLayer> attention = forward.attentionLayers();
    long partial = 0;
    long pageStride = 0;
    for (AttentionLayer a : attention) {
      for (int b : CudaOptions.BUCKETS) {
        if (b <= maxBucket) {
          partial = Math.max(partial, a.partialFloats(b));
        }
      }
      pageStride = Math.max(pageStride, a.pageElements(options.pageTokens()));
    }
    this.ws = new Workspace(ctx, maxRows, maxBucket, forward.hidden, forward.vocab,
        forward.scratchWidths(), forward.pairs, partial);
    forward.bind(ws);
    int[] window = new int[forward.pairs];
    for (int p = 0; p < window.length; p++) {
      window[p] = forward.mixer(p) instanceof AttentionLayer a ? a.attention().window() : -1;
    }
    long pageBytes = pageStride * ModelBytes.BF16;
    int totalPages = 0;
    if (pageBytes > 0) {
      // The page table takes a little memory too: size it first, with a pool of 0 pages.
      long kvBytes =
          options.kvBytes() > 0 ? options.kvBytes() : (long) (0.9 * ctx.freeMemory());
      totalPages = (int) Math.min(Integer.MAX_VALUE - 1, kvBytes / pageBytes);
    }
    this.table = new PageTable(ctx, options.maxSlots(), window, config.maxPositions(),
        options.prefillChunk(), options.pageTokens(), totalPages);
    this.kvPoolBytes = totalPages * pageBytes;
    this.kvPool = ctx.allocZeroed(Math.max(16, kvPoolBytes));
    for (int p = 0; p < window.length; p++) {
      if (forward.mixer(p) instanceof AttentionLayer a) {
        a.bind(kvPool, table.device(), options.pageTokens(), table.stride, table.base[p],
            table.ring[p], pageStride);
      }
    }
    cuCtxSynchronize();
    this.resolver =
        new PlacementResolver(config.layers(), (layer, name) -> mixerAt(layer, name).layout());
    this.defaultPlacement = resolver.defaultPlacement("default");
    this.steps = new DecodeSteps(ctx, forward, ws, table, options.useGraphs());
    this.freeSlots = new int[options.maxSlots()];
    for (int s = 0; s < freeSlots.length; s++) {
      freeSlots[s] = freeSlots.length - 1 - s;
    }
    this.freeCount = freeSlots.length;
    this.hostLogits = new float[maxBucket * forward.vocab];
    this.hostTokens = new int[maxBucket];
  }

  /** Opens GPU {@code options.device()} and uploads the checkpoint's weights. */
  public static CudaLanguageModel load(ModelConfig config, TensorStore store, CudaOptions options) {
    CudaContext ctx = CudaContext.open(options.device());
    try {
      return new CudaLanguageModel(config, options, ctx,
          k -> DeviceWeights.load(ctx, k.dense(), store));
    } catch (RuntimeException | Error e) {
      ctx.close();
      throw e;
    }
  }

  /** A model of {@code config}'s shape with random weights filled on the device (benchmarks). */
  public static CudaLanguageModel random(ModelConfig config, long seed, CudaOptions options) {
    CudaContext ctx = CudaContext.open(options.device());
    try {
      return new CudaLanguageModel(config, options, ctx,
          k -> DeviceWeights.random(ctx, k.dense(), seed));
    } catch (RuntimeException | Error e) {
      ctx.close();
      throw e;
    }
  }

  public CudaContext context() {
    return ctx;
  }

  public ModelConfig config() {
    return config;
  }

  public CudaOptions options() {
    return options;
  }

  /** Bytes of weights on the device. */
  public long weightBytes() {
    return weightBytes;
  }

  /**
   * Weight bytes the bytes-moved model ({@link #bytesPerStep}) accounts for, summed over every
   * tensor of the checkpoint; equals {@link #weightBytes()} when that model is right.
   */
  public long modelledWeightBytes() {
    return ModelBytes.allWeights(config, forward.headIsEmbedding);
  }

  /** KV pages free in the pool, and the pool's size in pages. */
  public synchronized int freeKvPages() {
    return table.pages.available();
  }

  /** Bytes of the paged KV pool on the device (what full- and sliding-window attention share). */
  public long kvPoolBytes() {
    return kvPoolBytes;
  }

  /** CUDA graphs captured so far (0 with graphs off). */
  public synchronized int graphCaptures() {
    return steps.captures();
  }

  /**
   * Bytes one decode step of {@code placement} must read at context {@code length}: its weights
   * (mixers, MLP, norms, LM head) + KV read (FA: length tokens, SWA: min(length, window)) +
   * recurrent state read and written.
   */
  public long bytesPerStep(Placement placement, int length) {
    return ModelBytes.perStep(config, placement, length);
  }

  /**
   * Bytes one decode step of a batch (row i under {@code rows.get(i)}, all at context {@code
   * length}) must move: each used mixer's weights once, shared weights once, per-row KV and state.
   */
  public long bytesPerStep(List<Placement> rows, int length) {
    return ModelBytes.perBatchStep(config, rows, length);
  }

  private DeviceMixer mixerAt(int layer, String name) {
    Forward.Layer l = forward.layers[layer];
    int index = l.mixerNames.indexOf(name);
    if (index < 0) {
      throw new IllegalArgumentException(
          "layer " + layer + " has no mixer '" + name + "'; it has " + l.mixerNames);
    }
    return l.mixers[index];
  }

  @Override
  public int[] eosTokenIds() {
    return config.eosTokenIds().stream().mapToInt(Integer::intValue).toArray();
  }

  @Override
  public int vocabSize() {
    return config.vocabSize();
  }

  @Override
  public int numLayers() {
    return forward.layers.length;
  }

  @Override
  public int maxContextLength() {
    return config.maxPositions();
  }

  @Override
  public List<String> mixerNames(int layer) {
    return forward.layers[layer].mixerNames;
  }

  @Override
  public Placement defaultPlacement() {
    return defaultPlacement;
  }

  @Override
  public Placement placement(String name, List<String> layersOrPattern) {
    return resolver.resolve(name, layersOrPattern);
  }

  @Override
  public synchronized SequenceState newSequence(Placement placement) {
    ctx.makeCurrent();
    int layers = forward.layers.length;
    int[] index =
        ModelInputs.mixerIndices(placement, layers, l -> forward.layers[l].mixerNames);
    int[] pairs = new int[layers];
    int[][] pages = new int[layers][];
    for (int l = 0; l < layers; l++) {
      pairs[l] = forward.layers[l].pairBase + index[l];
      pages[l] = table.entries[pairs[l]] > 0 ? new int[table.entries[pairs[l]]] : null;
    }
    if (freeCount == 0) {
      throw new IllegalStateException(
          "out of sequence slots: all " + freeSlots.length
              + " slots are in use (raise CudaOptions.maxSlots or release sequences)");
    }
    int slot = freeSlots[--freeCount];
    for (int l = 0; l < layers; l++) {
      forward.layers[l].mixers[index[l]].reset(slot);
    }
    return new CudaSequence(this, placement, slot, index, pairs, pages);
  }

  synchronized void release(CudaSequence seq) {
    if (seq.released) {
      return;
    }
    seq.released = true;
    table.shrink(seq);
    freeSlots[freeCount++] = seq.slot;
  }

  /**
   * Bench/test hook: makes {@code sequence} hold {@code length} tokens of (arbitrary but finite)
   * context without running prefill: takes its pages, sets its length. Recurrent states stay as
   * they are.
   */
  public synchronized void seedContext(SequenceState sequence, int length) {
    ctx.makeCurrent();
    CudaSequence seq = own(sequence, 0);
    if (length < 0 || length > maxContextLength()) {
      throw new IllegalArgumentException(
          "context length " + length + " is outside [0, " + maxContextLength() + "]");
    }
    ctx.synchronize();
    table.grow(seq, seq.pairs, length);
    table.flush();
    seq.length = length;
  }

  @Override
  public synchronized void prefill(SequenceState sequence, int[] tokens, int offset, int length,
      float[] logits, boolean allPositions) {
    ctx.makeCurrent();
    CudaSequence seq = own(sequence, 0);
    if (length <= 0) {
      throw new IllegalArgumentException("prefill needs at least one token, got length " + length);
    }
    if (offset < 0 || offset + length > tokens.length) {
      throw new IllegalArgumentException(
          "prefill range [" + offset + ", " + (offset + length) + ") is outside tokens["
              + tokens.length + "]");
    }
    ModelInputs.checkRoom(seq.length, length, maxContextLength());
    int vocab = config.vocabSize();
    int needed = allPositions ? length * vocab : vocab;
    if (logits.length < needed) {
      throw new IllegalArgumentException(
          "logits has " + logits.length + " floats, expected at least " + needed);
    }
    for (int i = offset; i < offset + length; i++) {
      ModelInputs.checkToken(tokens[i], i, config.vocabSize());
    }
    int chunk = options.prefillChunk();
    for (int start = 0; start < length; start += chunk) {
      int rows = Math.min(chunk, length - start);
      ctx.synchronize();
      table.grow(seq, seq.pairs, (long) seq.length + rows);
      table.flush();
      for (int r = 0; r < rows; r++) {
        ws.token(r, tokens[offset + start + r]);
        ws.slot(r, seq.slot);
        ws.position(r, seq.length + r);
      }
      ws.send();
      forward.prefillChunk(rows, seq.mixerIndex, seq.slot, seq.length);
      seq.length += rows;
      if (allPositions) {
        for (int sub = 0; sub < rows; sub += ws.maxBucket) {
          int n = Math.min(ws.maxBucket, rows - sub);
          forward.head(sub, n);
          download(logits, (long) (start + sub) * vocab, ws.logits, (long) n * vocab);
        }
      } else if (start + rows == length) {
        forward.head(rows - 1, 1);
        download(logits, 0, ws.logits, vocab);
      }
    }
    ctx.synchronize();
  }

  @Override
  public synchronized void decode(SequenceState[] sequences, int[] tokens, int count,
      float[][] logits) {
    ctx.makeCurrent();
    if (count <= 0) {
      return;
    }
    if (sequences.length < count || tokens.length < count || logits.length < count) {
      throw new IllegalArgumentException(
          "decode of " + count + " rows got " + sequences.length + " sequences, " + tokens.length
              + " tokens and " + logits.length + " logits rows");
    }
    int vocab = config.vocabSize();
    for (int r = 0; r < count; r++) {
      if (logits[r].length < vocab) {
        throw new IllegalArgumentException(
            "logits row " + r + " has " + logits[r].length + " floats, expected " + vocab);
      }
    }
    checkBatch(sequences, tokens, count);
    for (int from = 0; from < count; from += ws.maxBucket) {
      int n = Math.min(ws.maxBucket, count - from);
      steps.run(sequences, tokens, from, n, false, null, null);
      download(hostLogits, 0, ws.logits, (long) n * vocab);
      for (int r = 0; r < n; r++) {
        System.arraycopy(hostLogits, r * vocab, logits[from + r], 0, vocab);
      }
    }
  }

  /**
   * Decode + sample on the device: logits never leave the GPU; only next tokens come back.
   * temperature[i] <= 0 is greedy; seeds[i] with the sequence's step count (its length before this
   * step) as counter.
   */
  @Override
  public synchronized void decodeSample(SequenceState[] sequences, int[] tokens, int count,
      float[] temperatures, long[] seeds, int[] next) {
    ctx.makeCurrent();
    if (count <= 0) {
      return;
    }
    if (sequences.length < count || tokens.length < count || temperatures.length < count
        || seeds.length < count || next.length < count) {
      throw new IllegalArgumentException(
          "decodeSample of " + count + " rows got " + sequences.length + " sequences, "
              + tokens.length + " tokens, " + temperatures.length + " temperatures, "
              + seeds.length + " seeds and room for " + next.length + " next tokens");
    }
    checkBatch(sequences, tokens, count);
    for (int from = 0; from < count; from += ws.maxBucket) {
      int n = Math.min(ws.maxBucket, count - from);
      steps.run(sequences, tokens, from, n, true, temperatures, seeds);
      ctx.download(hostTokens, ws.outTokens, n);
      System.arraycopy(hostTokens, 0, next, from, n);
    }
  }

  /** Validates sequences, room and tokens of a decode batch before any work. */
  private void checkBatch(SequenceState[] sequences, int[] tokens, int count) {
    for (int r = 0; r < count; r++) {
      CudaSequence seq = own(sequences[r], r);
      ModelInputs.checkRoom(seq.length, 1, maxContextLength());
      ModelInputs.checkDistinct(sequences, r);
      ModelInputs.checkToken(tokens[r], r, config.vocabSize());
    }
  }

  private void download(float[] target, long at, CUdeviceptr source, long floats) {
    ctx.download(Pointer.to(target).withByteOffset(4L * at), source, 4L * floats);
  }

  private CudaSequence own(SequenceState state, int row) {
    if (!(state instanceof CudaSequence seq) || seq.model != this) {
      throw new IllegalArgumentException(
          "sequence at row " + row + " was not created by this model");
    }
    if (seq.released) {
      throw new IllegalStateException("sequence at row " + row + " was released");
    }
    return seq;
  }

  @Override
  public synchronized void close() {
    if (closed) {
      return;
    }
    closed = true;
    ctx.makeCurrent();
    steps.close();
    ws.close();
    ctx.close();
  }
}
