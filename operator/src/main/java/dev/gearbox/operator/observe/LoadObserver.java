package dev.gearbox.operator.observe;

import dev.gearbox.runtime.api.v1.StatsResponse;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodCondition;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Polls every ready serving pod of each tracked HybridModel on an interval, on its own thread, and
 * keeps the rounds of a sliding window for the reconciler to read. The reconciler never waits on a
 * pod: it reads the last finished round, and a slow or dead pod costs one timeout on this thread.
 */
public final class LoadObserver implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(LoadObserver.class);

  /** Default time between rounds. */
  public static final Duration INTERVAL = Duration.ofSeconds(10);

  /** Rounds without a reconcile asking after which a model is no longer polled. */
  static final int FORGET_AFTER = 30;

  /** Default deadline of one Stats call. */
  public static final Duration TIMEOUT = Duration.ofSeconds(2);

  private final StatsSource source;
  private final PodTargets targets;
  private final Duration interval;
  private final Duration timeout;
  private final Clock clock;
  private final ScheduledExecutorService executor;
  private final Map<String, Tracked> tracked = new ConcurrentHashMap<>();

  /** What is polled for one model and the rounds kept. */
  private static final class Tracked {
    final Supplier<List<Pod>> pods;
    volatile Duration keep;
    volatile Instant touched;
    final Deque<Round> rounds = new ArrayDeque<>();
    final Instant since;

    Tracked(Supplier<List<Pod>> pods, Duration keep, Instant since) {
      this.pods = pods;
      this.keep = keep;
      this.since = since;
      this.touched = since;
    }
  }

  public LoadObserver(
      StatsSource source, PodTargets targets, Duration interval, Duration timeout, Clock clock) {
    this.source = source;
    this.targets = targets;
    this.interval = interval;
    this.timeout = timeout;
    this.clock = clock;
    this.executor =
        Executors.newSingleThreadScheduledExecutor(
            r -> {
              Thread t = new Thread(r, "gearbox-load-observer");
              t.setDaemon(true);
              return t;
            });
    executor.scheduleWithFixedDelay(
        this::pollAll, interval.toMillis(), interval.toMillis(), TimeUnit.MILLISECONDS);
  }

  /** In the cluster: gRPC to each pod IP, every 10 s, 2 s deadline. */
  public static LoadObserver inCluster() {
    return new LoadObserver(
        new GrpcStatsSource(), PodTargets.podIp(), INTERVAL, TIMEOUT, Clock.systemUTC());
  }

  public Duration interval() {
    return interval;
  }

  /**
   * Starts (or keeps) polling the ready pods matching {@code selector} in {@code namespace},
   * keeping {@code keep} of history.
   */
  public void track(
      String namespace,
      String name,
      KubernetesClient client,
      Map<String, String> selector,
      Duration keep) {
    Map<String, String> labels = Map.copyOf(selector);
    track(
        namespace,
        name,
        () -> client.pods().inNamespace(namespace).withLabels(labels).list().getItems(),
        keep);
  }

  /**
   * As {@link #track(String, String, KubernetesClient, Map, Duration)} with the serving pods
   * listed by {@code pods} (called on the observer's thread), for runs without an API server.
   */
  public void track(String namespace, String name, Supplier<List<Pod>> pods, Duration keep) {
    Tracked t =
        tracked.computeIfAbsent(
            namespace + "/" + name, k -> new Tracked(pods, keep, clock.instant()));
    t.keep = keep;
    t.touched = clock.instant();
  }

  /** Stops polling a model (deleted, or no longer needing observation). */
  public void untrack(String namespace, String name) {
    tracked.remove(namespace + "/" + name);
  }

  /** The rounds kept for a model, oldest first; empty when not tracked or none finished yet. */
  public List<Round> rounds(String namespace, String name) {
    Tracked t = tracked.get(namespace + "/" + name);
    if (t == null) {
      return List.of();
    }
    synchronized (t.rounds) {
      return new ArrayList<>(t.rounds);
    }
  }

  /** When observation of this model began (this process); empty when not tracked. */
  public Optional<Instant> trackedSince(String namespace, String name) {
    Tracked t = tracked.get(namespace + "/" + name);
    return t == null ? Optional.empty() : Optional.of(t.since);
  }

  /**
   * Runs one round for every tracked model now; the scheduler calls it, tests may too. A model
   * no reconcile has asked about for {@link #FORGET_AFTER} rounds (deleted, or its spec no longer
   * valid) is dropped: the reconciler comes back every interval while a model exists.
   */
  public void pollAll() {
    Instant stale = clock.instant().minus(interval.multipliedBy(FORGET_AFTER));
    tracked.values().removeIf(t -> t.touched.isBefore(stale));
    Set<String> live = new HashSet<>();
    for (Map.Entry<String, Tracked> e : tracked.entrySet()) {
      try {
        live.addAll(poll(e.getValue()));
      } catch (RuntimeException error) {
        // The API server was unreachable or refused the list: no round, nothing guessed.
        log.warn("observing {} failed: {}", e.getKey(), error.toString());
      }
    }
    source.retain(live);
  }

  private Set<String> poll(Tracked t) {
    Instant at = clock.instant();
    List<Pod> pods = t.pods.get();
    Map<String, CompletableFuture<StatsResponse>> calls = new LinkedHashMap<>();
    Set<String> targetsUsed = new HashSet<>();
    int ready = 0;
    for (Pod pod : pods) {
      if (!isReady(pod)) {
        continue;
      }
      ready++;
      Optional<String> target = targets.target(pod);
      if (target.isEmpty()) {
        continue;
      }
      targetsUsed.add(target.get());
      calls.put(pod.getMetadata().getName(), source.stats(target.get(), timeout));
    }
    Map<String, StatsResponse> answers = new LinkedHashMap<>();
    long deadline = System.nanoTime() + timeout.toNanos() + 200_000_000L;
    for (Map.Entry<String, CompletableFuture<StatsResponse>> call : calls.entrySet()) {
      try {
        long left = Math.max(0, deadline - System.nanoTime());
        answers.put(call.getKey(), call.getValue().get(left, TimeUnit.NANOSECONDS));
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return targetsUsed;
      } catch (Exception e) {
        log.debug("pod {} did not answer Stats: {}", call.getKey(), e.toString());
      }
    }
    Round round = new Round(at, ready, answers);
    synchronized (t.rounds) {
      t.rounds.addLast(round);
      Instant oldest = at.minus(t.keep).minus(interval);
      while (!t.rounds.isEmpty() && t.rounds.peekFirst().at().isBefore(oldest)) {
        t.rounds.removeFirst();
      }
    }
    return targetsUsed;
  }

  /** Ready and not on its way out: what a Service would send traffic to. */
  static boolean isReady(Pod pod) {
    if (pod.getMetadata().getDeletionTimestamp() != null || pod.getStatus() == null) {
      return false;
    }
    List<PodCondition> conditions = pod.getStatus().getConditions();
    if (conditions == null) {
      return false;
    }
    for (PodCondition c : conditions) {
      if ("Ready".equals(c.getType())) {
        return "True".equals(c.getStatus());
      }
    }
    return false;
  }

  @Override
  public void close() {
    executor.shutdownNow();
    source.close();
  }
}
