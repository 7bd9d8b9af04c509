package dev.gearbox.operator.rollout;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.gearbox.crds.HybridModel;
import dev.gearbox.crds.RolloutGate;
import dev.gearbox.crds.RolloutPhase;
import dev.gearbox.crds.RolloutSamples;
import dev.gearbox.crds.RolloutSpec;
import dev.gearbox.crds.RolloutStatus;
import dev.gearbox.crds.SloSpec;
import dev.gearbox.operator.HybridModelReconciler;
import dev.gearbox.operator.TestingRollouts;
import dev.gearbox.operator.desired.Labels;
import dev.gearbox.operator.desired.ServingConfig;
import dev.gearbox.runtime.search.TeacherSamples;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.ConfigMapBuilder;
import io.fabric8.kubernetes.api.model.Event;
import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.javaoperatorsdk.operator.Operator;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Predicate;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Rollouts on a real API server, with a stub runtime answering Score on a loopback port and a stub
 * canary metrics source: a good placement promoted through every step, a bad one stopped at the
 * gate, a canary with an injected SLO miss rolled back, and an operator restart mid-step that
 * resumes at the same step.
 */
class RolloutIT {
  static final String NS = "rollouts";
  static final Duration WAIT = Duration.ofSeconds(60);
  static final Pattern WEIGHT = Pattern.compile("\"weight\"\\s*:\\s*(\\d+)");

  static KubernetesClient client;
  static TestingScoreServer runtime;
  static final Map<String, CanaryMetrics.Window> traffic = new ConcurrentHashMap<>();
  static final CanaryMetrics metrics =
      (model, placement, since) ->
          Optional.of(
              traffic.getOrDefault(placement, new CanaryMetrics.Window(100, 0, 120.0, 12.0)));

  Operator operator;

  @BeforeAll
  static void setUp() throws Exception {
    client = TestingRollouts.adminClient();
    TestingRollouts.applyCrd(client);
    client
        .namespaces()
        .resource(new NamespaceBuilder().withNewMetadata().withName(NS).endMetadata().build())
        .serverSideApply();
    List<String> lines =
        Files.readAllLines(Path.of("../examples/models/gearbox-tiny/teacher-samples.jsonl"))
            .subList(0, 24);
    client
        .resource(
            new ConfigMapBuilder()
                .withNewMetadata()
                .withName("tiny-samples")
                .withNamespace(NS)
                .endMetadata()
                .withData(Map.of("teacher-samples.jsonl", String.join("\n", lines) + "\n"))
                .build())
        .serverSideApply();
    runtime = new TestingScoreServer(TeacherSamples.parse("samples", lines));
  }

  @AfterAll
  static void tearDown() throws Exception {
    runtime.close();
  }

  void startOperator() {
    operator = new Operator(o -> o.withKubernetesClient(TestingRollouts.adminClient()));
    operator.register(
        new HybridModelReconciler(
            Clock.systemUTC(),
            new RolloutController(m -> new GrpcScoreClient(runtime.target()), metrics)),
        c -> c.settingNamespaces(NS));
    operator.start();
  }

  @AfterEach
  void stopOperator() {
    if (operator != null) {
      operator.stop();
      operator = null;
    }
  }

  HybridModel create(String name, int analysisSeconds) {
    HybridModel model = TestingRollouts.model(name);
    model.getMetadata().setNamespace(NS);
    model
        .getSpec()
        .setPlacements(new ArrayList<>(List.of(TestingRollouts.placement("all-fa", "fa*4"))));
    model.getSpec().getRouting().setRules(null);
    RolloutSamples samples = new RolloutSamples();
    samples.setConfigMap("tiny-samples");
    RolloutGate gate = new RolloutGate();
    gate.setSamples(samples);
    RolloutSpec rollout = new RolloutSpec();
    rollout.setSteps(List.of(10, 50, 100));
    rollout.setGate(gate);
    rollout.setAnalysisSeconds(analysisSeconds);
    model.getSpec().setRollout(rollout);
    SloSpec slo = new SloSpec();
    slo.setTtftP95Ms(800);
    slo.setTpotP95Ms(40);
    model.getSpec().setSlo(slo);
    client.resource(model).create();
    await().atMost(WAIT).until(() -> get(name).getStatus() != null
        && get(name).getStatus().getObservedGeneration() != null);
    return get(name);
  }

  HybridModel get(String name) {
    return client.resources(HybridModel.class).inNamespace(NS).withName(name).get();
  }

  void addPlacement(String model, String name, String layers) {
    client
        .resources(HybridModel.class)
        .inNamespace(NS)
        .withName(model)
        .edit(
            m -> {
              m.getSpec().getPlacements().add(TestingRollouts.placement(name, layers));
              return m;
            });
  }

  RolloutStatus awaitRollout(String model, Predicate<RolloutStatus> ok) {
    return await()
        .atMost(WAIT)
        .pollInterval(Duration.ofMillis(200))
        .until(
            () -> get(model).getStatus().getRollout(), r -> r != null && ok.test(r));
  }

  /** The canary weight in the router config, or -1 without a canary entry. */
  int routerWeight(String model) {
    ConfigMap config =
        client.configMaps().inNamespace(NS).withName(model + "-config").get();
    Matcher m = WEIGHT.matcher(config.getData().get(ServingConfig.ROUTER_FILE));
    return m.find() ? Integer.parseInt(m.group(1)) : -1;
  }

