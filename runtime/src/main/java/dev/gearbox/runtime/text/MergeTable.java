package dev.gearbox.runtime.text;

import java.util.Arrays;

/**
 * Open-addressing map from a pair of token ids to (merge rank, merged id), so the BPE inner loop
 * looks merges up without boxing.
 */
final class MergeTable {
  private static final long EMPTY = -1L;
  private long[] keys;
  private long[] values;
  private int size;

  MergeTable(int expected) {
    int capacity = Integer.highestOneBit(Math.max(16, expected * 2) - 1) << 1;
    keys = new long[capacity];
    values = new long[capacity];
    Arrays.fill(keys, EMPTY);
  }

  /** Records a merge unless the pair already has a lower rank (the first listed merge wins). */
  void putIfAbsent(int left, int right, int rank, int mergedId) {
    if ((size + 1) * 2 > keys.length) {
      grow();
    }
    long key = key(left, right);
    int slot = slot(key);
    while (keys[slot] != EMPTY) {
      if (keys[slot] == key) {
        return;
      }
      slot = (slot + 1) & (keys.length - 1);
    }
    keys[slot] = key;
    values[slot] = ((long) rank << 32) | (mergedId & 0xFFFFFFFFL);
    size++;
  }

  /** Packed (rank << 32 | mergedId) for the pair, or -1 if the pair never merges. */
  long get(int left, int right) {
    long key = key(left, right);
    int slot = slot(key);
    while (keys[slot] != EMPTY) {
      if (keys[slot] == key) {
        return values[slot];
      }
      slot = (slot + 1) & (keys.length - 1);
    }
    return -1L;
  }

  int size() {
    return size;
  }

  private static long key(int left, int right) {
    return ((long) left << 32) | (right & 0xFFFFFFFFL);
  }

  private int slot(long key) {
    long h = key * 0x9E3779B97F4A7C15L;
    return (int) (h >>> 40) & (keys.length - 1);
  }

  private void grow() {
    long[] oldKeys = keys;
    long[] oldValues = values;
    keys = new long[oldKeys.length * 2];
    values = new long[oldKeys.length * 2];
    Arrays.fill(keys, EMPTY);
    size = 0;
    for (int i = 0; i < oldKeys.length; i++) {
      if (oldKeys[i] != EMPTY) {
        long key = oldKeys[i];
        int slot = slot(key);
        while (keys[slot] != EMPTY) {
          slot = (slot + 1) & (keys.length - 1);
        }
        keys[slot] = key;
        values[slot] = oldValues[i];
        size++;
      }
    }
  }
}
