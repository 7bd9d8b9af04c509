package dev.gearbox.runtime.engine;

import dev.gearbox.runtime.model.DeviceSampling;
import dev.gearbox.runtime.model.LanguageModel;
import dev.gearbox.runtime.model.SequenceState;
import java.util.ArrayList;
import java.util.List;

/**
 * The scheduler thread's half of the engine: the running batch, one step at a time (chunked
 * prefill under a token budget, then one mixed-placement decode call), sampling, stop checks and
 * every listener call. Scratch arrays are sized once, so a step allocates nothing of its own.
 */
final class StepRunner {
  private final Engine engine;
  private final LanguageModel model;
  private final EngineConfig config;
  private final MemoryPools pools;
  private final Sampler sampler;
  private final int vocab;
  private final int[] eos;
  private final int scoreChunk;

  private final List<ActiveRequest> running = new ArrayList<>();
  private final SequenceState[] batchSequences;
  private final int[] batchTokens;
  private final float[][] batchLogits;
  private final ActiveRequest[] batchRequests;
  private final float[] batchTemperatures;
  private final long[] batchSeeds;
  private final int[] batchNext;
  private final float[] prefillLogits;
  private final float[] scoreLogits;

  StepRunner(Engine engine, LanguageModel model, EngineConfig config, MemoryPools pools) {
    this.engine = engine;
    this.model = model;
    this.config = config;
    this.pools = pools;
    this.vocab = model.vocabSize();
    this.sampler = new Sampler(vocab);
    this.eos = model.eosTokenIds().clone();
    int n = config.maxRunning();
    this.batchSequences = new SequenceState[n];
    this.batchTokens = new int[n];
    this.batchRequests = new ActiveRequest[n];
    this.batchLogits = new float[n][vocab];
    this.batchTemperatures = new float[n];
    this.batchSeeds = new long[n];
    this.batchNext = new int[n];
    this.prefillLogits = new float[vocab];
    // All-position logits of a scored chunk; capped at ~16 MiB however large the vocabulary.
    this.scoreChunk = Math.max(1, Math.min(config.prefillTokensPerStep(), (4 << 20) / vocab));
    this.scoreLogits = new float[scoreChunk * vocab];
  }

  boolean isEmpty() {
    return running.isEmpty();
  }

  int size() {
    return running.size();
  }

  /** Takes an admitted request (memory reserved) into the batch. */
  void start(ActiveRequest r, EngineMetrics.PlacementMeters meters) {
    r.meters = meters;
    r.admittedNanos = System.nanoTime();
    try {
      r.sequence = model.newSequence(r.placement);
    } catch (RuntimeException e) {
      running.add(r);
      fail(r, e);
      running.remove(r);
      return;
    }
    meters.running.incrementAndGet();
    running.add(r);
  }

  /** One scheduler step; false when it had nothing to do (every sequence paused or none). */
  boolean step() {
    long now = System.nanoTime();
    for (int i = 0; i < running.size(); i++) {
      ActiveRequest r = running.get(i);
      if (r.cancelled) {
        fail(r, new RequestAbortedException(RequestAbortedException.Cause.CANCELLED, "request cancelled by the client"));
      } else if (r.expired(now)) {
        fail(r, new RequestAbortedException(RequestAbortedException.Cause.DEADLINE_EXCEEDED, "request deadline passed"));
      } else if (r.pausedSinceNanos != 0 && now - r.pausedSinceNanos > config.pausedTimeout().toNanos()) {
        fail(r, new RequestAbortedException(RequestAbortedException.Cause.STALLED,
            "the client stopped reading its stream: output unread for more than "
                + config.pausedTimeout().toMillis() + " ms, generation cut"));
      }
    }
    boolean worked = prefillChunks();
    worked |= decodeBatch();
    removeDone();
    engine.generatedMeter().tick(System.nanoTime());
    return worked;
  }

  // True when r's client takes output now; tracks since when it does not (a paused sequence
  // keeps its memory and its pending token, and is not decoded).
  private boolean ready(ActiveRequest r, long now) {
    if (r.isScore() || r.generation.ready()) {
      r.pausedSinceNanos = 0;
      return true;
    }
    if (r.pausedSinceNanos == 0) {
      r.pausedSinceNanos = now;
    }
    return false;
  }

