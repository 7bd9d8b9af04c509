package dev.gearbox.operator.spec;

import dev.gearbox.runtime.placement.MixerKind;
import java.util.Map;

/**
 * The one place that maps a mixer name written in a HybridModel to its family and to the name the
 * checkpoint uses.
 *
 * <p>Apriel2 checkpoints name their sub-mixers {@code attention}, {@code swa}, {@code gdn}, {@code
 * kda} and {@code mamba}; users also write {@code fa} for full attention.
 */
public final class MixerNames {
  private record Entry(MixerKind kind, String checkpointName) {}

  private static final Map<String, Entry> NAMES =
      Map.of(
          "attention", new Entry(MixerKind.FULL_ATTENTION, "attention"),
          "fa", new Entry(MixerKind.FULL_ATTENTION, "attention"),
          "swa", new Entry(MixerKind.SLIDING_WINDOW, "swa"),
          "gdn", new Entry(MixerKind.GATED_DELTANET, "gdn"),
          "kda", new Entry(MixerKind.KIMI_DELTA, "kda"),
          "mamba", new Entry(MixerKind.MAMBA, "mamba"));

  /** Names accepted in a placement, for error messages. */
  public static final String ACCEPTED = "attention (alias fa), swa, gdn, kda, mamba";

  private MixerNames() {}

  /** True when {@code name} (already lower case) is a known mixer name or alias. */
  public static boolean isKnown(String name) {
    return NAMES.containsKey(name);
  }

  /** The mixer family of a known name. */
  public static MixerKind kind(String name) {
    return entry(name).kind();
  }

  /** The checkpoint's name for a known name: aliases resolve to the canonical one. */
  public static String checkpointName(String name) {
    return entry(name).checkpointName();
  }

  private static Entry entry(String name) {
    Entry entry = NAMES.get(name);
    if (entry == null) {
      throw new IllegalArgumentException("unknown mixer '" + name + "'; expected " + ACCEPTED);
    }
    return entry;
  }
}
