package dev.gearbox.operator.autoscale;

import dev.gearbox.crds.HybridModel;
import dev.gearbox.crds.HybridModelStatus;
import dev.gearbox.crds.ScalingStatus;
import dev.gearbox.crds.SloSpec;
import dev.gearbox.operator.desired.Labels;
import dev.gearbox.operator.observe.LatencyWindow;
import dev.gearbox.operator.observe.LoadObserver;
import dev.gearbox.operator.observe.Round;
import dev.gearbox.operator.observe.SloVerdict;
import dev.gearbox.operator.status.Conditions;
import dev.gearbox.operator.status.Events;
import io.fabric8.kubernetes.api.model.Condition;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeFormatter;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Closes the loop for each HybridModel on every reconcile: reads the observer's rounds, fills
 * status.kvUtilization, status.slo, SloMet and status.scaling, and in mode kv writes spec.replicas
 * through the /scale subresource (as an HPA would), after marking the least-loaded pods cheapest to
 * delete so the ReplicaSet removes them first; the removed pod drains through its preStop hook.
 */
public final class ClosedLoop implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(ClosedLoop.class);

  /** Pod annotation the ReplicaSet controller reads to pick which pods to delete first. */
  public static final String DELETION_COST = "controller.kubernetes.io/pod-deletion-cost";

  private final LoadObserver observer;
  private final Map<String, State> states = new ConcurrentHashMap<>();

  /** Per model: the autoscaler and the last round it consumed (one decision per round). */
  private static final class State {
    final Autoscaler autoscaler = new Autoscaler();
    Instant trackedSince;
    Instant lastRound;
    Decision lastDecision;
    // Also kept here: the informer may hand the next reconcile a status older than our last patch.
    String lastScale;
  }

  public ClosedLoop(LoadObserver observer) {
    this.observer = observer;
  }

  /** How soon the reconciler should run again to pick up the next round. */
  public Duration interval() {
    return observer.interval();
  }

  /**
   * Completes {@code status} (computed for {@code model} from the spec and the Deployment) with
   * what was observed, and scales when the autoscaler says so.
   */
  public void apply(
      HybridModel model, HybridModelStatus status, KubernetesClient client, Instant now) {
    String ns = model.getMetadata().getNamespace();
    String name = model.getMetadata().getName();
    ScalingPolicy policy = ScalingPolicy.of(model.getSpec().getScaling());
    SloSpec slo = model.getSpec().getSlo();
    Duration sloWindow =
        Duration.ofSeconds(
            slo == null || slo.getWindowSeconds() == null ? 300 : slo.getWindowSeconds());
    Duration keep = sloWindow.compareTo(policy.longestWindow()) > 0 ? sloWindow : policy.longestWindow();
    observer.track(ns, name, client, Labels.selector(model), keep);
    List<Round> rounds = observer.rounds(ns, name);
    Round latest = rounds.isEmpty() ? null : rounds.getLast();
    HybridModelStatus previous = model.getStatus();

    status.setKvUtilization(
        latest == null || latest.answers().isEmpty() ? null : round(latest.utilizationMean()));
    if (slo != null) {
      applySlo(model, status, previous, rounds, slo, sloWindow, client, now);
    }

    Instant since = observer.trackedSince(ns, name).orElse(null);
    State state =
        states.compute(
            ns + "/" + name,
            (k, s) -> {
              // A model the observer dropped and tracks anew (deleted and recreated, or long
              // invalid) starts with a fresh history.
              State fresh = s != null && Objects.equals(s.trackedSince, since) ? s : new State();
              fresh.trackedSince = since;
              return fresh;
            });
    int current = model.getSpec().getReplicas() == null ? 1 : model.getSpec().getReplicas();
    Decision decision;
    boolean fresh;
    synchronized (state) {
      // One decision per observation round, however many reconciles run in between; only a
      // fresh decision may scale (a reconcile may still see the replicas from before a scale).
      fresh =
          state.lastDecision == null
              || (latest != null && !latest.at().equals(state.lastRound));
      if (fresh) {
        decision = state.autoscaler.decide(policy, current, latest, now);
        state.lastRound = latest == null ? null : latest.at();
        state.lastDecision = decision;
      } else {
        decision = state.lastDecision;
      }
    }
    String lastScale;
    synchronized (state) {
      if (state.lastScale == null && previous != null && previous.getScaling() != null) {
        // After an operator restart: resume from what the last status recorded.
        state.lastScale = previous.getScaling().lastScaleTime();
      }
      lastScale = state.lastScale;
    }
    if (fresh && !policy.external() && decision.changes(current)) {
      if (decision.desired() < current) {
        markCheapestPods(client, ns, latest);
      }
      try {
        client
            .resources(HybridModel.class)
            .inNamespace(ns)
            .withName(name)
            .scale(decision.desired());
      } catch (KubernetesClientException e) {
        log.warn("{}/{} could not be scaled: {}", ns, name, e.getMessage());
        status.setScaling(
            new ScalingStatus(
                "kv",
                decision.desired(),
                "could not write spec.replicas through /scale: " + e.getMessage(),
                lastScale,
                latest == null ? null : latest.readyPods(),
                latest == null ? null : latest.unreachable(),
                null,
                null));
        return;
      }
      lastScale = DateTimeFormatter.ISO_INSTANT.format(now.truncatedTo(ChronoUnit.SECONDS));
      String message =
          "replicas " + current + " -> " + decision.desired() + ": " + decision.reason();
      log.info("{}/{} {}", ns, name, message);
      Events.normal(
          client, model, decision.desired() > current ? "ScaledUp" : "ScaledDown", message, now);
      synchronized (state) {
        state.lastScale = lastScale;
      }
    }
    status.setScaling(
        new ScalingStatus(
            policy.external() ? "external" : "kv",
            decision.desired(),
            decision.reason(),
            lastScale,
            latest == null ? null : latest.readyPods(),
            latest == null ? null : latest.unreachable(),
            latest == null || latest.answers().isEmpty() ? null : round(latest.utilizationMax()),
            latest == null ? null : round(latest.waitingPerPod())));
  }

  private void applySlo(
      HybridModel model,
      HybridModelStatus status,
      HybridModelStatus previous,
      List<Round> rounds,
      SloSpec slo,
      Duration window,
      KubernetesClient client,
      Instant now) {
    Instant from = now.minus(window);
    List<Round> inWindow = new ArrayList<>();
    for (Round r : rounds) {
      if (!r.at().isBefore(from)) {
        inWindow.add(r);
      }
    }
    SloVerdict verdict = SloVerdict.judge(slo, LatencyWindow.of(inWindow), window);
    status.setSlo(verdict.observed());
    status.setSloState(
        switch (verdict.status()) {
          case "True" -> "Met";
          case "False" -> "Missed";
          default -> "Unknown";
        });
    List<Condition> old = previous == null ? null : previous.getConditions();
    long generation = status.getObservedGeneration() == null ? 0 : status.getObservedGeneration();
    Condition next =
        Conditions.next(
            old,
            Conditions.SLO_MET,
            verdict.status(),
            verdict.reason(),
            verdict.message(),
            generation,
            now);
    List<Condition> conditions = new ArrayList<>();
    for (Condition c : status.getConditions()) {
      if (!c.getType().equals(Conditions.SLO_MET)) {
        conditions.add(c);
      }
    }
    conditions.add(next);
    status.setConditions(conditions);
    Condition before = Conditions.find(old, Conditions.SLO_MET);
    String was = before == null ? "Unknown" : before.getStatus();
    if (!Objects.equals(was, verdict.status()) && !"Unknown".equals(verdict.status())) {
      if ("False".equals(verdict.status())) {
        Events.warn(client, model, "SloMissed", verdict.message(), now);
      } else {
        Events.normal(client, model, "SloMet", verdict.message(), now);
      }
    }
  }

  /**
   * Sets each answering pod's deletion cost to its KV utilization in thousandths, so the
   * ReplicaSet deletes the least-loaded pod first (pods that did not answer keep the default 0
   * only if they have no cost yet; they are unready or unreachable and cheapest to lose anyway).
   */
  private static void markCheapestPods(KubernetesClient client, String ns, Round latest) {
    if (latest == null) {
      return;
    }
    latest.answers().entrySet().stream()
        .sorted(Comparator.comparingDouble(e -> e.getValue().getUtilization()))
        .forEach(
            e -> {
              String cost =
                  Long.toString(Math.round(e.getValue().getUtilization() * 1000) + 1);
              try {
                client
                    .pods()
                    .inNamespace(ns)
                    .withName(e.getKey())
                    .patch(
                        PatchContext.of(PatchType.JSON_MERGE),
                        "{\"metadata\":{\"annotations\":{\"" + DELETION_COST + "\":\""
                            + cost + "\"}}}");
              } catch (RuntimeException error) {
                log.warn("could not mark pod {}/{}: {}", ns, e.getKey(), error.toString());
              }
            });
  }

  /** Forgets a deleted model. */
  public void forget(String namespace, String name) {
    states.remove(namespace + "/" + name);
    observer.untrack(namespace, name);
  }

  private static Double round(double v) {
    return Double.isNaN(v) ? null : Math.round(v * 100) / 100.0;
  }

  @Override
  public void close() {
    observer.close();
  }
}
