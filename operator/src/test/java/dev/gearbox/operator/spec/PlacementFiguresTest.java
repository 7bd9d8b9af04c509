package dev.gearbox.operator.spec;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import dev.gearbox.crds.ModelShape;
import dev.gearbox.crds.PlacementStatus;
import dev.gearbox.runtime.placement.MixerKind;
import java.util.Collections;
import java.util.List;
import org.junit.jupiter.api.Test;

class PlacementFiguresTest {

  static ResolvedPlacement placement(MixerKind... kinds) {
    List<String> names = java.util.Arrays.stream(kinds).map(MixerKind::shortName).toList();
    return new ResolvedPlacement("p", names, List.of(kinds));
  }

  static ModelShape shape(int layers, int kvHeads, int headDim, int bytes) {
    ModelShape shape = new ModelShape();
    shape.setLayers(layers);
    shape.setKvHeads(kvHeads);
    shape.setHeadDim(headDim);
    shape.setBytesPerElement(bytes);
    return shape;
  }

  @Test
  void kvBytesCountOnlyUnboundedAttentionLayers() {
    // Llama-3-8B-like attention: 8 KV heads x 128 dims, bf16 -> 4 KiB per layer per token.
    ModelShape shape = shape(4, 8, 128, 2);
    assertEquals(4096, PlacementFigures.attentionBytesPerToken(shape));
    PlacementStatus status =
        PlacementFigures.of(
            placement(
                MixerKind.FULL_ATTENTION,
                MixerKind.SLIDING_WINDOW,
                MixerKind.GATED_DELTANET,
                MixerKind.FULL_ATTENTION),
            shape);
    assertEquals(2 * 4096L, status.kvBytesPerToken());
  }

  @Test
  void relativeCostIsTheMeanOfTheTalksTable() {
    PlacementStatus status =
        PlacementFigures.of(
            placement(
                MixerKind.FULL_ATTENTION,
                MixerKind.SLIDING_WINDOW,
                MixerKind.GATED_DELTANET,
                MixerKind.KIMI_DELTA),
            null);
    assertEquals((1.00 + 0.16 + 0.09 + 0.11) / 4, status.relativeCost(), 1e-3);
    assertNull(status.kvBytesPerToken(), "no shape, no byte figures");
  }

  @Test
  void fp8HalvesTheBytes() {
    ResolvedPlacement allFa =
        placement(Collections.nCopies(2, MixerKind.FULL_ATTENTION).toArray(MixerKind[]::new));
    long bf16 = PlacementFigures.of(allFa, shape(2, 8, 128, 2)).kvBytesPerToken();
    long fp8 = PlacementFigures.of(allFa, shape(2, 8, 128, 1)).kvBytesPerToken();
    assertEquals(bf16, 2 * fp8);
  }
}