  String podConfigHash(String model) {
    Deployment d = client.apps().deployments().inNamespace(NS).withName(model).get();
    return d.getSpec().getTemplate().getMetadata().getAnnotations().get(Labels.CONFIG_HASH);
  }

  List<String> eventReasons(String model) {
    return client.v1().events().inNamespace(NS).list().getItems().stream()
        .filter(e -> model.equals(e.getInvolvedObject().getName()))
        .sorted(Comparator.comparing(Event::getFirstTimestamp))
        .map(Event::getReason)
        .toList();
  }

  @Test
  void aGoodPlacementIsPromotedThroughEveryStepWithoutRestartingPods() {
    startOperator();
    create("good", 2);
    runtime.serve("turbo", "swa", "swa", "attention", "attention");
    addPlacement("good", "turbo", "swa*2,fa*2");
    List<Integer> weights = new ArrayList<>();
    String hashAtFirstStep = null;
    Instant end = Instant.now().plus(WAIT);
    RolloutStatus r = null;
    while (Instant.now().isBefore(end)) {
      r = get("good").getStatus().getRollout();
      int w = routerWeight("good");
      if (weights.isEmpty() || weights.getLast() != w) {
        weights.add(w);
      }
      if (r != null && r.phase() == RolloutPhase.Canary && hashAtFirstStep == null) {
        hashAtFirstStep = podConfigHash("good");
      }
      if (r != null && r.phase() == RolloutPhase.Promoted) {
        break;
      }
      TestingRollouts.sleep(100);
    }
    assertNotNull(r);
    assertEquals(RolloutPhase.Promoted, r.phase(), String.valueOf(r));
    assertEquals(100, r.weight());
    assertTrue(r.gate().accuracyRatio() >= 0.97, String.valueOf(r.gate()));
    assertTrue(
        weights.containsAll(List.of(0, 10, 50, 100)) && weights.getLast() == -1,
        "router weights seen in order: " + weights);
    assertTrue(
        weights.indexOf(10) < weights.indexOf(50) && weights.indexOf(50) < weights.indexOf(100),
        String.valueOf(weights));
    assertEquals(hashAtFirstStep, podConfigHash("good"), "weight changes must not roll the pods");
    await()
        .atMost(WAIT)
        .until(
            () -> eventReasons("good"),
            e ->
                e.containsAll(
                    List.of("RolloutStarted", "RolloutCanary", "RolloutStep", "RolloutPromoted")));
  }

  @Test
  void aBadPlacementIsStoppedAtTheGateAndNeverServed() {
    startOperator();
    create("gated", 2);
    runtime.serve("bad-gdn", "gdn", "gdn", "gdn", "gdn");
    addPlacement("gated", "bad-gdn", "gdn*4");
    RolloutStatus r = awaitRollout("gated", s -> s.phase() == RolloutPhase.Failed);
    assertEquals(0, r.weight());
    assertTrue(r.gate().accuracyRatio() < 0.97, String.valueOf(r.gate()));
    assertTrue(r.reason().startsWith("gate: "), r.reason());
    assertEquals(0, routerWeight("gated"), "the router keeps the canary at weight 0");
    await().atMost(WAIT).until(() -> eventReasons("gated"), e -> e.contains("RolloutFailed"));
  }

  @Test
  void aCanaryMissingTheSloIsRolledBack() {
    traffic.put("slow", new CanaryMetrics.Window(50, 0, 2500.0, 12.0));
    startOperator();
    create("slo", 1);
    runtime.serve("slow", "swa", "swa", "attention", "attention");
    addPlacement("slo", "slow", "swa*2,fa*2");
    RolloutStatus r = awaitRollout("slo", s -> s.phase() == RolloutPhase.RolledBack);
    assertEquals(0, r.weight());
    assertEquals("step 1 at 10%: TTFT p95 2500 ms > slo 800 ms", r.reason());
    assertEquals(0, routerWeight("slo"));
    await().atMost(WAIT).until(() -> eventReasons("slo"), e -> e.contains("RolloutRolledBack"));
  }

  @Test
  void anOperatorRestartedMidStepResumesAtTheSameStep() {
    startOperator();
    create("resume", 6);
    runtime.serve("turbo-r", "swa", "swa", "attention", "attention");
    addPlacement("resume", "turbo-r", "swa*2,fa*2");
    RolloutStatus atStep1 = awaitRollout("resume", s -> s.phase() == RolloutPhase.Canary);
    int gateCalls = runtime.calls("turbo-r");
    stopOperator();
    TestingRollouts.sleep(1000);
    startOperator();
    RolloutStatus resumed = awaitRollout("resume", s -> s.step() == 1);
    assertEquals(50, resumed.weight());
    assertEquals(atStep1.startedAt(), resumed.startedAt(), "the same rollout, not a new one");
    assertEquals(gateCalls, runtime.calls("turbo-r"), "the gate did not run again");
    // Second-precision timestamps: a step timer restarted by the restart would end 8 s or more
    // after the first step began (1 s pause plus the operator's start), a resumed one at 6-7 s.
    long held =
        Duration.between(
                Instant.parse(atStep1.stepStartedAt()), Instant.parse(resumed.stepStartedAt()))
            .toSeconds();
    assertTrue(
        held >= 6 && held <= 7,
        "step 1 held " + held + " s across the restart: " + atStep1 + " -> " + resumed);
  }
}
