package dev.gearbox.runtime.backend.cpu;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** The projection kernel, SIMD or scalar, against a plain double-precision reference. */
class LinearTest {
  @Test
  void buildEnablesTheVectorApiForTests() {
    assertTrue(Linear.SIMD, "surefire must run with --add-modules jdk.incubator.vector");
  }

  @Test
  void matchesReferenceForEveryRowCountAndOddSizes() {
    SplittableRandom random = new SplittableRandom(5);
    int in = 37;
    int out = 19;
    float[] w = new float[in * out];
    float[] bias = new float[out];
    for (int i = 0; i < w.length; i++) {
      w[i] = (float) random.nextDouble(-1, 1);
    }
    for (int i = 0; i < out; i++) {
      bias[i] = (float) random.nextDouble(-1, 1);
    }
    Linear linear = new Linear(w, bias, in, out);
    try (WorkerPool pool = new WorkerPool(2)) {
      for (int rows = 1; rows <= 9; rows++) {
        float[] x = new float[3 + rows * in];
        for (int i = 0; i < x.length; i++) {
          x[i] = (float) random.nextDouble(-1, 1);
        }
        float[] y = new float[rows * out];
        linear.apply(pool, x, 3, rows, y);
        for (int r = 0; r < rows; r++) {
          for (int o = 0; o < out; o++) {
            double expected = bias[o];
            for (int i = 0; i < in; i++) {
              expected += (double) w[o * in + i] * x[3 + r * in + i];
            }
            assertEquals(
                expected, y[r * out + o], 1e-5, "rows " + rows + " row " + r + " out " + o);
          }
        }
      }
    }
  }
}
