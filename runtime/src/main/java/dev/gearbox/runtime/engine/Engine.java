package dev.gearbox.runtime.engine;

import dev.gearbox.runtime.model.LanguageModel;
import dev.gearbox.runtime.placement.Placement;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

/**
 * Continuous batching over every placement of one model: admits requests by memory, feeds long
 * prompts in chunks, and runs one {@link LanguageModel#decode} per step over all running requests
 * whatever their placement.
 *
 * <p>Threads: {@link #submit}, {@link #score}, {@link #stats} and cancellation may be called from
 * any thread; one scheduler thread owns the running batch, calls the model and all listeners.
 * Every accepted request gets exactly one terminal listener call.
 */
public final class Engine implements AutoCloseable {
  private final LanguageModel model;
  private final Map<String, Placement> placements;
  private final Placement defaultPlacement;
  private final EngineConfig config;
  private final TokenDecoder decoder;
  private final MemoryPools pools;
  private final EngineMetrics metrics;
  private final ThroughputMeter generated = new ThroughputMeter();
  private final ThroughputMeter prefilled = new ThroughputMeter();
  private final StepRunner steps;
  private final Thread thread;

  private final ReentrantLock lock = new ReentrantLock();
  private final Condition wakeup = lock.newCondition();
  private final Condition idle = lock.newCondition();
  // Guarded by lock.
  private final ArrayDeque<ActiveRequest> waiting = new ArrayDeque<>();
  private final ArrayDeque<ActiveRequest> admitted = new ArrayDeque<>();
  private ActiveRequest blockedHead;
  private int headBypassed;
  private int inFlight;
  private boolean accepting = true;
  private boolean stopping;
  private boolean woken;

  /**
   * @param placements the placements served, by name; the model's default placement is added
   * @param decoder tokenizer hook for text prompts, text deltas and stop strings; may be null
   */
  public Engine(
      LanguageModel model,
      Collection<Placement> placements,
      EngineConfig config,
      TokenDecoder decoder,
      MeterRegistry registry) {
    this.model = model;
    this.config = config;
    this.decoder = decoder;
    this.defaultPlacement = model.defaultPlacement();
    Map<String, Placement> byName = new LinkedHashMap<>();
    byName.put(defaultPlacement.name(), defaultPlacement);
    for (Placement p : placements) {
      if (p.layers().size() != model.numLayers()) {
        throw new IllegalArgumentException(
            "placement '" + p.name() + "' has " + p.layers().size() + " layers, the model "
                + model.numLayers());
      }
      byName.put(p.name(), p);
    }
    // Registration order, so Info and the router's /v1/models list placements the same way every run.
    this.placements = java.util.Collections.unmodifiableMap(byName);
    this.pools = new MemoryPools(config.memoryBudgetBytes(), config.kvBlockTokens());
    this.metrics = new EngineMetrics(registry, byName.values(), pools);
    this.steps = new StepRunner(this, model, config, pools);
    this.thread = new Thread(this::loop, "gearbox-scheduler");
    this.thread.setDaemon(true);
    this.thread.start();
  }

  public LanguageModel model() {
    return model;
  }

  public EngineConfig config() {
    return config;
  }

  public MemoryPools pools() {
    return pools;
  }

  /** Placements served, in registration order (default first). */
  public List<Placement> placements() {
    List<Placement> out = new ArrayList<>();
    out.add(defaultPlacement);
    for (Placement p : placements.values()) {
      if (p != defaultPlacement) {
        out.add(p);
      }
    }
    return out;
  }

  public Placement defaultPlacement() {
    return defaultPlacement;
  }

  /** The tokenizer hook, or null. */
  public TokenDecoder tokenizer() {
    return decoder;
  }

  /** True when a tokenizer is plugged in, so text prompts and stop strings work. */
  public boolean hasTokenizer() {
    return decoder != null;
  }

  /**
   * Accepts a generation.
   *
   * @throws InvalidRequestException the request can never be served as given
   * @throws OverloadedException memory and waiting queue are full
   * @throws ShuttingDownException the engine is draining
   */
  public RequestHandle submit(GenerationRequest request, GenerationListener listener) {
    Placement placement = resolve(request.placement());
    // As a long: a max_tokens near Integer.MAX_VALUE must not wrap around below the limit.
    validate(request, placement, "prompt_token_ids", (long) request.prompt().length + request.maxTokens(), "max_tokens");
    if (!request.stopStrings().isEmpty() && decoder == null) {
      throw new InvalidRequestException("stop_strings need a tokenizer; this server has none");
    }
    return enqueue(new ActiveRequest(this, request, placement, listener, null, decoder != null));
  }

