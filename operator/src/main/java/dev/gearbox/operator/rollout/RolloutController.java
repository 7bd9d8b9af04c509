package dev.gearbox.operator.rollout;

import dev.gearbox.crds.HybridModel;
import dev.gearbox.crds.HybridModelStatus;
import dev.gearbox.crds.PlacementStatus;
import dev.gearbox.crds.RolloutGate;
import dev.gearbox.crds.RolloutPhase;
import dev.gearbox.crds.RolloutSpec;
import dev.gearbox.crds.RolloutStatus;
import dev.gearbox.operator.desired.ServiceDependent;
import dev.gearbox.operator.rollout.RolloutMachine.GateResult;
import dev.gearbox.operator.rollout.RolloutMachine.Verdict;
import dev.gearbox.operator.spec.ResolvedSpec;
import dev.gearbox.runtime.search.TeacherSamples;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.time.Duration;
import java.time.Instant;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.function.Function;

/**
 * Drives the rollout of one HybridModel per reconcile: applies {@link RolloutMachine} to the
 * previous status.rollout with the gate's result (run by {@link GateRunner}, never on the reconcile
 * thread) or the current canary step's analysis ({@link CanaryMetrics}, once the step's analysis
 * interval has passed), and says when to look again.
 */
public final class RolloutController implements AutoCloseable {
  /** How often a running gate is polled. */
  static final Duration GATE_POLL = Duration.ofSeconds(2);

  /** How often a step whose canary has no traffic yet is looked at again. */
  static final Duration HOLD_POLL = Duration.ofSeconds(10);

  static final int DEFAULT_ANALYSIS_SECONDS = 300;
  static final int DEFAULT_GATE_TIMEOUT_SECONDS = 600;

  private final Function<HybridModel, ScoreClient> connect;
  private final CanaryMetrics metrics;
  private final GateRunner gates = new GateRunner();

  /**
   * @param connect a Score client of the model's serving pods
   * @param metrics the canary analysis's figures
   */
  public RolloutController(Function<HybridModel, ScoreClient> connect, CanaryMetrics metrics) {
    this.connect = connect;
    this.metrics = metrics;
  }

  /** Score calls through the model's Service, as in a cluster; no canary metrics source. */
  public static RolloutController inCluster() {
    return inCluster(CanaryMetrics.UNOBSERVED);
  }

  /** Score calls through the model's Service, as in a cluster; canaries judged by {@code metrics}. */
  public static RolloutController inCluster(CanaryMetrics metrics) {
    return new RolloutController(
        model ->
            new GrpcScoreClient(
                model.getMetadata().getName()
                    + "."
                    + model.getMetadata().getNamespace()
                    + ".svc:"
                    + ServiceDependent.RUNTIME_GRPC_PORT),
        metrics);
  }

  /**
   * The rollout's next state.
   *
   * @param rollout status.rollout to write, null for none
   * @param recheckAfter when to reconcile again for the rollout's sake, null when nothing waits
   * @param transition the Event to record for this change, null when the phase and step stand
   */
  public record Outcome(RolloutStatus rollout, Duration recheckAfter, Transition transition) {}

  /**
   * One transition, recorded as an Event.
   *
   * @param warning Warning (a rollback, a failed gate) rather than Normal
   */
  public record Transition(String reason, String message, boolean warning) {}

  /** Moves the rollout of {@code model} on; {@code client} reads the gate's samples. */
  public Outcome reconcile(
      HybridModel model, ResolvedSpec spec, KubernetesClient client, Instant now) {
    HybridModelStatus previous = model.getStatus();
    RolloutStatus before = previous == null ? null : previous.getRollout();
    Map<String, String> live = new HashMap<>();
    if (previous != null && previous.getObservedGeneration() != null) {
      for (PlacementStatus p : previous.getPlacements()) {
        live.put(p.name(), p.pattern());
      }
    }
    RolloutSpec rolloutSpec = spec.spec().getRollout();
    RolloutStatus current = RolloutMachine.trigger(before, live, spec, now);
    if (before != null
        && before.phase() == RolloutPhase.Gating
        && (current == null || !gateKey(model, current).equals(gateKey(model, before)))) {
      gates.forget(gateKey(model, before));
    }
    if (current == null) {
      return new Outcome(null, null, null);
    }
    RolloutStatus next = current;
    Duration recheck = null;
    if (current.phase() == RolloutPhase.Gating) {
      GateResult result =
          gates.poll(gateKey(model, current), () -> runGate(model, current, rolloutSpec, client));
      next = RolloutMachine.step(current, rolloutSpec, result, null, now);
      if (next.phase() == RolloutPhase.Gating) {
        recheck = GATE_POLL;
      }
    } else if (current.phase() == RolloutPhase.Canary) {
      Duration interval = analysisInterval(rolloutSpec);
      Instant stepStart = Instant.parse(current.stepStartedAt());
      Instant due = stepStart.plus(interval);
      if (now.isBefore(due)) {
        recheck = Duration.between(now, due);
      } else {
        Optional<Verdict> verdict =
            CanaryAnalysis.judge(
                metrics.observe(model, current.placement(), stepStart),
                metrics.observe(model, current.baseline(), stepStart),
                spec.spec().getSlo());
        next = RolloutMachine.step(current, rolloutSpec, null, verdict.orElse(null), now);
        recheck = verdict.isEmpty() ? HOLD_POLL : null;
      }
    }
    if (next.phase() == RolloutPhase.Canary && recheck == null) {
      recheck = analysisInterval(rolloutSpec);
    }
    return new Outcome(next, recheck, transition(before, next));
  }

