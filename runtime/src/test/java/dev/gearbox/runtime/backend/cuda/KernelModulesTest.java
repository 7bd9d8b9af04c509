package dev.gearbox.runtime.backend.cuda;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.gearbox.runtime.backend.cuda.AttentionKernels.AttentionShape;
import java.util.HashSet;
import java.util.Set;
import jcuda.driver.CUdeviceptr;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;

/**
 * CPU-only checks of the dense and attention launchers: every kernel they start is an entry of
 * the built PTX, and host-side validation names the argument it rejects and what it expected.
 */
class KernelModulesTest {
  /** Device pointers are only compared and offset here, never dereferenced. */
  private static final CUdeviceptr ALIGNED = new CUdeviceptr();

  private static final AttentionShape SHAPE =
      new AttentionShape(8, 2, 128, 0, 16, 64, 0, 0, 2L * 16 * 2 * 128);

  private static Set<String> entries(String module) {
    Set<String> names = new HashSet<>();
    for (String line : CudaContext.ptx(module).split("\n")) {
      String name = CudaContext.entryName(line);
      if (name != null) {
        names.add(name);
      }
    }
    return names;
  }

  @Test
  void everyLaunchedKernelIsInThePtx() {
    assumeTrue(entriesBuilt(), "this build ran without nvcc: no PTX to check");
    Set<String> dense = entries("dense");
    for (String kernel : DenseKernels.KERNELS) {
      assertTrue(dense.contains(kernel), "dense.ptx lacks " + kernel + "; has " + dense);
    }
    for (int rows = 1; rows <= DenseKernels.GEMV_MAX_ROWS; rows++) {
      assertTrue(DenseKernels.KERNELS.contains(DenseKernels.gemvKernel(rows)));
    }
    Set<String> attention = entries("attention");
    for (String kernel : AttentionKernels.KERNELS) {
      assertTrue(attention.contains(kernel), "attention.ptx lacks " + kernel);
    }
  }

  private static boolean entriesBuilt() {
    return CudaContext.class.getResource("/gearbox/cuda/dense.ptx") != null
        && CudaContext.class.getResource("/gearbox/cuda/attention.ptx") != null;
  }

