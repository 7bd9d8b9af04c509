package dev.gearbox.runtime.backend;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import org.junit.jupiter.api.Test;

class ModelBackendTest {

  @Test
  void parsesTheThreeBackends() {
    assertEquals(ModelBackend.CPU, ModelBackend.parse("cpu"));
    assertEquals(ModelBackend.CUDA, ModelBackend.parse("CUDA"));
    assertEquals(ModelBackend.AUTO, ModelBackend.parse("auto"));
    IllegalArgumentException e =
        assertThrows(IllegalArgumentException.class, () -> ModelBackend.parse("tpu"));
    assertTrue(e.getMessage().contains("--backend expects cpu or cuda"), e.getMessage());
    assertTrue(e.getMessage().contains("'tpu'"), e.getMessage());
  }

  @Test
  void autoPicksCudaOnlyWhenTheGpuOpens() {
    assertEquals(ModelBackend.CUDA, ModelBackend.AUTO.resolve(() -> true));
    assertEquals(ModelBackend.CPU, ModelBackend.AUTO.resolve(() -> false));
    assertEquals(ModelBackend.CPU, ModelBackend.CPU.resolve(() -> fail("not probed")));
    assertEquals(ModelBackend.CUDA, ModelBackend.CUDA.resolve(() -> fail("not probed")));
  }
}
