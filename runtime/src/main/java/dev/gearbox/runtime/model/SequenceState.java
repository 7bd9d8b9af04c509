package dev.gearbox.runtime.model;

import dev.gearbox.runtime.placement.Placement;

/**
 * Decode state of one sequence under one placement: growing KV for full-attention layers, a ring
 * buffer of the last W tokens for sliding-window layers, fixed recurrent/conv state for GDN, KDA
 * and Mamba layers. Not thread-safe: one scheduler step touches it at a time.
 */
public interface SequenceState {

  /** The placement this sequence runs under; fixed for its lifetime. */
  Placement placement();

  /** Tokens consumed so far (prompt and generated). */
  int length();

  /** Bytes of decode state currently held (equals {@code placement().stateBytes(length())}). */
  long stateBytes();

  /** Drops the state's buffers; the sequence cannot be used afterwards. */
  void release();
}