  // Feeds up to prefillTokensPerStep prompt tokens, oldest requests first.
  private boolean prefillChunks() {
    int budget = config.prefillTokensPerStep();
    int start = budget;
    for (int i = 0; i < running.size() && budget > 0; i++) {
      ActiveRequest r = running.get(i);
      if (r.done || r.prefillDone()) {
        continue;
      }
      int chunk = Math.min(budget, r.feed.length - r.prefilled);
      if (r.isScore()) {
        chunk = Math.min(chunk, scoreChunk);
      }
      try {
        if (r.isScore()) {
          scoreChunk(r, chunk);
        } else {
          model.prefill(r.sequence, r.feed, r.prefilled, chunk, prefillLogits, false);
          r.prefilled += chunk;
          pools.fill(r.reservation, r.prefilled);
          // Prompt tokens count once, however often a preempted sequence recomputes them.
          int fresh = Math.min(r.prefilled, r.prompt.length) - r.promptCounted;
          if (fresh > 0) {
            r.promptCounted += fresh;
            r.meters.promptTokens.increment(fresh);
            engine.prefilledMeter().add(fresh, System.nanoTime());
          }
          if (r.prefillDone() && r.generated == 0) {
            accept(r, prefillLogits, 0);
          }
          // After a recompute the last generated token is already pending: nothing is sampled.
        }
      } catch (RuntimeException e) {
        fail(r, e);
      }
      budget -= chunk;
    }
    return budget < start;
  }

  private void scoreChunk(ActiveRequest r, int chunk) {
    model.prefill(r.sequence, r.prompt, r.prefilled, chunk, scoreLogits, true);
    for (int j = 0; j < chunk; j++) {
      int position = r.prefilled + j;
      if (position + 1 < r.prompt.length) {
        r.logProbs[position] = Sampler.logProb(scoreLogits, j * vocab, vocab, r.prompt[position + 1]);
      }
    }
    r.prefilled += chunk;
    pools.fill(r.reservation, r.prefilled);
    engine.prefilledMeter().add(chunk, System.nanoTime());
    if (r.prefillDone()) {
      release(r);
      try {
        r.scoring.onScored(r.logProbs);
      } catch (RuntimeException ignored) {
        // The caller went away; the request has ended all the same.
      }
      engine.ended(r);
    }
  }

  // One decode call over every running request that has a sampled token to feed.
  private boolean decodeBatch() {
    long now = System.nanoTime();
    makeRoomForDecode();
    int count = 0;
    for (int i = 0; i < running.size(); i++) {
      ActiveRequest r = running.get(i);
      if (!r.done && r.pendingToken >= 0 && ready(r, now)) {
        batchRequests[count] = r;
        batchSequences[count] = r.sequence;
        batchTokens[count] = r.pendingToken;
        count++;
      }
    }
    if (count == 0) {
      return false;
    }
    boolean onDevice = model instanceof DeviceSampling && deviceCanSample(count);
    try {
      if (onDevice) {
        ((DeviceSampling) model)
            .decodeSample(
                batchSequences, batchTokens, count, batchTemperatures, batchSeeds, batchNext);
      } else {
        model.decode(batchSequences, batchTokens, count, batchLogits);
      }
    } catch (RuntimeException e) {
      for (int i = 0; i < count; i++) {
        fail(batchRequests[i], e);
      }
      count = 0;
    }
    for (int i = 0; i < count; i++) {
      ActiveRequest r = batchRequests[i];
      r.pendingToken = -1;
      pools.fill(r.reservation, r.sequence.length());
      if (onDevice) {
        accept(r, batchNext[i]);
      } else {
        accept(r, batchLogits[i], 0);
      }
    }
    for (int i = 0; i < batchRequests.length && batchRequests[i] != null; i++) {
      batchRequests[i] = null;
      batchSequences[i] = null;
    }
    return true;
  }

