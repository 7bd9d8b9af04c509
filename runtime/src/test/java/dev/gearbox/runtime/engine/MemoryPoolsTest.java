package dev.gearbox.runtime.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;

import dev.gearbox.runtime.placement.MixerKind;
import dev.gearbox.runtime.placement.Placement;
import java.util.List;
import org.junit.jupiter.api.Test;

class MemoryPoolsTest {
  private final TestingLanguageModel model = new TestingLanguageModel(64, 4, 512);
  private final Placement allFa = model.placement("all-fa", List.of("attention*4"));
  private final Placement mixed = model.placement("mixed", List.of("attention,gdn,swa,mamba"));

  @Test
  void fullAttentionIsReservedInWholeBlocks() {
    MemoryPools pools = new MemoryPools(1 << 20, 16);
    // 17 tokens -> 2 blocks of 16 tokens x 256 bytes x 4 layers.
    assertEquals(2 * 16 * 256 * 4, pools.bytesFor(allFa, 17));
    // FA: 2 blocks; SWA: ring of min(17, 8) slots; GDN and Mamba slabs.
    long expected = 2 * 16 * 256 + 8 * 256 + (4 * 16 * 16 * 4 + 768) + (128 * 16 * 4 + 1536);
    assertEquals(expected, pools.bytesFor(mixed, 17));
  }

  @Test
  void reserveFillReleaseAccountsPerPoolAndReturnsToZero() {
    MemoryPools pools = new MemoryPools(80_000, 16); // all-FA@32 = 32768, mixed@32 = 24832
    MemoryPools.Reservation a = pools.tryReserve(allFa, 32);
    MemoryPools.Reservation b = pools.tryReserve(mixed, 32);
    assertNotNull(a);
    assertNotNull(b);
    assertEquals(a.bytes() + b.bytes(), pools.usedBytes());
    assertEquals(2 * 16 * 256 * 4 + 2 * 16 * 256, pools.byKind().get(MixerKind.FULL_ATTENTION)[0]);
    assertEquals(8 * 256, pools.byKind().get(MixerKind.SLIDING_WINDOW)[0]);

    pools.fill(a, 5);
    assertEquals(16 * 256 * 4, pools.filledBytes(), "one block touched per FA layer");
    pools.fill(a, 20);
    assertEquals(2 * 16 * 256 * 4, pools.filledBytes());
    assertNull(pools.tryReserve(allFa, 32), "a third all-FA request does not fit");

    pools.release(a);
    pools.release(a);
    pools.release(b);
    assertEquals(0, pools.usedBytes());
    assertEquals(0, pools.filledBytes());
    for (long[] v : pools.byKind().values()) {
      assertEquals(0, v[0]);
      assertEquals(0, v[1]);
    }
  }
}