  private static void rejects(String expected, Executable call) {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, call);
    assertTrue(
        e.getMessage().contains(expected),
        "message '" + e.getMessage() + "' should contain '" + expected + "'");
  }

  @Test
  void linearRejectsBadShapesAndAlignment() {
    CUdeviceptr p = ALIGNED;
    assertDoesNotThrow(() -> DenseKernels.checkLinear(p, 64, p, null, p, 32, 3, 64, 32));
    rejects("in must be a multiple of 8, got 60",
        () -> DenseKernels.checkLinear(p, 64, p, null, p, 32, 3, 60, 32));
    rejects("xStride must be a multiple of 4, got 66",
        () -> DenseKernels.checkLinear(p, 66, p, null, p, 32, 3, 64, 32));
    rejects("xStride must be >= in (64), got 32",
        () -> DenseKernels.checkLinear(p, 32, p, null, p, 32, 3, 64, 32));
    rejects("yStride must be >= out (32), got 16",
        () -> DenseKernels.checkLinear(p, 64, p, null, p, 16, 3, 64, 32));
    rejects("rows must be >= 0, got -1",
        () -> DenseKernels.checkLinear(p, 64, p, null, p, 32, -1, 64, 32));
    rejects("out must be > 0, got 0",
        () -> DenseKernels.checkLinear(p, 64, p, null, p, 32, 3, 64, 0));
    rejects("weight must not be null",
        () -> DenseKernels.checkLinear(p, 64, null, null, p, 32, 3, 64, 32));
    rejects("x must be 16-byte aligned, got address 0x8",
        () -> DenseKernels.checkLinear(p.withByteOffset(8), 64, p, null, p, 32, 3, 64, 32));
    rejects("y must be 16-byte aligned",
        () -> DenseKernels.checkLinear(p, 64, p, null, p.withByteOffset(4), 32, 3, 64, 32));
  }

  @Test
  void alignmentSeesByteOffsets() {
    assertEquals(0, Address.of(ALIGNED));
    assertEquals(48, Address.of(ALIGNED.withByteOffset(48)));
    assertEquals(52, Address.of(ALIGNED.withByteOffset(48).withByteOffset(4)));
  }

  @Test
  void gemvSplitsSmallOutputsAcrossWarps() {
    assertEquals(8, DenseKernels.gemvSplit(1024, 4096, 132));
    assertEquals(1, DenseKernels.gemvSplit(32768, 4096, 132));
    assertEquals(1, DenseKernels.gemvSplit(256, 256, 132), "a short row is not split");
  }

  @Test
  void rmsNormSpreadsFewRowsOverBlocks() {
    assertEquals(20, DenseKernels.rmsNormParts(1, 5120, 132));
    assertEquals(3, DenseKernels.rmsNormParts(3, 1000, 132), "at least 256 columns per block");
    assertEquals(17, DenseKernels.rmsNormParts(15, 8192, 132), "two blocks per SM in all");
    assertEquals(1, DenseKernels.rmsNormParts(16, 8192, 132));
    assertEquals(1, DenseKernels.rmsNormParts(1, 100, 132));
  }

  @Test
  void gemmSplitsKOnlyForSmallGrids() {
    assertEquals(16, DenseKernels.gemmSplit(16, 4096, 132), "16 rows x 1024 outputs");
    assertEquals(1, DenseKernels.gemmSplit(2, 264, 132), "K too short to split");
    assertEquals(1, DenseKernels.gemmSplit(32 * 80, 5120, 132), "2048 rows fill the GPU");
    assertEquals(7, DenseKernels.gemmSplit(80, 5120, 132));
  }

  @Test
  void largeGemmTilesOnlyWhenTheyFillTheGpu() {
    assertTrue(DenseKernels.useLargeGemm(384, 5632, 132), "the device check's large case");
    assertTrue(DenseKernels.useLargeGemm(2048, 5120, 132));
    assertFalse(DenseKernels.useLargeGemm(64, 100_000, 132), "fewer rows than one tile");
    assertFalse(DenseKernels.useLargeGemm(256, 1024, 132), "16 tiles for 132 SMs");
  }

  @Test
  void attentionShapeValidationNamesTheField() {
    assertDoesNotThrow(() -> AttentionKernels.validate(SHAPE));
    rejects("shape.heads (6) must be a multiple of shape.kvHeads (4)",
        () -> AttentionKernels.validate(new AttentionShape(6, 4, 128, 0, 16, 64, 0, 0, 1 << 20)));
    rejects("shape.headDim must be a multiple of 8, got 100",
        () -> AttentionKernels.validate(new AttentionShape(8, 2, 100, 0, 16, 64, 0, 0, 1 << 20)));
    rejects("shape.headDim must be <= MAX_HEAD_DIM (256), got 512",
        () -> AttentionKernels.validate(new AttentionShape(8, 2, 512, 0, 16, 64, 0, 0, 1 << 22)));
    rejects("shape.pageTokens must be > 0, got 0",
        () -> AttentionKernels.validate(new AttentionShape(8, 2, 128, 0, 0, 64, 0, 0, 1 << 20)));
    rejects("shape.pageStride must be >= 2 * pageTokens * kvHeads * headDim (8192), got 4096",
        () -> AttentionKernels.validate(new AttentionShape(8, 2, 128, 0, 16, 64, 0, 0, 4096)));
    rejects("shape.window must be >= 0, got -1",
        () -> AttentionKernels.validate(new AttentionShape(8, 2, 128, -1, 16, 64, 0, 0, 8192)));
    rejects("shape must not be null", () -> AttentionKernels.validate(null));
  }

  @Test
  void decodeScratchAndSplits() {
    assertEquals(AttentionKernels.SPLIT_COUNTERS + 3L * 8 * 4 * 130,
        AttentionKernels.partialFloats(3, 8, 128, 4));
    assertEquals(1, AttentionKernels.splitsFor(1, 8192, 132, 100_000), "past the counters");
    assertEquals(1, AttentionKernels.splitsFor(128, 8, 132, 100_000), "enough blocks already");
    assertEquals(2, AttentionKernels.splitsFor(64, 8, 132, 100_000), "512 blocks < 4 per SM");
    assertEquals(66, AttentionKernels.splitsFor(1, 8, 132, 100_000));
    assertEquals(32, AttentionKernels.splitsFor(1, 8, 132, 1024), "no split under 32 keys");
    assertEquals(AttentionKernels.MAX_SPLITS, AttentionKernels.splitsFor(1, 1, 132, 1 << 20));
    assertEquals(1, AttentionKernels.splitsFor(1, 8, 132, 10));
  }

  @Test
  void sharedMemoryFitsAnH100AtTheLargestHeads() {
    int optIn = 227 * 1024;
    assertTrue(AttentionKernels.prefillSharedBytes(AttentionKernels.MAX_HEAD_DIM) <= optIn);
    assertTrue(AttentionKernels.decodeSharedBytes(16, 256) <= optIn);
    assertEquals(0, AttentionKernels.decodeSharedBytes(8, 128) % 16);
  }
}
