package dev.gearbox.runtime.model;

import dev.gearbox.runtime.placement.Placement;
import java.util.List;

/**
 * A loaded checkpoint that can run any of its placements, over one copy of the shared weights.
 *
 * <p>This is the contract between the model core (mixers, backends) and the engine (scheduler,
 * server). Implementations are thread-safe for calls on distinct sequences; one call may use
 * several threads internally.
 */
public interface LanguageModel extends AutoCloseable {

  /** Vocabulary size, the length of one row of logits. */
  int vocabSize();

  /** Number of decoder layers. */
  int numLayers();

  /** Largest context (prompt + generated tokens) one sequence may reach. */
  int maxContextLength();

  /** Token ids that end generation on their own (the checkpoint's EOS); empty when unknown. */
  default int[] eosTokenIds() {
    return new int[0];
  }

  /** Mixer names the checkpoint has at {@code layer}, in checkpoint order. */
  List<String> mixerNames(int layer);

  /** The placement made of each layer's main mixer (the all-FA "safe default" on a supernet). */
  Placement defaultPlacement();

  /**
   * Resolves a placement given as a compact pattern or an explicit list of per-layer names.
   *
   * @throws IllegalArgumentException naming the offending layer and the mixers it has, or the
   *     expected and actual number of layers
   */
  Placement placement(String name, List<String> layersOrPattern);

  /** Creates empty decode state for one sequence under {@code placement}. */
  SequenceState newSequence(Placement placement);

  /**
   * Feeds {@code length} tokens starting at {@code tokens[offset]} into {@code sequence} (a whole
   * prompt or one chunk of it) and writes logits.
   *
   * @param logits receives {@code vocabSize()} floats for the last position, or {@code length *
   *     vocabSize()} floats (row-major, one row per position) when {@code allPositions}
   */
  void prefill(
      SequenceState sequence, int[] tokens, int offset, int length, float[] logits, boolean allPositions);

  /**
   * One decode step for {@code count} sequences that may use different placements: shared layers
   * run over all rows, each layer's mixer over the rows whose placement uses it. Appends {@code
   * tokens[i]} to {@code sequences[i]} and writes its next-token logits into {@code logits[i]}.
   * Allocates nothing on the steady path.
   */
  void decode(SequenceState[] sequences, int[] tokens, int count, float[][] logits);

  @Override
  void close();
}
