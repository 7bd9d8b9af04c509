package dev.gearbox.runtime.backend.cpu;

/**
 * Fixed-size state of a GDN, KDA or Mamba layer for one sequence: the recurrent matrix (or vector)
 * state and the short-convolution history.
 */
final class RecurrentState implements MixerState {
  float[] recurrent;
  float[] conv;

  RecurrentState(int recurrentFloats, int convFloats) {
    recurrent = new float[recurrentFloats];
    conv = new float[convFloats];
  }

  @Override
  public long bytes(int length) {
    return (long) (recurrent.length + conv.length) * Float.BYTES;
  }

  @Override
  public MixerState copy() {
    RecurrentState copy = new RecurrentState(0, 0);
    copy.recurrent = recurrent.clone();
    copy.conv = conv.clone();
    return copy;
  }

  @Override
  public void release() {
    recurrent = new float[0];
    conv = new float[0];
  }
}
