package dev.gearbox.runtime.text;

import java.util.Arrays;

/** Growable int list for token ids, so encoding does not box. */
final class IdBuffer {
  private int[] ids = new int[256];
  private int size;

  void add(int id) {
    if (size == ids.length) {
      ids = Arrays.copyOf(ids, size * 2);
    }
    ids[size++] = id;
  }

  void addAll(int[] more) {
    if (size + more.length > ids.length) {
      ids = Arrays.copyOf(ids, Math.max(ids.length * 2, size + more.length));
    }
    System.arraycopy(more, 0, ids, size, more.length);
    size += more.length;
  }

  int size() {
    return size;
  }

  int[] toArray() {
    return Arrays.copyOf(ids, size);
  }
}
