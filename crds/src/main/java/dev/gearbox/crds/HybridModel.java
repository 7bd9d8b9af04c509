package dev.gearbox.crds;

import io.fabric8.crd.generator.annotation.AdditionalPrinterColumn;
import io.fabric8.kubernetes.api.model.Namespaced;
import io.fabric8.kubernetes.client.CustomResource;
import io.fabric8.kubernetes.model.annotation.Group;
import io.fabric8.kubernetes.model.annotation.ShortNames;
import io.fabric8.kubernetes.model.annotation.Version;

/** One checkpoint served with several placements: the resource users {@code kubectl apply}. */
@Group(HybridModel.GROUP)
@Version(HybridModel.VERSION)
@ShortNames("hm")
@AdditionalPrinterColumn(name = "Placements", jsonPath = ".status.placementNames")
@AdditionalPrinterColumn(name = "Ready", jsonPath = ".status.ready")
@AdditionalPrinterColumn(
    name = "KV",
    jsonPath = ".status.kvUtilization",
    type = AdditionalPrinterColumn.Type.NUMBER)
@AdditionalPrinterColumn(name = "SLO", jsonPath = ".status.sloState")
@AdditionalPrinterColumn(name = "Rollout", jsonPath = ".status.rollout.phase")
@AdditionalPrinterColumn(
    name = "Age",
    jsonPath = ".metadata.creationTimestamp",
    type = AdditionalPrinterColumn.Type.DATE)
public class HybridModel extends CustomResource<HybridModelSpec, HybridModelStatus>
    implements Namespaced {
  public static final String GROUP = "gearbox.dev";
  public static final String VERSION = "v1alpha1";
}
