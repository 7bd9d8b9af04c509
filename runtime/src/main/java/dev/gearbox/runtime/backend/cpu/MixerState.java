package dev.gearbox.runtime.backend.cpu;

/** One layer's decode state for one sequence, owned by a {@link CpuSequence}. */
interface MixerState {
  /** Bytes held now for a sequence of {@code length} tokens. */
  long bytes(int length);

  /** Drops the buffers. */
  void release();
}