  /** The Event for going from {@code before} to {@code after}, or null when nothing moved. */
  static Transition transition(RolloutStatus before, RolloutStatus after) {
    boolean sameRollout =
        before != null
            && before.placement().equals(after.placement())
            && before.layers().equals(after.layers())
            && Objects.equals(before.startedAt(), after.startedAt());
    String what = after.placement() + " (" + after.layers() + ")";
    if (!sameRollout) {
      String superseded =
          before != null && before.active()
              ? "; supersedes the rollout of " + before.placement() + " (" + before.layers() + ")"
              : "";
      return new Transition(
          "RolloutStarted",
          "rolling out " + what + " against " + after.baseline() + superseded,
          false);
    }
    if (before.phase() == after.phase() && Objects.equals(before.step(), after.step())) {
      return null;
    }
    boolean warning =
        after.phase() == RolloutPhase.RolledBack || after.phase() == RolloutPhase.Failed;
    String reason =
        before.phase() == after.phase() ? "RolloutStep" : "Rollout" + after.phase().name();
    return new Transition(
        reason, what + ": " + after.phase() + " at " + after.weight() + "%: " + after.reason(),
        warning);
  }

  private GateResult runGate(
      HybridModel model, RolloutStatus rollout, RolloutSpec spec, KubernetesClient client) {
    RolloutGate gate = spec.getGate();
    if (gate == null || gate.getSamples() == null) {
      return new GateResult(
          false, null, "spec.rollout.gate.samples names no ConfigMap of reference samples");
    }
    String name = gate.getSamples().getConfigMap();
    String key =
        gate.getSamples().getKey() == null ? "teacher-samples.jsonl" : gate.getSamples().getKey();
    ConfigMap map =
        client.configMaps().inNamespace(model.getMetadata().getNamespace()).withName(name).get();
    if (map == null) {
      return new GateResult(false, null, "ConfigMap '" + name + "' of reference samples not found");
    }
    String text = map.getData() == null ? null : map.getData().get(key);
    if (text == null) {
      return new GateResult(
          false, null, "ConfigMap '" + name + "' has no key '" + key + "' of reference samples");
    }
    TeacherSamples samples;
    try {
      samples =
          TeacherSamples.parse(
              "ConfigMap " + name + "/" + key,
              Arrays.stream(text.split("\n")).filter(l -> !l.isBlank()).toList());
    } catch (IllegalArgumentException e) {
      return new GateResult(false, null, e.getMessage());
    }
    Duration timeout =
        Duration.ofSeconds(
            gate.getTimeoutSeconds() == null
                ? DEFAULT_GATE_TIMEOUT_SECONDS
                : gate.getTimeoutSeconds());
    try (ScoreClient scores = connect.apply(model)) {
      return QualityGateJob.run(
          scores, samples, rollout.placement(), rollout.layers(), gate, timeout);
    }
  }

  private static Duration analysisInterval(RolloutSpec spec) {
    return Duration.ofSeconds(
        spec == null || spec.getAnalysisSeconds() == null
            ? DEFAULT_ANALYSIS_SECONDS
            : spec.getAnalysisSeconds());
  }

  private static String gateKey(HybridModel model, RolloutStatus rollout) {
    return model.getMetadata().getNamespace()
        + "/"
        + model.getMetadata().getName()
        + "/"
        + rollout.placement()
        + "/"
        + rollout.layers()
        + "/"
        + rollout.startedAt();
  }

  @Override
  public void close() {
    gates.close();
  }
}
