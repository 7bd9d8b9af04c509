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
  int prefilled;
  int generated;
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
    this.generation = generation;
    this.scoring = scoring;
    this.submittedNanos = System.nanoTime();
    this.deadlineNanos = request.deadlineNanos();
    this.random = new SplittableRandom(request.sampling().seed());
    this.text = withText ? new StringBuilder() : null;
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
    return prefilled == prompt.length;
  }

  /** Tokens this request may hold at most: the reservation size. */
  int maxContext() {
    return isScore() ? prompt.length : prompt.length + request.maxTokens();
  }

  @Override
  public void cancel() {
    cancelled = true;
    engine.wake();
  }

  @Override
  public String placementName() {
    return placement.name();
  }
}
