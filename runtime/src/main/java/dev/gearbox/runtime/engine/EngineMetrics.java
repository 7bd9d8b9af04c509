package dev.gearbox.runtime.engine;

import dev.gearbox.runtime.placement.MixerKind;
import dev.gearbox.runtime.placement.Placement;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.time.Duration;
import java.util.Collection;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The engine's Micrometer meters, named like vLLM's with a {@code gearbox_} prefix and labelled
 * by placement (never by request): {@code gearbox_kv_cache_usage_perc}, {@code
 * gearbox_num_requests_running}, {@code gearbox_num_requests_waiting}, {@code
 * gearbox_time_to_first_token_seconds}, {@code gearbox_time_per_output_token_seconds}, {@code
 * gearbox_e2e_request_latency_seconds}, {@code gearbox_prompt_tokens_total}, {@code
 * gearbox_generation_tokens_total}, {@code gearbox_request_success_total}.
 */
public final class EngineMetrics {
  private final Map<String, PlacementMeters> byPlacement = new LinkedHashMap<>();

  /** Meters of one placement; the scheduler holds a reference so updates need no lookup. */
  public static final class PlacementMeters {
    final AtomicInteger running = new AtomicInteger();
    final AtomicInteger waiting = new AtomicInteger();
    final Counter promptTokens;
    final Counter generationTokens;
    final Counter preemptions;
    final Timer timeToFirstToken;
    final Timer timePerOutputToken;
    final Timer endToEnd;
    final Map<FinishReason, Counter> finished = new EnumMap<>(FinishReason.class);
    final LatencyHistogram ttftHistogram = new LatencyHistogram();
    final LatencyHistogram tpotHistogram = new LatencyHistogram();

    PlacementMeters(MeterRegistry registry, String placement) {
      Gauge.builder("gearbox.num.requests.running", running, AtomicInteger::get)
          .description("Requests in the running batch")
          .tag("placement", placement)
          .register(registry);
      Gauge.builder("gearbox.num.requests.waiting", waiting, AtomicInteger::get)
          .description("Requests waiting for memory")
          .tag("placement", placement)
          .register(registry);
      promptTokens =
          Counter.builder("gearbox.prompt.tokens")
              .description("Prefilled prompt tokens")
              .tag("placement", placement)
              .register(registry);
      generationTokens =
          Counter.builder("gearbox.generation.tokens")
              .description("Generated tokens")
              .tag("placement", placement)
              .register(registry);
      preemptions =
          Counter.builder("gearbox.num.preemptions")
              .description("Sequences preempted when memory ran out (recomputed later)")
              .tag("placement", placement)
              .register(registry);
      timeToFirstToken = latency(registry, "gearbox.time.to.first.token", placement, "Time to first token");
      timePerOutputToken =
          latency(registry, "gearbox.time.per.output.token", placement, "Time per output token after the first");
      endToEnd = latency(registry, "gearbox.e2e.request.latency", placement, "Request latency, submit to finish");
      for (FinishReason reason : FinishReason.values()) {
        finished.put(
            reason,
            Counter.builder("gearbox.request.success")
                .description("Requests finished normally")
                .tag("placement", placement)
                .tag("finished_reason", reason.name().toLowerCase(java.util.Locale.ROOT))
                .register(registry));
      }
    }

    private static Timer latency(MeterRegistry registry, String name, String placement, String help) {
      return Timer.builder(name)
          .description(help)
          .tag("placement", placement)
          .publishPercentileHistogram()
          .minimumExpectedValue(Duration.ofNanos(100_000))
          .maximumExpectedValue(Duration.ofSeconds(60))
          .register(registry);
    }

    void recordTimeToFirstToken(long nanos) {
      timeToFirstToken.record(nanos, TimeUnit.NANOSECONDS);
      ttftHistogram.record(nanos);
    }

    void recordTimePerOutputToken(long nanos) {
      timePerOutputToken.record(nanos, TimeUnit.NANOSECONDS);
      tpotHistogram.record(nanos);
    }
  }

  EngineMetrics(MeterRegistry registry, Collection<Placement> placements, MemoryPools pools) {
    Gauge.builder("gearbox.kv.cache.usage.perc", pools, MemoryPools::utilization)
        .description("Fraction of the decode-state memory budget reserved (KV pressure), 0..1")
        .register(registry);
    Gauge.builder("gearbox.kv.cache.capacity.bytes", pools, p -> (double) p.capacityBytes())
        .description("Decode-state memory budget")
        .register(registry);
    for (MixerKind kind : MixerKind.values()) {
      Gauge.builder("gearbox.kv.cache.used.bytes", pools, p -> (double) p.byKind().get(kind)[0])
          .description("Bytes reserved in one state pool")
          .tag("pool", kind.shortName())
          .register(registry);
    }
    for (Placement placement : placements) {
      byPlacement.put(placement.name(), new PlacementMeters(registry, placement.name()));
    }
  }

  PlacementMeters of(String placement) {
    return byPlacement.get(placement);
  }
}
