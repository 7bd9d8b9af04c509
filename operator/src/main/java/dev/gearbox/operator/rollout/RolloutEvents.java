package dev.gearbox.operator.rollout;

import dev.gearbox.crds.HybridModel;
import dev.gearbox.operator.status.Events;
import io.fabric8.kubernetes.api.model.EventBuilder;
import io.fabric8.kubernetes.api.model.ObjectReferenceBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.time.Instant;

/** Records one Event per rollout transition: Normal, or Warning for a rollback or a failed gate. */
public final class RolloutEvents {
  private RolloutEvents() {}

  public static void record(
      KubernetesClient client,
      HybridModel model,
      RolloutController.Transition transition,
      Instant now) {
    String time = RolloutMachine.time(now);
    client
        .v1()
        .events()
        .inNamespace(model.getMetadata().getNamespace())
        .resource(
            new EventBuilder()
                .withNewMetadata()
                .withGenerateName(model.getMetadata().getName() + ".")
                .withNamespace(model.getMetadata().getNamespace())
                .endMetadata()
                .withInvolvedObject(
                    new ObjectReferenceBuilder()
                        .withApiVersion(model.getApiVersion())
                        .withKind(model.getKind())
                        .withName(model.getMetadata().getName())
                        .withNamespace(model.getMetadata().getNamespace())
                        .withUid(model.getMetadata().getUid())
                        .build())
                .withType(transition.warning() ? "Warning" : "Normal")
                .withReason(transition.reason())
                .withMessage(transition.message())
                .withNewSource(Events.COMPONENT, null)
                .withReportingComponent(Events.COMPONENT)
                .withFirstTimestamp(time)
                .withLastTimestamp(time)
                .withCount(1)
                .build())
        .create();
  }
}
