package dev.gearbox.runtime.text;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Byte-level BPE over one pre-tokenized word: starts from one token per byte and applies merges
 * lowest rank first (leftmost on ties), as the HF {@code tokenizers} BPE model does. Results are
 * cached per word because natural text repeats words heavily.
 */
final class BpeModel {
  private static final int CACHE_LIMIT = 200_000;

  private final Map<String, Integer> vocab;
  private final MergeTable merges;
  private final int[] byteTokenIds;
  private final boolean ignoreMerges;
  private final ConcurrentHashMap<String, int[]> cache = new ConcurrentHashMap<>();

  BpeModel(
      Map<String, Integer> vocab, MergeTable merges, int[] byteTokenIds, boolean ignoreMerges) {
    this.vocab = vocab;
    this.merges = merges;
    this.byteTokenIds = byteTokenIds;
    this.ignoreMerges = ignoreMerges;
  }

  /** Appends the ids of one pre-tokenized word. */
  void encodeWord(String word, IdBuffer out, Scratch scratch) {
    int[] cached = cache.get(word);
    if (cached == null) {
      byte[] utf8 = word.getBytes(java.nio.charset.StandardCharsets.UTF_8);
      cached = merge(utf8, 0, utf8.length, scratch);
      if (cache.size() >= CACHE_LIMIT) {
        cache.clear();
      }
      cache.put(word, cached);
    }
    out.addAll(cached);
  }

  private int[] merge(byte[] utf8, int from, int to, Scratch s) {
    int n = to - from;
    if (ignoreMerges) {
      // Llama-3 style: a word that is itself a vocabulary entry is emitted whole.
      Integer whole = vocab.get(ByteLevelAlphabet.encode(utf8, from, to));
      if (whole != null) {
        return new int[] {whole};
      }
    }
    s.ensure(n);
    int[] sym = s.symbols;
    int[] prev = s.prev;
    int[] next = s.next;
    for (int i = 0; i < n; i++) {
      sym[i] = byteTokenIds[utf8[from + i] & 0xFF];
      prev[i] = i - 1;
      next[i] = i + 1 < n ? i + 1 : -1;
    }
    s.heapSize = 0;
    for (int i = 0; i + 1 < n; i++) {
      pushPair(s, i, sym[i], sym[i + 1]);
    }
    int alive = n;
    while (s.heapSize > 0) {
      long top = s.pop();
      int pos = (int) top;
      int rank = (int) (top >>> 32);
      int right = next[pos];
      // Stale entries: the left symbol was merged away, or the pair at pos changed since push.
      if (sym[pos] < 0 || right < 0) {
        continue;
      }
      long merge = merges.get(sym[pos], sym[right]);
      if (merge < 0 || (int) (merge >>> 32) != rank) {
        continue;
      }
      sym[pos] = (int) merge;
      sym[right] = -1;
      int after = next[right];
      next[pos] = after;
      if (after >= 0) {
        prev[after] = pos;
        pushPair(s, pos, sym[pos], sym[after]);
      }
      if (prev[pos] >= 0) {
        pushPair(s, prev[pos], sym[prev[pos]], sym[pos]);
      }
      alive--;
    }
    int[] ids = new int[alive];
    int k = 0;
    for (int i = 0; i >= 0; i = next[i]) {
      ids[k++] = sym[i];
    }
    return ids;
  }

  private void pushPair(Scratch s, int pos, int left, int right) {
    long merge = merges.get(left, right);
    if (merge >= 0) {
      s.push((merge & 0xFFFFFFFF00000000L) | pos);
    }
  }

  /** Per-call working arrays, reused across the words of one encode call. */
  static final class Scratch {
    int[] symbols = new int[64];
    int[] prev = new int[64];
    int[] next = new int[64];
    // Min-heap of (rank << 32 | position): lowest rank first, then leftmost position.
    long[] heap = new long[64];
    int heapSize;

    void ensure(int n) {
      if (symbols.length < n) {
        int capacity = Integer.highestOneBit(n) << 1;
        symbols = new int[capacity];
        prev = new int[capacity];
        next = new int[capacity];
      }
    }

    void push(long value) {
      if (heapSize == heap.length) {
        heap = java.util.Arrays.copyOf(heap, heap.length * 2);
      }
      int i = heapSize++;
      while (i > 0) {
        int parent = (i - 1) >>> 1;
        if (heap[parent] <= value) {
          break;
        }
        heap[i] = heap[parent];
        i = parent;
      }
      heap[i] = value;
    }

    long pop() {
      long top = heap[0];
      long last = heap[--heapSize];
      int i = 0;
      while (true) {
        int child = 2 * i + 1;
        if (child >= heapSize) {
          break;
        }
        if (child + 1 < heapSize && heap[child + 1] < heap[child]) {
          child++;
        }
        if (heap[child] >= last) {
          break;
        }
        heap[i] = heap[child];
        i = child;
      }
      heap[i] = last;
      return top;
    }
  }
}
