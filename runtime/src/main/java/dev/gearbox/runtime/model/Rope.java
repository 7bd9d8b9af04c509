package dev.gearbox.runtime.model;

/**
 * Rotary position embedding parameters ({@code default}/{@code mistral_1d}, optionally with Llama-3
 * frequency scaling).
 *
 * @param theta base of the inverse frequencies
 * @param llama3Factor Llama-3 {@code factor}, 0 when not scaled
 */
public record Rope(
    double theta,
    double llama3Factor,
    double lowFreqFactor,
    double highFreqFactor,
    int originalMaxPositions) {

  /** Plain RoPE with base {@code theta}. */
  public static Rope plain(double theta) {
    return new Rope(theta, 0, 0, 0, 0);
  }

  /** The {@code headDim / 2} inverse frequencies, as float like the reference computes them. */
  public float[] inverseFrequencies(int headDim) {
    float[] inv = new float[headDim / 2];
    for (int i = 0; i < inv.length; i++) {
      float exponent = (float) (2 * i) / headDim;
      double freq = 1.0 / Math.pow(theta, exponent);
      if (llama3Factor > 0) {
        double lowWavelen = originalMaxPositions / lowFreqFactor;
        double highWavelen = originalMaxPositions / highFreqFactor;
        double wavelen = 2 * Math.PI / freq;
        if (wavelen > lowWavelen) {
          freq = freq / llama3Factor;
        } else if (wavelen >= highWavelen) {
          double smooth =
              (originalMaxPositions / wavelen - lowFreqFactor) / (highFreqFactor - lowFreqFactor);
          freq = (1 - smooth) * freq / llama3Factor + smooth * freq;
        }
      }
      inv[i] = (float) freq;
    }
    return inv;
  }
}
