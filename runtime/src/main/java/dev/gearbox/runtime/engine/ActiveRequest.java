package dev.gearbox.runtime.engine;

import dev.gearbox.runtime.model.SequenceState;
import dev.gearbox.runtime.placement.Placement;
import java.util.SplittableRandom;

/** The scheduler's mutable view of one submitted request (generation or scoring). */
final class ActiveRequest implements RequestHandle {
  final Engine engine;
  final GenerationRequest request;
  final Placement placement;
  final int[] prompt;
  final GenerationListener generation;
  final ScoreListener scoring;
  final long submittedNanos;
  final long deadlineNanos;
  final SplittableRandom random;
  final StringBuilder text;
  // Per-request streaming decoder (holds back partial UTF-8), null without a tokenizer.
  final TokenDecoder.TextStream textStream;
  // Characters of text held back because a stop string could still complete there.
  final int stopHoldBack;

  // Written by any thread, read by the scheduler.
  volatile boolean cancelled;

  // Scheduler thread only.
  MemoryPools.Reservation reservation;
  EngineMetrics.PlacementMeters meters;
  SequenceState sequence;
  long admittedNanos;
  long firstTokenNanos;
  long lastTokenNanos;
  // Tokens fed by prefill: the prompt, or after a preemption the prompt plus every generated
  // token but the last (which is the pending token the next decode feeds).
  int[] feed;
  int prefilled;
  int generated;
  // Every generated token, so a preempted sequence can be recomputed.
  int[] output = new int[16];
  int preemptions;
  // When the listener was first seen not ready (output backed up), or 0 while it is ready.
  long pausedSinceNanos;
  int promptCounted;
  int pendingToken = -1;
  int sentChars;
  float[] logProbs;
  boolean done;

  ActiveRequest(
      Engine engine,
      GenerationRequest request,
      Placement placement,
      GenerationListener generation,
      ScoreListener scoring,
      boolean withText) {
    this.engine = engine;
    this.request = request;
    this.placement = placement;
    this.prompt = request.prompt();
    this.feed = prompt;
    this.generation = generation;
    this.scoring = scoring;
    this.submittedNanos = System.nanoTime();
    this.deadlineNanos = request.deadlineNanos();
    this.random = new SplittableRandom(request.sampling().seed());
    this.text = withText ? new StringBuilder() : null;
    this.textStream = withText ? engine.tokenizer().newStream() : null;
    int longestStop = 0;
    for (String stop : request.stopStrings()) {
      longestStop = Math.max(longestStop, stop.length());
    }
    this.stopHoldBack = Math.max(0, longestStop - 1);
    if (scoring != null) {
      this.logProbs = new float[prompt.length - 1];
    }
  }

  boolean expired(long nowNanos) {
    return deadlineNanos != Long.MAX_VALUE && nowNanos - deadlineNanos > 0;
  }

  boolean isScore() {
    return scoring != null;
  }

  boolean prefillDone() {
    return prefilled == feed.length;
  }

  /** Tokens this request may hold at most. */
  int maxContext() {
    return isScore() ? prompt.length : prompt.length + request.maxTokens();
  }

  /**
   * Tokens to hold room for at admission: the tokens to prefill plus the one the first decode
   * appends (a scoring pass holds exactly its tokens).
   */
  int admissionTokens() {
    return isScore() ? prompt.length : Math.min(maxContext(), feed.length + 1);
  }

  void recordOutput(int token) {
    if (generated == output.length) {
      output = java.util.Arrays.copyOf(output, output.length * 2);
    }
    output[generated] = token;
  }

  /**
   * Forgets the decode state after a preemption: the next admission prefills the prompt and the
   * tokens generated so far except the last, which stays pending, so decoding resumes exactly
   * where it stopped and nothing is sent twice.
   */
  void resetForRecompute() {
    sequence = null;
    reservation = null;
    prefilled = 0;
    preemptions++;
    if (generated == 0) {
      feed = prompt;
      pendingToken = -1;
    } else {
      feed = java.util.Arrays.copyOf(prompt, prompt.length + generated - 1);
      System.arraycopy(output, 0, feed, prompt.length, generated - 1);
      pendingToken = output[generated - 1];
    }
  }

  @Override
  public void cancel() {
    cancelled = true;
    engine.wake();
  }

  @Override
  public void resume() {
    engine.wake();
  }

  @Override
  public String placementName() {
    return placement.name();
  }
}
