package dev.gearbox.runtime.backend.cuda;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.HashSet;
import java.util.Set;
import org.junit.jupiter.api.Test;

class KvPagesTest {

  @Test
  void handsOutDistinctPagesUntilExhaustedThenSaysSo() {
    KvPages pages = new KvPages(3);
    Set<Integer> taken = new HashSet<>();
    for (int i = 0; i < 3; i++) {
      taken.add(pages.take());
    }
    assertEquals(Set.of(0, 1, 2), taken);
    assertEquals(0, pages.available());
    IllegalStateException e = assertThrows(IllegalStateException.class, pages::take);
    assertTrue(e.getMessage().contains("out of KV cache pages"), e.getMessage());
    assertTrue(e.getMessage().contains("0 of 3 pages are free"), e.getMessage());
  }

  @Test
  void givenBackPagesCanBeTakenAgain() {
    KvPages pages = new KvPages(2);
    int a = pages.take();
    pages.take();
    pages.give(a);
    assertEquals(1, pages.available());
    assertEquals(a, pages.take());
    assertThrows(IllegalArgumentException.class, () -> pages.give(7));
  }

  @Test
  void ringHoldsWindowPlusChunkPlusOnePage() {
    assertEquals(10, KvPages.ringPages(64, 512, 64)); // 576 / 64 = 9, + 1
    assertEquals(5, KvPages.ringPages(8, 7, 4)); // ceil(15 / 4) = 4, + 1
    assertEquals(1, KvPages.pagesFor(1, 64));
    assertEquals(1, KvPages.pagesFor(64, 64));
    assertEquals(2, KvPages.pagesFor(65, 64));
    assertEquals(0, KvPages.pagesFor(0, 64));
  }

  private static CudaSequence sequence(int slot, int[] entries) {
    int[][] pages = new int[entries.length][];
    for (int l = 0; l < entries.length; l++) {
      pages[l] = entries[l] > 0 ? new int[entries[l]] : null;
    }
    return new CudaSequence(null, null, slot, new int[entries.length], new int[entries.length], pages);
  }

  @Test
  void pageTableGrowsFullAttentionAndCapsTheWindowRing() {
    // pair 0: full attention, pair 1: window 8, pair 2: recurrent
    PageTable table = new PageTable(null, 2, new int[] {0, 8, -1}, 64, 7, 4, 100);
    assertEquals(16, table.entries[0]);
    assertEquals(5, table.entries[1]);
    assertEquals(0, table.entries[2]);
    assertEquals(21, table.stride);
    assertEquals(16, table.base[1]);
    CudaSequence seq = sequence(1, table.entries);
    int[] pairs = {0, 1, 2};
    table.grow(seq, pairs, 9);
    assertEquals(3, seq.held[0]);
    assertEquals(3, seq.held[1]);
    assertEquals(0, seq.held[2]);
    assertEquals(94, table.pages.available());
    table.grow(seq, pairs, 40);
    assertEquals(10, seq.held[0]);
    assertEquals(5, seq.held[1], "the ring stops at its size");
    assertEquals(seq.pages[1][4], table.entry(1, 1, 4));
    assertEquals(seq.pages[0][9], table.entry(1, 0, 9));
    table.shrink(seq);
    assertEquals(100, table.pages.available());
    assertEquals(0, seq.held[0]);
  }

  @Test
  void pageTableGrowthIsAllOrNothing() {
    PageTable table = new PageTable(null, 1, new int[] {0}, 64, 8, 4, 3);
    CudaSequence seq = sequence(0, table.entries);
    IllegalStateException e =
        assertThrows(IllegalStateException.class, () -> table.grow(seq, new int[] {0}, 16));
    assertTrue(e.getMessage().contains("need 4 more"), e.getMessage());
    assertEquals(0, seq.held[0]);
    assertEquals(3, table.pages.available());
    assertNull(table.device());
  }
}
