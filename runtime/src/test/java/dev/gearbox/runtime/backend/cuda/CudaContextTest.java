package dev.gearbox.runtime.backend.cuda;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import jcuda.driver.CUdeviceptr;
import org.junit.jupiter.api.Test;

/** What CudaContext does without a GPU: finds kernel entries in PTX, packs launch arguments. */
class CudaContextTest {

  @Test
  void findsKernelNamesOnEntryLines() {
    assertEquals("gemv_bf16", CudaContext.entryName(".visible .entry gemv_bf16("));
    assertEquals("attn_decode_split", CudaContext.entryName("  .visible .entry attn_decode_split(  "));
    assertNull(CudaContext.entryName("// .entry in a comment line is not one"));
    assertNull(CudaContext.entryName("\tld.param.u64 %rd1, [gemv_bf16_param_0];"));
  }

  @Test
  void everyModuleOfTheJarIsBuiltAndDeclaresKernels() {
    // CI builds with nvcc (GEARBOX_REQUIRE_PTX=1); a developer build without nvcc has no PTX.
    String missing = CudaContext.missingKernels();
    if (missing != null) {
      assertTrue(missing.contains("without nvcc"), missing);
      assertTrue(!"1".equals(System.getenv("GEARBOX_REQUIRE_PTX")), "CI must build the PTX: " + missing);
      return;
    }
    for (String module : CudaContext.MODULES) {
      String ptx = CudaContext.ptx(module);
      assertTrue(ptx.contains(".target sm_90"), module + " is not compiled for sm_90");
      assertTrue(ptx.lines().anyMatch(l -> CudaContext.entryName(l) != null), module + " has no kernels");
    }
  }

  @Test
  void rejectsKernelArgumentsOfUnknownType() {
    IllegalArgumentException e =
        assertThrows(IllegalArgumentException.class, () -> CudaContext.parameters(1, 2.0));
    assertTrue(e.getMessage().contains("argument 1") && e.getMessage().contains("Double"), e.getMessage());
    // Pointers (null included), ints, longs and floats are packed.
    CudaContext.parameters(new CUdeviceptr(), null, 3, 4L, 5f);
  }
}
