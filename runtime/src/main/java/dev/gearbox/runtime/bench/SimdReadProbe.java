package dev.gearbox.runtime.bench;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * Sums a float range with SIMD loads, so the memory-read probe is not limited by scalar adds when
 * the decode kernels are not; only loaded when the Vector API module is enabled.
 */
final class SimdReadProbe {
  private static final VectorSpecies<Float> SPECIES = FloatVector.SPECIES_PREFERRED;

  private SimdReadProbe() {}

  static float sum(float[] data, int from, int to) {
    FloatVector a0 = FloatVector.zero(SPECIES);
    FloatVector a1 = FloatVector.zero(SPECIES);
    int step = SPECIES.length();
    int i = from;
    for (; i + 2 * step <= to; i += 2 * step) {
      a0 = a0.add(FloatVector.fromArray(SPECIES, data, i));
      a1 = a1.add(FloatVector.fromArray(SPECIES, data, i + step));
    }
    float sum = a0.add(a1).reduceLanes(VectorOperators.ADD);
    for (; i < to; i++) {
      sum += data[i];
    }
    return sum;
  }
}
