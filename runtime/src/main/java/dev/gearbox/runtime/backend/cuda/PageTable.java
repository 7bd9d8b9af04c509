package dev.gearbox.runtime.backend.cuda;


import jcuda.Pointer;
import jcuda.driver.CUdeviceptr;

/**
 * The page table of every slot and attention (layer, mixer) pair: a host mirror, uploaded in the
 * changed range before a step, over a {@link KvPages} pool. Row of slot {@code s}: {@code s *
 * stride}; pair {@code p}'s entries start at {@code base[p]} (full attention: enough for the max
 * context; sliding window: a ring of {@code ring[p]} pages).
 */
final class PageTable {
  final int stride;
  final int[] base;
  final int[] ring;
  final int[] entries;
  final int pageTokens;
  final KvPages pages;
  private final int[] mirror;
  private final CUdeviceptr device;
  private final CudaContext ctx;
  private int dirtyFrom = Integer.MAX_VALUE;
  private int dirtyTo = -1;

  /**
   * Table layout for the given pairs: {@code window[p] < 0} = no attention, 0 = full, > 0 =
   * sliding window. Pure host arithmetic (testable without a GPU) when {@code ctx} is null.
   */
  PageTable(CudaContext ctx, int slots, int[] window, int maxContext, int prefillChunk,
      int pageTokens, int totalPages) {
    this.ctx = ctx;
    this.pageTokens = pageTokens;
    this.base = new int[window.length];
    this.ring = new int[window.length];
    this.entries = new int[window.length];
    int at = 0;
    for (int p = 0; p < window.length; p++) {
      base[p] = at;
      if (window[p] > 0) {
        ring[p] = KvPages.ringPages(window[p], prefillChunk, pageTokens);
        entries[p] = ring[p];
      } else if (window[p] == 0) {
        entries[p] = KvPages.pagesFor(maxContext, pageTokens);
      }
      at += entries[p];
    }
    this.stride = Math.max(1, at);
    this.mirror = new int[slots * stride];
    this.pages = new KvPages(totalPages);
    this.device = ctx == null ? null : ctx.allocZeroed(4L * mirror.length);
  }

  CUdeviceptr device() {
    return device;
  }

  /** Pages pair {@code p} holds for a sequence of {@code length} tokens. */
  int pagesNeeded(int p, long length) {
    if (entries[p] == 0) {
      return 0;
    }
    int n = KvPages.pagesFor(length, pageTokens);
    return ring[p] > 0 ? Math.min(n, ring[p]) : n;
  }

  /**
   * Gives {@code seq} the pages its attention layers need to hold {@code length} tokens, all or
   * none.
   *
   * @throws IllegalStateException when the pool has too few free pages
   */
  void grow(CudaSequence seq, int[] pairOfLayer, long length) {
    int missing = 0;
    for (int l = 0; l < pairOfLayer.length; l++) {
      missing += Math.max(0, pagesNeeded(pairOfLayer[l], length) - seq.held[l]);
    }
    if (missing == 0) {
      return;
    }
    pages.require(missing);
    for (int l = 0; l < pairOfLayer.length; l++) {
      int p = pairOfLayer[l];
      int need = pagesNeeded(p, length);
      while (seq.held[l] < need) {
        int page = pages.take();
        seq.pages[l][seq.held[l]] = page;
        int index = seq.slot * stride + base[p] + seq.held[l];
        mirror[index] = page;
        dirtyFrom = Math.min(dirtyFrom, index);
        dirtyTo = Math.max(dirtyTo, index);
        seq.held[l]++;
      }
    }
  }

  /** Returns every page {@code seq} holds. */
  void shrink(CudaSequence seq) {
    for (int l = 0; l < seq.held.length; l++) {
      for (int i = 0; i < seq.held[l]; i++) {
        pages.give(seq.pages[l][i]);
      }
      seq.held[l] = 0;
    }
  }

  /** The mirror entry (for tests and checks). */
  int entry(int slot, int pair, int logicalPage) {
    return mirror[slot * stride + base[pair] + logicalPage];
  }

  /** Uploads the changed range of the mirror, ordered on the stream before the next kernels. */
  void flush() {
    if (dirtyTo < 0) {
      return;
    }
    int n = dirtyTo - dirtyFrom + 1;
    ctx.upload(device.withByteOffset(4L * dirtyFrom),
        Pointer.to(mirror).withByteOffset(4L * dirtyFrom), 4L * n);
    dirtyFrom = Integer.MAX_VALUE;
    dirtyTo = -1;
  }
}
