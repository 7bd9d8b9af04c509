package dev.gearbox.operator.spec;

import dev.gearbox.crds.ModelShape;
import dev.gearbox.crds.PlacementStatus;
import dev.gearbox.runtime.placement.LayerState;
import dev.gearbox.runtime.placement.MixerKind;
import dev.gearbox.runtime.placement.Placement;
import java.util.ArrayList;
import java.util.List;

/**
 * Cost and memory figures of a placement, from the runtime's cost model and the model shape the
 * user declared (the operator never opens the checkpoint, so without a shape it reports no bytes).
 */
public final class PlacementFigures {
  private PlacementFigures() {}

  /** Status entry for {@code placement}; {@code shape} may be null. */
  public static PlacementStatus of(ResolvedPlacement placement, ModelShape shape) {
    Placement model = toRuntimePlacement(placement, shape);
    Long kvBytesPerToken = null;
    if (shape != null) {
      // Long-context growth: only unbounded (full-attention) layers add bytes for every token;
      // SWA layers stop growing at the window and recurrent mixers have fixed-size state.
      long sum = 0;
      for (LayerState layer : model.layers()) {
        if (layer.window() == 0) {
          sum += layer.bytesPerToken();
        }
      }
      kvBytesPerToken = sum;
    }
    double cost = Math.round(model.relativeCost() * 1000) / 1000.0;
    return new PlacementStatus(
        placement.name(), placement.layers(), placement.pattern(), cost, kvBytesPerToken);
  }

  /** KV bytes of one token in one attention layer: keys and values, kvHeads x headDim each. */
  public static long attentionBytesPerToken(ModelShape shape) {
    return 2L * shape.getKvHeads() * shape.getHeadDim() * bytesPerElement(shape);
  }

  static Placement toRuntimePlacement(ResolvedPlacement placement, ModelShape shape) {
    long perToken = shape == null ? 0 : attentionBytesPerToken(shape);
    int window = shape == null || shape.getSlidingWindow() == null ? 0 : shape.getSlidingWindow();
    List<LayerState> layers = new ArrayList<>(placement.layers());
    for (MixerKind kind : placement.kinds()) {
      layers.add(
          switch (kind) {
            case FULL_ATTENTION -> new LayerState(kind, perToken, 0, 0);
            // Without a declared window the SWA cap is unknown; count it as bounded anyway.
            case SLIDING_WINDOW -> new LayerState(kind, perToken, Math.max(window, 1), 0);
            default -> new LayerState(kind, 0, 0, 0);
          });
    }
    return new Placement(placement.name(), placement.mixers(), layers);
  }

  private static int bytesPerElement(ModelShape shape) {
    return shape.getBytesPerElement() == null ? 2 : shape.getBytesPerElement();
  }
}