  /**
   * Grows every decoding sequence's memory by the token this step appends, oldest first; when the
   * pools are full, preempts the lowest-priority, youngest sequence (possibly the one growing)
   * until the growth fits. Sequences whose placement has no growing state (only recurrent slabs)
   * are never chosen: their state is small and fixed, so dropping it frees little.
   */
  private void makeRoomForDecode() {
    for (int i = 0; i < running.size(); i++) {
      ActiveRequest r = running.get(i);
      if (r.done || r.pendingToken < 0 || r.sequence == null || !ready(r, System.nanoTime())) {
        continue;
      }
      int needed = r.sequence.length() + 1;
      while (!pools.tryGrow(r.reservation, needed)) {
        ActiveRequest victim = victim();
        preempt(victim);
        if (victim == r) {
          break;
        }
      }
    }
    for (int i = running.size() - 1; i >= 0; i--) {
      if (running.get(i).sequence == null) {
        running.remove(i);
      }
    }
  }

  private ActiveRequest victim() {
    ActiveRequest best = null;
    for (ActiveRequest r : running) {
      if (r.done || r.isScore() || r.sequence == null || !grows(r)) {
        continue;
      }
      if (best == null
          || r.request.priority() < best.request.priority()
          || (r.request.priority() == best.request.priority()
              && r.submittedNanos - best.submittedNanos > 0)) {
        best = r;
      }
    }
    if (best == null) {
      // Unreachable: the growing request itself is always a candidate.
      throw new IllegalStateException("no sequence to preempt");
    }
    return best;
  }

  private static boolean grows(ActiveRequest r) {
    for (var layer : r.placement.layers()) {
      if (layer.kind() == dev.gearbox.runtime.placement.MixerKind.FULL_ATTENTION
          || layer.kind() == dev.gearbox.runtime.placement.MixerKind.SLIDING_WINDOW) {
        return true;
      }
    }
    return false;
  }

  // Drops r's decode state and memory and puts it back at the head of the queue; it is taken
  // off the running list by the caller. Its client sees only a pause.
  private void preempt(ActiveRequest r) {
    r.sequence.release();
    pools.release(r.reservation);
    r.resetForRecompute();
    r.meters.running.decrementAndGet();
    r.meters.preemptions.increment();
    engine.requeue(r);
  }

  /**
   * True when every row of the batch samples greedily or with a plain temperature (no top-k/top-p),
   * which the device does on its own; fills the per-row temperatures and seeds.
   */
  private boolean deviceCanSample(int count) {
    for (int i = 0; i < count; i++) {
      SamplingParams p = batchRequests[i].request.sampling();
      boolean plain = p.isGreedy() || (p.topK() == 0 && p.topP() >= 1f);
      if (!plain) {
        return false;
      }
      batchTemperatures[i] = p.isGreedy() ? 0f : p.temperature();
      batchSeeds[i] = p.seed();
    }
    return true;
  }

  // Samples the next token of r from a row of logits, streams it, and finishes r if it stops.
  private void accept(ActiveRequest r, float[] logits, int offset) {
    accept(r, sampler.sample(logits, offset, r.request.sampling(), r.random));
  }

  // Streams r's next token and finishes r if it stops.
  private void accept(ActiveRequest r, int token) {
    long now = System.nanoTime();
    r.recordOutput(token);
    r.generated++;
    if (r.generated == 1) {
      r.firstTokenNanos = now;
      r.meters.recordTimeToFirstToken(now - r.submittedNanos);
    } else {
      r.meters.recordTimePerOutputToken(now - r.lastTokenNanos);
    }
    r.lastTokenNanos = now;
    r.meters.generationTokens.increment();
    engine.generatedMeter().add(1, now);

    FinishReason reason = null;
    int cut = -1;
    if (isStopToken(r, token)) {
      reason = FinishReason.STOP_TOKEN;
    } else if (r.text != null) {
      int before = r.text.length();
      r.text.append(r.textStream.accept(token));
      cut = stopStringAt(r, before);
      if (cut >= 0) {
        reason = FinishReason.STOP_STRING;
      }
    }
    if (reason == null && r.generated >= r.request.maxTokens()) {
      reason = FinishReason.LENGTH;
    }
    if (reason != null && reason != FinishReason.STOP_STRING && r.text != null) {
      r.text.append(r.textStream.finish());
    }
    String delta = "";
    if (r.text != null) {
      // Hold back the tail that could still grow into a stop string, so a stop string is never
      // half-sent; flush everything when the generation ends.
      int end = cut >= 0 ? cut : reason != null ? r.text.length() : r.text.length() - r.stopHoldBack;
      if (end > r.sentChars) {
        delta = r.text.substring(r.sentChars, end);
        r.sentChars = end;
      }
    }
    try {
      r.generation.onToken(token, delta);
    } catch (RuntimeException e) {
      fail(r, new RequestAbortedException(RequestAbortedException.Cause.CANCELLED, "client stream closed: " + e.getMessage()));
      return;
    }
    if (reason == null) {
      r.pendingToken = token;
    } else {
      finish(r, reason, now);
    }
  }

