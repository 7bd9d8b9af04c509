package dev.gearbox.runtime.backend.cuda;

import dev.gearbox.runtime.model.SequenceState;
import dev.gearbox.runtime.placement.Placement;

/**
 * Decode state of one sequence on the GPU: a slot (its row of recurrent state and of the page
 * table), the mixer it uses at each layer, and the KV pages each attention layer holds.
 */
final class CudaSequence implements SequenceState {
  final CudaLanguageModel model;
  final Placement placement;
  final int slot;

  /** Index into the layer's mixer list, per layer. */
  final int[] mixerIndex;

  /** The (layer, mixer) pair index per layer. */
  final int[] pairs;

  /** Physical KV pages per layer in logical order (null for layers without attention). */
  final int[][] pages;

  /** Pages held per layer. */
  final int[] held;

  int length;
  boolean released;

  CudaSequence(CudaLanguageModel model, Placement placement, int slot, int[] mixerIndex,
      int[] pairs, int[][] pages) {
    this.model = model;
    this.placement = placement;
    this.slot = slot;
    this.mixerIndex = mixerIndex;
    this.pairs = pairs;
    this.pages = pages;
    this.held = new int[pages.length];
  }

  @Override
  public Placement placement() {
    return placement;
  }

  @Override
  public int length() {
    return length;
  }

  @Override
  public long stateBytes() {
    return placement.stateBytes(length);
  }

  @Override
  public void release() {
    model.release(this);
  }
}
