package dev.gearbox.operator.desired;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.gearbox.crds.HybridModel;
import dev.gearbox.crds.HybridModelSpec;
import dev.gearbox.crds.ModelSource;
import dev.gearbox.crds.OverridesSpec;
import dev.gearbox.crds.PlacementSpec;
import dev.gearbox.crds.ResourcesSpec;
import dev.gearbox.operator.spec.ResolvedSpec;
import dev.gearbox.operator.spec.SpecResolver;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class DesiredResourcesTest {

  static HybridModel model(String uri, String... patterns) {
    HybridModelSpec spec = new HybridModelSpec();
    ModelSource source = new ModelSource();
    source.setUri(uri);
    spec.setModel(source);
    List<PlacementSpec> placements = new ArrayList<>();
    for (int i = 0; i < patterns.length; i++) {
      PlacementSpec p = new PlacementSpec();
      p.setName("p" + i);
      p.setLayers(patterns[i]);
      placements.add(p);
    }
    spec.setPlacements(placements);
    HybridModel model = new HybridModel();
    model.setMetadata(new ObjectMetaBuilder().withName("m").withNamespace("ns").build());
    model.setSpec(spec);
    return model;
  }

  static Deployment deployment(HybridModel model) throws Exception {
    return DeploymentDependent.build(model, SpecResolver.resolve(model.getSpec()));
  }

  static PodSpec pod(HybridModel model) throws Exception {
    return deployment(model).getSpec().getTemplate().getSpec();
  }

  @Test
  void desiredDeploymentIsDeterministic() throws Exception {
    HybridModel model = model("pvc://models/apriel", "fa*4", "fa,gdn*3");
    assertEquals(deployment(model), deployment(model));
  }

  @Test
  void configHashFollowsPlacementsButNotReplicas() throws Exception {
    HybridModel model = model("pvc://models/apriel", "fa*4", "fa,gdn*3");
    String before = hash(model);
    model.getSpec().setReplicas(3);
    assertEquals(before, hash(model), "scaling must not restart pods");
    model.getSpec().getPlacements().get(1).setLayers("fa,kda*3");
    assertNotEquals(before, hash(model), "a placement change must roll pods");
  }

  static String hash(HybridModel model) throws Exception {
    return deployment(model)
        .getSpec()
        .getTemplate()
        .getMetadata()
        .getAnnotations()
        .get(Labels.CONFIG_HASH);
  }

  @Test
  void pvcUriMountsTheClaimReadOnlyAndPointsAtTheSubdirectory() throws Exception {
    PodSpec pod = pod(model("pvc://models/apriel-h2/", "fa*2"));
    var claim = pod.getVolumes().getFirst().getPersistentVolumeClaim();
    assertEquals("models", claim.getClaimName());
    assertTrue(claim.getReadOnly());
    assertTrue(pod.getContainers().getFirst().getArgs().contains("--model-dir=/models/apriel-h2"));
    // The runtime serves Prometheus metrics on the port the chart's PodMonitor scrapes.
    Container runtime = pod.getContainers().getFirst();
    assertTrue(runtime.getArgs().contains("--metrics-port=" + ServingPod.RUNTIME_METRICS_PORT));
    assertTrue(
        runtime.getPorts().stream()
            .anyMatch(
                p ->
                    p.getName().equals("runtime-metrics")
                        && p.getContainerPort() == ServingPod.RUNTIME_METRICS_PORT));
    // Both containers read the checkpoint: the runtime its weights, the router its tokenizer.
    for (Container container : pod.getContainers()) {
      assertTrue(
          container.getVolumeMounts().stream()
              .anyMatch(m -> m.getName().equals(ModelVolume.VOLUME) && m.getReadOnly()),
          container.getName() + " mounts the model read-only");
    }
  }

  @Test
  void fileUriUsesAHostPathDirectory() throws Exception {
    PodSpec pod = pod(model("file:///var/lib/models/tiny", "fa*2"));
    assertEquals("/var/lib/models/tiny", pod.getVolumes().getFirst().getHostPath().getPath());
    assertEquals("Directory", pod.getVolumes().getFirst().getHostPath().getType());
  }

  @Test
  void imageUriCopiesTheModelWithAnInitContainer() throws Exception {
    PodSpec pod = pod(model("image://registry.example/models/tiny:1", "fa*2"));
    assertEquals(1, pod.getInitContainers().size());
    Container fetch = pod.getInitContainers().getFirst();
    assertEquals("registry.example/models/tiny:1", fetch.getImage());
    assertTrue(fetch.getSecurityContext().getReadOnlyRootFilesystem());
    assertEquals(ModelVolume.VOLUME, fetch.getVolumeMounts().getFirst().getName());
    assertTrue(pod.getVolumes().getFirst().getEmptyDir() != null);
  }

  @Test
  void zeroGpusRunTheCpuBackendWithoutGpuResources() throws Exception {
    HybridModel model = model("pvc://models/apriel", "fa*2");
    ResourcesSpec resources = new ResourcesSpec();
    resources.setGpus(0);
    model.getSpec().setResources(resources);
    Container runtime = pod(model).getContainers().getFirst();
    assertFalse(runtime.getResources().getLimits().containsKey(ServingPod.GPU));
    assertTrue(runtime.getArgs().contains("--backend=cpu"));
  }

  @Test
  void gpuRequestEqualsLimit() throws Exception {
    HybridModel model = model("pvc://models/apriel", "fa*2");
    ResourcesSpec resources = new ResourcesSpec();
    resources.setGpus(2);
    model.getSpec().setResources(resources);
    Container runtime = pod(model).getContainers().getFirst();
    assertEquals("2", runtime.getResources().getLimits().get(ServingPod.GPU).getAmount());
    assertEquals("2", runtime.getResources().getRequests().get(ServingPod.GPU).getAmount());
    assertTrue(runtime.getArgs().contains("--backend=cuda"));
  }

  @Test
  void podOverridesApplyButCannotStealTheSelector() throws Exception {
    HybridModel model = model("pvc://models/apriel", "fa*2");
    OverridesSpec overrides = new OverridesSpec();
    overrides.setPodLabels(Map.of("team", "ml", Labels.INSTANCE, "hijack"));
    overrides.setNodeSelector(Map.of("nvidia.com/gpu.product", "H100"));
    model.getSpec().setOverrides(overrides);
    Deployment d = deployment(model);
    Map<String, String> labels = d.getSpec().getTemplate().getMetadata().getLabels();
    assertEquals("ml", labels.get("team"));
    assertEquals("m", labels.get(Labels.INSTANCE));
    assertEquals(
        "H100",
        d.getSpec().getTemplate().getSpec().getNodeSelector().get("nvidia.com/gpu.product"));
  }

  @Test
  void podIsHardened() throws Exception {
    PodSpec pod = pod(model("pvc://models/apriel", "fa*2"));
    assertFalse(pod.getAutomountServiceAccountToken(), "serving pods need no API access");
    assertTrue(pod.getSecurityContext().getRunAsNonRoot());
    for (Container c : pod.getContainers()) {
      assertTrue(c.getSecurityContext().getReadOnlyRootFilesystem());
      assertFalse(c.getSecurityContext().getAllowPrivilegeEscalation());
      assertEquals(List.of("ALL"), c.getSecurityContext().getCapabilities().getDrop());
      assertTrue(c.getResources().getLimits().containsKey("memory"), c.getName());
      assertTrue(c.getResources().getRequests().containsKey("cpu"), c.getName());
    }
    assertNull(pod.getServiceAccountName());
  }

  @Test
  void configFilesNameResolvedMixersAndRouting() throws Exception {
    HybridModel model = model("pvc://models/apriel", "fa*2", "fa,gdn");
    ResolvedSpec resolved = SpecResolver.resolve(model.getSpec());
    Map<String, String> files = ServingConfig.files(model, resolved);
    assertTrue(
        files
            .get(ServingConfig.PLACEMENTS_FILE)
            .contains("\"mixers\" : [ \"attention\", \"gdn\" ]"),
        files.get(ServingConfig.PLACEMENTS_FILE));
    assertTrue(
        files.get(ServingConfig.ROUTER_FILE).contains("\"default\" : \"p0\""),
        files.get(ServingConfig.ROUTER_FILE));
  }
}
