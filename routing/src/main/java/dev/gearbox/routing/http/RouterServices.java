package dev.gearbox.routing.http;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.gearbox.routing.admission.ClientLimiter;
import dev.gearbox.routing.config.ActiveConfig;
import dev.gearbox.routing.runtime.RuntimeClient;
import dev.gearbox.routing.runtime.RuntimeView;
import dev.gearbox.routing.slo.SloTracker;
import dev.gearbox.routing.text.PromptCodec;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;

/**
 * What the HTTP front shares between requests.
 *
 * @param config the configuration in force
 * @param runtime the runtime client (one shared channel)
 * @param view cached catalogue and load of the runtime
 * @param codec tokenizer and chat template
 * @param limiter per-client admission
 * @param slo TTFT/TPOT tracking
 * @param registry metrics
 * @param modelName name clients use for the model, or null for the runtime's own name
 * @param gate in-flight count and drain state
 */
public record RouterServices(
    ActiveConfig config,
    RuntimeClient runtime,
    RuntimeView view,
    PromptCodec codec,
    ClientLimiter limiter,
    SloTracker slo,
    PrometheusMeterRegistry registry,
    String modelName,
    RequestGate gate) {

  static final ObjectMapper JSON = new ObjectMapper();

  // Meters looked up once per label set instead of built and registered on every request (the
  // Micrometer builder + registry lookup showed up in the request path's allocation profile).
  private static final java.util.Map<PrometheusMeterRegistry, Meters> METERS =
      java.util.Collections.synchronizedMap(new java.util.WeakHashMap<>());

  private record Meters(
      io.micrometer.core.instrument.Timer overhead,
      java.util.concurrent.ConcurrentHashMap<String, io.micrometer.core.instrument.Counter>
          requests) {}

  private Meters meters() {
    return METERS.computeIfAbsent(
        registry,
        r ->
            new Meters(
                io.micrometer.core.instrument.Timer.builder("gearbox_router_overhead")
                    .description(
                        "time an answered request spent in the router, outside the runtime call")
                    .publishPercentiles(0.5, 0.99)
                    .register(r),
                new java.util.concurrent.ConcurrentHashMap<>()));
  }

  /** Time answered requests spent in the router itself, outside the runtime call. */
  public io.micrometer.core.instrument.Timer overhead() {
    return meters().overhead();
  }

  /** The {@code gearbox_router_requests_total} counter of one outcome. */
  io.micrometer.core.instrument.Counter requests(String placement, String reason, int status) {
    String key = placement + '\u0000' + reason + '\u0000' + status;
    return meters()
        .requests()
        .computeIfAbsent(
            key,
            k ->
                io.micrometer.core.instrument.Counter.builder("gearbox_router_requests")
                    .description("completion requests by outcome")
                    .tag("placement", placement)
                    .tag("reason", reason)
                    .tag("status", Integer.toString(status))
                    .register(registry));
  }

  /** The name clients use: the config's {@code model}, else the builder's, else the runtime's. */
  String servedName(dev.gearbox.routing.runtime.RuntimeInfo info) {
    String configured = config.get().model();
    if (configured != null && !configured.isBlank()) {
      return configured;
    }
    return modelName != null ? modelName : info.modelName();
  }
}