  /**
   * Accepts a scoring pass over {@code tokens} under {@code placementName}.
   *
   * @throws InvalidRequestException fewer than 2 tokens, unknown placement, beyond the context
   */
  public RequestHandle score(String placementName, int[] tokens, long deadlineNanos, ScoreListener listener) {
    if (tokens == null || tokens.length < 2) {
      throw new InvalidRequestException(
          "token_ids must hold at least 2 tokens to score, got " + (tokens == null ? 0 : tokens.length));
    }
    Placement placement = resolve(placementName);
    GenerationRequest request =
        new GenerationRequest("", placementName, tokens, SamplingParams.greedy(), 1, null, null, deadlineNanos);
    validate(request, placement, "token_ids", tokens.length, null);
    return enqueue(new ActiveRequest(this, request, placement, null, listener, false));
  }

  /** Resolves a placement name; empty means the model's default. */
  public Placement resolve(String name) {
    if (name == null || name.isEmpty()) {
      return defaultPlacement;
    }
    Placement placement = placements.get(name);
    if (placement == null) {
      throw new InvalidRequestException(
          "placement: unknown placement '" + name + "', expected one of " + placements().stream().map(Placement::name).toList());
    }
    return placement;
  }

  private void validate(
      GenerationRequest request, Placement placement, String tokensField, long context, String lengthField) {
    int vocab = model.vocabSize();
    int[] prompt = request.prompt();
    for (int i = 0; i < prompt.length; i++) {
      if (prompt[i] < 0 || prompt[i] >= vocab) {
        throw new InvalidRequestException(
            tokensField + "[" + i + "] is " + prompt[i] + ", outside the vocabulary [0, " + vocab + ")");
      }
    }
    int[] stops = request.stopTokenIds();
    for (int i = 0; i < stops.length; i++) {
      if (stops[i] < 0 || stops[i] >= vocab) {
        throw new InvalidRequestException(
            "stop_token_ids[" + i + "] is " + stops[i] + ", outside the vocabulary [0, " + vocab + ")");
      }
    }
    int limit = model.maxContextLength();
    if (context > limit) {
      throw new InvalidRequestException(
          lengthField == null
              ? "token_ids has " + context + " tokens, beyond the model's context limit of " + limit
              : "prompt (" + prompt.length + " tokens) + " + lengthField + " (" + request.maxTokens()
                  + ") = " + context + " exceeds the model's context limit of " + limit + " tokens");
    }
    long bytes = pools.bytesFor(placement, (int) context);
    if (bytes > pools.capacityBytes()) {
      throw new InvalidRequestException(
          "request needs " + bytes + " bytes of decode state under placement '" + placement.name()
              + "', more than the whole memory budget of " + pools.capacityBytes()
              + " bytes: lower max_tokens or use a cheaper placement");
    }
  }

  private RequestHandle enqueue(ActiveRequest r) {
    lock.lock();
    try {
      if (!accepting) {
        throw new ShuttingDownException("server is shutting down and takes no new requests");
      }
      if (waiting.isEmpty() && inFlight < config.maxRunning()) {
        r.reservation = pools.tryReserve(r.placement, r.admissionTokens());
      }
      if (r.reservation != null) {
        admitted.add(r);
      } else if (waiting.size() < config.maxWaiting()) {
        waiting.add(r);
        metrics.of(r.placement.name()).waiting.incrementAndGet();
      } else {
        throw new OverloadedException(
            "memory budget is full (" + pools.usedBytes() + " of " + pools.capacityBytes()
                + " bytes held) and " + waiting.size() + " requests are already waiting",
            config.retryAfter());
      }
      inFlight++;
      woken = true;
      wakeup.signal();
      return r;
    } finally {
      lock.unlock();
    }
  }

  // Called by the scheduler thread: a preempted request goes back to the head of the queue
  // (beyond maxWaiting: it was admitted once) and keeps its place in the in-flight count.
  void requeue(ActiveRequest r) {
    lock.lock();
    try {
      waiting.addFirst(r);
      metrics.of(r.placement.name()).waiting.incrementAndGet();
      woken = true;
    } finally {
      lock.unlock();
    }
  }

  void wake() {
    lock.lock();
    try {
      woken = true;
      wakeup.signal();
    } finally {
      lock.unlock();
    }
  }

  /** A snapshot of memory, queue and throughput. */
  public EngineStats stats() {
    Map<String, EngineStats.PlacementLoad> loads = new LinkedHashMap<>();
    Map<String, long[]> bytes = pools.byPlacement();
    int running = 0;
    int waitingCount = 0;
    for (Placement p : placements()) {
      EngineMetrics.PlacementMeters m = metrics.of(p.name());
      long[] b = bytes.getOrDefault(p.name(), new long[2]);
      int r = m.running.get();
      int w = m.waiting.get();
      running += r;
      waitingCount += w;
      loads.put(
          p.name(),
          new EngineStats.PlacementLoad(
              r, w, b[0], b[1], m.ttftHistogram.snapshot(), m.tpotHistogram.snapshot()));
    }
    long now = System.nanoTime();
    return new EngineStats(
        pools.capacityBytes(),
        pools.usedBytes(),
        pools.filledBytes(),
        running,
        waitingCount,
        pools.byKind(),
        loads,
        generated.perSecond(now),
        prefilled.total(),
        generated.total());
  }

