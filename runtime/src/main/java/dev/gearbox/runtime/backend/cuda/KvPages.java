package dev.gearbox.runtime.backend.cuda;

/**
 * Host-side free list of the pages of one KV pool. Full-attention layers take pages as their
 * sequence grows; sliding-window layers take at most a fixed ring of {@link #ringPages} pages.
 */
final class KvPages {
  private final int[] free;
  private final int total;
  private int count;

  KvPages(int totalPages) {
    if (totalPages < 0) {
      throw new IllegalArgumentException("totalPages must be >= 0, got " + totalPages);
    }
    this.total = totalPages;
    this.free = new int[totalPages];
    // Lowest page ids are handed out first.
    for (int i = 0; i < totalPages; i++) {
      free[i] = totalPages - 1 - i;
    }
    this.count = totalPages;
  }

  /** Pages a sliding-window layer keeps: room for the window plus one prefill chunk, plus one. */
  static int ringPages(int window, int prefillChunk, int pageTokens) {
    return ceilDiv(window + prefillChunk, pageTokens) + 1;
  }

  /** Pages holding {@code tokens} tokens. */
  static int pagesFor(long tokens, int pageTokens) {
    return (int) ceilDiv(tokens, pageTokens);
  }

  int total() {
    return total;
  }

  int available() {
    return count;
  }

  /**
   * Checks that {@code pages} pages can be taken now.
   *
   * @throws IllegalStateException saying that the KV pool ran out, and how many were wanted
   */
  void require(int pages) {
    if (pages > count) {
      throw new IllegalStateException(
          "out of KV cache pages: need "
              + pages
              + " more, "
              + count
              + " of "
              + total
              + " pages are free (raise CudaOptions.kvBytes or serve fewer/shorter sequences)");
    }
  }

  /** Takes one page. */
  int take() {
    require(1);
    return free[--count];
  }

  /** Returns a page taken by {@link #take}. */
  void give(int page) {
    if (page < 0 || page >= total || count == total) {
      throw new IllegalArgumentException("page " + page + " was not taken from this pool");
    }
    free[count++] = page;
  }

  private static long ceilDiv(long a, long b) {
    return (a + b - 1) / b;
  }

  private static int ceilDiv(int a, int b) {
    return (a + b - 1) / b;
  }
}
