package dev.gearbox.runtime.backend.cuda;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.gearbox.runtime.backend.cuda.RecurrentKernels.GdnShape;
import dev.gearbox.runtime.backend.cuda.RecurrentKernels.KdaShape;
import dev.gearbox.runtime.backend.cuda.RecurrentKernels.MambaShape;
import jcuda.driver.CUdeviceptr;
import org.junit.jupiter.api.Test;

/** Host-side parts of {@link RecurrentKernels}: state sizes and shape validation (no GPU). */
class RecurrentKernelsTest {
  @Test
  void gdnStateSizesMatchTheCpuMixer() {
    GdnShape shape = new GdnShape(32, 16, 128, 128, 4, 1e-6f);
    assertEquals(32L * 128 * 128, RecurrentKernels.recurrentFloats(shape));
    // conv channels 2 * keyDim + valueDim = 2 * 2048 + 4096, history K - 1 = 3
    assertEquals((2L * 2048 + 4096) * 3, RecurrentKernels.convFloats(shape));
  }

  @Test
  void kdaStateSizesHaveThreeConvBanks() {
    KdaShape shape = new KdaShape(4, 64, 4, 1e-5f, false);
    assertEquals(4L * 64 * 64, RecurrentKernels.recurrentFloats(shape));
    assertEquals(3L * 256 * 3, RecurrentKernels.convFloats(shape));
  }

  @Test
  void mambaConvChannelsDependOnRepeatOrder() {
    MambaShape convFirst = new MambaShape(256, 16, 64, 4, false);
    MambaShape repeatFirst = new MambaShape(256, 16, 64, 4, true);
    assertEquals(256L * 16, RecurrentKernels.recurrentFloats(convFirst));
    assertEquals(64L * 3, RecurrentKernels.convFloats(convFirst));
    assertEquals(256L * 3, RecurrentKernels.convFloats(repeatFirst));
  }

  @Test
  void acceptsRealisticShapes() {
    assertDoesNotThrow(() -> RecurrentShapes.validate(new GdnShape(32, 16, 128, 128, 4, 1e-6f)));
    assertDoesNotThrow(() -> RecurrentShapes.validate(new GdnShape(3, 1, 40, 48, 3, 1e-6f)));
    assertDoesNotThrow(() -> RecurrentShapes.validate(new KdaShape(32, 128, 4, 1e-5f, true)));
    assertDoesNotThrow(() -> RecurrentShapes.validate(new MambaShape(4096, 16, 1024, 4, false)));
    assertDoesNotThrow(() -> RecurrentShapes.validate(new MambaShape(256, 64, 128, 4, true)));
  }

  @Test
  void deltaBlocksSplitValueColumnsInChunksOf32() {
    assertEquals(32, RecurrentKernels.deltaColumns(128));
    assertEquals(128, RecurrentKernels.deltaThreads(128, 32));  // 4 row groups of 32 rows
    assertEquals(48, RecurrentKernels.deltaColumns(48));
    assertEquals(96, RecurrentKernels.deltaThreads(40, 48));  // 2 row groups
    assertEquals(32, RecurrentKernels.deltaThreads(32, 32));
    assertEquals(512, RecurrentKernels.deltaThreads(512, 32));
    assertDoesNotThrow(() -> RecurrentShapes.validate(new GdnShape(4, 2, 128, 256, 4, 1e-6f)));
  }

  @Test
  void rejectsValueHeadsNotAMultipleOfKeyHeads() {
    IllegalArgumentException e =
        assertThrows(
            IllegalArgumentException.class,
            () -> RecurrentShapes.validate(new GdnShape(6, 4, 64, 64, 4, 1e-6f)));
    assertTrue(e.getMessage().contains("valueHeads"), e.getMessage());
  }

  @Test
  void rejectsStatesTooLargeForRegisters() {
    // dv 200 is one chunk of 200 columns; dk 128 needs 4 row groups: 800 threads (limit 512)
    IllegalArgumentException e =
        assertThrows(
            IllegalArgumentException.class,
            () -> RecurrentShapes.validate(new GdnShape(4, 2, 128, 200, 4, 1e-6f)));
    assertTrue(e.getMessage().contains("keyHeadDim x valueHeadDim"), e.getMessage());
    assertThrows(
        IllegalArgumentException.class,
        () -> RecurrentShapes.validate(new KdaShape(2, 1024, 4, 1e-5f, false)));
  }

  @Test
  void rejectsConvKernelsOutsideTheSupportedRange() {
    IllegalArgumentException e =
        assertThrows(
            IllegalArgumentException.class,
            () -> RecurrentShapes.validate(new KdaShape(2, 64, 12, 1e-5f, false)));
    assertTrue(e.getMessage().contains("convKernel"), e.getMessage());
    assertThrows(
        IllegalArgumentException.class,
        () -> RecurrentShapes.validate(new MambaShape(64, 16, 32, 0, false)));
  }

  @Test
  void rejectsMambaStateSizesTheKernelCannotSplit() {
    IllegalArgumentException e =
        assertThrows(
            IllegalArgumentException.class,
            () -> RecurrentShapes.validate(new MambaShape(96, 24, 48, 4, false)));
    assertTrue(e.getMessage().contains("dState"), e.getMessage());
    assertThrows(
        IllegalArgumentException.class,
        () -> RecurrentShapes.validate(new MambaShape(96, 16, 64, 4, false)));
  }

  @Test
  void rejectsSegInSequentialModeAndNegativeRows() {
    IllegalArgumentException e =
        assertThrows(
            IllegalArgumentException.class,
            () -> RecurrentKernels.validateRows(4, new CUdeviceptr(), true));
    assertTrue(e.getMessage().contains("seg"), e.getMessage());
    assertThrows(
        IllegalArgumentException.class, () -> RecurrentKernels.validateRows(-1, null, false));
    assertThrows(
        IllegalArgumentException.class, () -> RecurrentKernels.validateRows(65536, null, true));
    assertDoesNotThrow(() -> RecurrentKernels.validateRows(0, null, true));
    assertDoesNotThrow(() -> RecurrentKernels.validateRows(3, new CUdeviceptr(), false));
  }

  @Test
  void launchersCheckArgumentsBeforeTouchingTheGpu() {
    RecurrentKernels kernels = new RecurrentKernels(null);
    GdnShape shape = new GdnShape(4, 2, 32, 32, 4, 1e-6f);
    CUdeviceptr p = new CUdeviceptr();
    IllegalArgumentException e =
        assertThrows(
            IllegalArgumentException.class,
            () -> kernels.gdn(p, null, p, 1, null, p, false, p, p, p, p, p, p, shape));
    assertTrue(e.getMessage().startsWith("ba "), e.getMessage());
  }
}
