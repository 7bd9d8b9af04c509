package dev.gearbox.runtime.backend.cpu;

/** One layer's decode state for one sequence, owned by a {@link CpuSequence}. */
interface MixerState {
  /** Bytes held now for a sequence of {@code length} tokens. */
  long bytes(int length);

  /** An independent copy (forking a sequence that shares a prefix). */
  MixerState copy();

  /** Drops the buffers. */
  void release();
}