  private boolean isStopToken(ActiveRequest r, int token) {
    for (int id : eos) {
      if (id == token) {
        return true;
      }
    }
    for (int id : r.request.stopTokenIds()) {
      if (id == token) {
        return true;
      }
    }
    return false;
  }

  // Index in r.text where a stop string starts, looking only at matches that end in the text
  // appended after `before`; -1 if none.
  private static int stopStringAt(ActiveRequest r, int before) {
    int best = -1;
    for (String stop : r.request.stopStrings()) {
      int at = r.text.indexOf(stop, Math.max(0, before - stop.length() + 1));
      if (at >= 0 && (best < 0 || at < best)) {
        best = at;
      }
    }
    return best;
  }

  private void finish(ActiveRequest r, FinishReason reason, long now) {
    release(r);
    r.meters.finished.get(reason).increment();
    r.meters.endToEnd.record(now - r.submittedNanos, java.util.concurrent.TimeUnit.NANOSECONDS);
    Completion completion =
        new Completion(
            reason,
            r.placement.name(),
            r.prompt.length,
            r.generated,
            (r.firstTokenNanos - r.submittedNanos) / 1e9,
            (r.admittedNanos - r.submittedNanos) / 1e9);
    try {
      r.generation.onFinished(completion);
    } catch (RuntimeException ignored) {
      // The client went away after its last token; the request has ended all the same.
    }
    engine.ended(r);
  }

  /** Ends a running request with {@code error}: memory freed first, then one listener call. */
  void fail(ActiveRequest r, RuntimeException error) {
    if (r.done) {
      return;
    }
    release(r);
    notifyFailed(r, error);
  }

  /** Ends a request that never entered the batch (expired or cancelled while waiting). */
  void abortQueued(ActiveRequest r) {
    RuntimeException error =
        r.cancelled
            ? new RequestAbortedException(RequestAbortedException.Cause.CANCELLED, "request cancelled while waiting for memory")
            : new RequestAbortedException(RequestAbortedException.Cause.DEADLINE_EXCEEDED, "request deadline passed while waiting for memory");
    failUnstarted(r, error);
  }

  void failUnstarted(ActiveRequest r, RuntimeException error) {
    if (r.reservation != null) {
      pools.release(r.reservation);
    }
    r.done = true;
    notifyFailed(r, error);
  }

  /** Ends every running request with {@code error}, at shutdown. */
  void failAll(RuntimeException error) {
    for (ActiveRequest r : running) {
      fail(r, error);
    }
    removeDone();
  }

  private void notifyFailed(ActiveRequest r, RuntimeException error) {
    try {
      if (r.isScore()) {
        r.scoring.onFailed(error);
      } else {
        r.generation.onFailed(error);
      }
    } catch (RuntimeException ignored) {
      // Nothing more can be told to a listener that throws.
    }
    engine.ended(r);
  }

  private void release(ActiveRequest r) {
    r.done = true;
    pools.release(r.reservation);
    if (r.sequence != null) {
      r.sequence.release();
    }
  }

  private void removeDone() {
    for (int i = running.size() - 1; i >= 0; i--) {
      ActiveRequest r = running.get(i);
      if (r.done) {
        running.remove(i);
        r.meters.running.decrementAndGet();
      }
    }
  }
}