  /** Stops taking new requests; accepted ones keep running. */
  public void stopAccepting() {
    lock.lock();
    try {
      accepting = false;
    } finally {
      lock.unlock();
    }
  }

  /** False once {@link #stopAccepting} or {@link #close} was called. */
  public boolean isAccepting() {
    lock.lock();
    try {
      return accepting;
    } finally {
      lock.unlock();
    }
  }

  /** Waits until every accepted request has ended; true if that happened within {@code timeout}. */
  public boolean awaitIdle(Duration timeout) throws InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    lock.lock();
    try {
      while (inFlight > 0) {
        long left = deadline - System.nanoTime();
        if (left <= 0) {
          return false;
        }
        idle.awaitNanos(left);
      }
      return true;
    } finally {
      lock.unlock();
    }
  }

  /**
   * Stops the scheduler: requests still queued or running end with {@link ShuttingDownException}
   * and their memory is freed. Call {@link #stopAccepting} and {@link #awaitIdle} first to drain.
   */
  @Override
  public void close() {
    lock.lock();
    try {
      accepting = false;
      stopping = true;
      wakeup.signal();
    } finally {
      lock.unlock();
    }
    try {
      thread.join();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  private void loop() {
    List<ActiveRequest> newlyAdmitted = new ArrayList<>();
    List<ActiveRequest> expired = new ArrayList<>();
    while (true) {
      lock.lock();
      try {
        while (!stopping && !woken && inFlight == 0) {
          wakeup.await();
        }
        if (!stopping && !woken && steps.isEmpty()) {
          // Only queued requests: wake up now and then to expire their deadlines.
          wakeup.await(50, TimeUnit.MILLISECONDS);
        }
        woken = false;
        if (stopping) {
          break;
        }
        admit(expired);
        newlyAdmitted.addAll(admitted);
        admitted.clear();
      } catch (InterruptedException e) {
        break;
      } finally {
        lock.unlock();
      }
      for (ActiveRequest r : expired) {
        steps.abortQueued(r);
      }
      expired.clear();
      for (ActiveRequest r : newlyAdmitted) {
        steps.start(r, metrics.of(r.placement.name()));
      }
      newlyAdmitted.clear();
      if (!steps.step()) {
        // Every running sequence is paused (clients not reading) or waiting: sleep until a
        // client is ready again, a request arrives or ends, or 10 ms pass (deadlines, timeouts).
        lock.lock();
        try {
          if (!woken && !stopping) {
            wakeup.await(10, TimeUnit.MILLISECONDS);
          }
        } catch (InterruptedException e) {
          break;
        } finally {
          lock.unlock();
        }
      }
    }
    lock.lock();
    try {
      expired.addAll(waiting);
      waiting.clear();
      expired.addAll(admitted);
      admitted.clear();
    } finally {
      lock.unlock();
    }
    ShuttingDownException shutdown = new ShuttingDownException("server shut down before the request finished");
    for (ActiveRequest r : expired) {
      if (r.reservation == null) {
        metrics.of(r.placement.name()).waiting.decrementAndGet();
      }
      steps.failUnstarted(r, shutdown);
    }
    steps.failAll(shutdown);
  }

  // Under lock: moves waiting requests that fit into `admitted`; drops cancelled/expired ones.
  private void admit(List<ActiveRequest> expired) {
    long now = System.nanoTime();
    Iterator<ActiveRequest> it = waiting.iterator();
    while (it.hasNext()) {
      ActiveRequest r = it.next();
      boolean head = r == waiting.peekFirst();
      if (r.cancelled || r.expired(now)) {
        it.remove();
        metrics.of(r.placement.name()).waiting.decrementAndGet();
        expired.add(r);
        continue;
      }
      if (steps.size() + admitted.size() >= config.maxRunning()) {
        return;
      }
      if (head && r != blockedHead) {
        blockedHead = r;
        headBypassed = 0;
      }
      if (!head && (headBypassed >= config.maxBypass() || waiting.peekFirst().preemptions > 0)) {
        // The head has waited past enough smaller requests, or was preempted and must resume
        // first: keep the memory freeing up for it.
        return;
      }
      r.reservation = pools.tryReserve(r.placement, r.admissionTokens());
      if (r.reservation != null) {
        it.remove();
        metrics.of(r.placement.name()).waiting.decrementAndGet();
        admitted.add(r);
        if (!head) {
          headBypassed++;
        }
      }
    }
  }

  // Called by the scheduler thread when a request has had its terminal listener call.
  void ended(ActiveRequest r) {
    lock.lock();
    try {
      inFlight--;
      if (inFlight == 0) {
        idle.signalAll();
      }
      // Memory was freed: let the loop look at the waiting queue again.
      woken = true;
    } finally {
      lock.unlock();
    }
  }

  ThroughputMeter generatedMeter() {
    return generated;
  }

  ThroughputMeter prefilledMeter() {
    return prefilled;
  }

  int[] eosTokenIds() {
    return model.eosTokenIds();
  }
}
