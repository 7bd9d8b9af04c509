package dev.gearbox.runtime.backend.cuda;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

import java.util.ArrayList;
import java.util.BitSet;
import java.util.List;
import org.junit.jupiter.api.Test;

class DecodeGraphsTest {

  private static BitSet bits(int... set) {
    BitSet b = new BitSet();
    for (int i : set) {
      b.set(i);
    }
    return b;
  }

  @Test
  void keyIsBucketSamplingAndMixerUnion() {
    DecodeGraphs.Key a = new DecodeGraphs.Key(8, false, bits(0, 5, 9));
    assertEquals(a, new DecodeGraphs.Key(8, false, bits(9, 5, 0)));
    assertEquals(a.hashCode(), new DecodeGraphs.Key(8, false, bits(0, 5, 9)).hashCode());
    assertNotEquals(a, new DecodeGraphs.Key(16, false, bits(0, 5, 9)));
    assertNotEquals(a, new DecodeGraphs.Key(8, true, bits(0, 5, 9)));
    assertNotEquals(a, new DecodeGraphs.Key(8, false, bits(0, 5)));
  }

  @Test
  void keyCopiesItsBits() {
    BitSet used = bits(1, 2);
    DecodeGraphs.Key key = new DecodeGraphs.Key(4, false, used);
    used.set(3);
    assertEquals(bits(1, 2), key.pairs());
  }

  @Test
  void lruEvictsTheLeastRecentlyUsedAndHandsItOver() {
    List<String> evicted = new ArrayList<>();
    DecodeGraphs.Lru<Integer, String> lru = new DecodeGraphs.Lru<>(2, evicted::add);
    lru.put(1, "one");
    lru.put(2, "two");
    lru.get(1);
    lru.put(3, "three");
    assertEquals(List.of("two"), evicted);
    assertEquals(2, lru.size());
    lru.put(4, "four");
    assertEquals(List.of("two", "one"), evicted);
  }

  @Test
  void bucketsArePowersOfTwo() {
    assertEquals(1, CudaOptions.bucket(1));
    assertEquals(4, CudaOptions.bucket(3));
    assertEquals(8, CudaOptions.bucket(8));
    assertEquals(16, CudaOptions.bucket(9));
    assertEquals(64, CudaOptions.bucket(33));
  }
}
