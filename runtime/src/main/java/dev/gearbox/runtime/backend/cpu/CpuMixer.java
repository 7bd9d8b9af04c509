package dev.gearbox.runtime.backend.cpu;

import dev.gearbox.runtime.placement.LayerState;

/**
 * One sequence mixer of one layer on the CPU.
 *
 * <p>{@link #forward} takes a block of rows; row {@code r} is the token at {@code positions[r]} of
 * the sequence owning {@code states[r]}. Rows are processed in order, so a prefill chunk (all rows
 * of one sequence, consecutive positions) and a decode batch (one row per sequence) share one code
 * path.
 */
interface CpuMixer {
  /** The bytes one sequence's state takes, as the placement reports them. */
  LayerState layout();

  /** Bytes of weights one step over any number of rows reads. */
  long weightBytes();

  /** Fresh, empty state for one sequence. */
  MixerState newState();

  /**
   * Mixes {@code rows} normalized hidden rows {@code x[rows, hidden]} into {@code out[rows,
   * hidden]}, updating each row's state.
   */
  void forward(float[] x, float[] out, int rows, MixerState[] states, int[] positions);

  /** First scratch slot mixers may use; lower slots belong to the model. */
  int FIRST_SLOT = 8;
}
