package dev.gearbox.operator.status;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import io.fabric8.kubernetes.api.model.StatusBuilder;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.javaoperatorsdk.operator.AggregatedOperatorException;
import java.util.Map;
import org.junit.jupiter.api.Test;

class FailuresTest {

  @Test
  void invalidResourceInsideAWorkflowFailureIsARejection() {
    KubernetesClientException invalid =
        new KubernetesClientException(
            new StatusBuilder().withCode(422).withMessage("Deployment \"m\" is invalid").build());
    Exception workflow =
        new AggregatedOperatorException(
            "workflow failed", Map.of("deployment", new RuntimeException("apply", invalid)));
    assertEquals(
        "the API server rejected a resource built from the spec: Deployment \"m\" is invalid",
        Failures.rejection(workflow));
  }

  @Test
  void transientFailuresAreNotRejections() {
    KubernetesClientException unavailable =
        new KubernetesClientException(
            new StatusBuilder().withCode(503).withMessage("etcd").build());
    assertNull(Failures.rejection(new RuntimeException(unavailable)));
    assertNull(Failures.rejection(new IllegalStateException("boom")));
  }
}
