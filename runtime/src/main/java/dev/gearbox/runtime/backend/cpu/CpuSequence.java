package dev.gearbox.runtime.backend.cpu;

import dev.gearbox.runtime.model.SequenceState;
import dev.gearbox.runtime.placement.Placement;

/** Decode state of one sequence on the CPU backend: one {@link MixerState} per layer. */
final class CpuSequence implements SequenceState {
  final CpuLanguageModel model;
  final Placement placement;

  /** Index into the layer's mixer list, per layer. */
  final int[] mixerIndex;

  final MixerState[] states;
  int length;
  boolean released;

  CpuSequence(CpuLanguageModel model, Placement placement, int[] mixerIndex, MixerState[] states) {
    this.model = model;
    this.placement = placement;
    this.mixerIndex = mixerIndex;
    this.states = states;
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
    long sum = 0;
    for (MixerState state : states) {
      sum += state.bytes(length);
    }
    return sum;
  }

  @Override
  public void release() {
    if (!released) {
      released = true;
      for (MixerState state : states) {
        state.release();
      }
    }
  }
}
