package dev.gearbox.runtime.engine;

import dev.gearbox.runtime.placement.LayerState;
import dev.gearbox.runtime.placement.MixerKind;
import dev.gearbox.runtime.placement.Placement;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Byte accounting of decode state under one memory budget, with one pool per kind of state:
 * paged KV blocks for full attention, ring buffers for sliding-window attention, fixed slabs for
 * GDN, KDA and Mamba.
 *
 * <p>Policy: memory is held on demand. A request is admitted when its prompt (plus the first
 * generated token) fits; as it decodes, {@link #tryGrow} takes one more FA block each time the
 * sequence crosses a block boundary (and SWA slots until the window is full; recurrent slabs are
 * whole from the start). When growth does not fit, the engine preempts a sequence and recomputes
 * it later, so the bytes held ({@link #usedBytes}) are what the sequences really occupy, rounded
 * up to whole blocks, never a worst case promised to {@code max_tokens} that may never be used.
 * Sizing is by bytes, not by layer count, so a kind used by one layer costs only its bytes.
 *
 * <p>Thread-safe: the scheduler changes it, stats readers read it.
 */
public final class MemoryPools {
  private static final MixerKind[] KINDS = MixerKind.values();

  private final long capacityBytes;
  private final int blockTokens;
  private final long[] usedByKind = new long[KINDS.length];
  private final long[] filledByKind = new long[KINDS.length];
  private final Map<String, long[]> byPlacement = new LinkedHashMap<>();
  private long used;
  private long filled;

  /** One sequence's share of the pools; changed under the pools' lock by the scheduler thread. */
  public static final class Reservation {
    private final Placement placement;
    private final long[] usedByKind;
    private final long[] filledByKind = new long[KINDS.length];
    private long total;
    private int tokens;
    private boolean released;

    private Reservation(Placement placement, long[] usedByKind, int tokens) {
      this.placement = placement;
      this.usedByKind = usedByKind;
      this.tokens = tokens;
      long sum = 0;
      for (long b : usedByKind) {
        sum += b;
      }
      this.total = sum;
    }

    /** Bytes held over all pools. */
    public long bytes() {
      return total;
    }

    /** Tokens the held bytes have room for (FA rounded up to whole blocks). */
    public int tokens() {
      return tokens;
    }
  }

  /**
   * @param capacityBytes the memory budget for decode state
   * @param blockTokens tokens per full-attention KV block (the paging granularity)
   */
  public MemoryPools(long capacityBytes, int blockTokens) {
    if (capacityBytes <= 0) {
      throw new IllegalArgumentException("memory budget must be > 0 bytes, got " + capacityBytes);
    }
    if (blockTokens < 1) {
      throw new IllegalArgumentException("KV block size must be >= 1 token, got " + blockTokens);
    }
    this.capacityBytes = capacityBytes;
    this.blockTokens = blockTokens;
  }

  public long capacityBytes() {
    return capacityBytes;
  }

  public int blockTokens() {
    return blockTokens;
  }

  /** Bytes a sequence of {@code placement} reserves for {@code contextTokens} tokens. */
  public long bytesFor(Placement placement, int contextTokens) {
    long sum = 0;
    for (LayerState layer : placement.layers()) {
      sum += layerBytes(layer, contextTokens);
    }
    return sum;
  }

  /** Reserves room for {@code contextTokens} tokens, or returns null when it does not fit now. */
  public synchronized Reservation tryReserve(Placement placement, int contextTokens) {
    long[] perKind = perKind(placement, contextTokens);
    Reservation reservation = new Reservation(placement, perKind, contextTokens);
    if (used + reservation.total > capacityBytes) {
      return null;
    }
    used += reservation.total;
    long[] mine = byPlacement.computeIfAbsent(placement.name(), k -> new long[2]);
    mine[0] += reservation.total;
    for (int k = 0; k < KINDS.length; k++) {
      usedByKind[k] += perKind[k];
    }
    return reservation;
  }

  /**
   * Grows a reservation so that it has room for {@code contextTokens} tokens; false (and nothing
   * changed) when the extra bytes do not fit now. Growing to fewer tokens than held is a no-op.
   */
  public synchronized boolean tryGrow(Reservation reservation, int contextTokens) {
    if (reservation.released) {
      throw new IllegalStateException("cannot grow a released reservation");
    }
    if (contextTokens <= reservation.tokens) {
      return true;
    }
    long[] perKind = perKind(reservation.placement, contextTokens);
    long extra = 0;
    for (int k = 0; k < KINDS.length; k++) {
      extra += perKind[k] - reservation.usedByKind[k];
    }
    if (used + extra > capacityBytes) {
      return false;
    }
    used += extra;
    byPlacement.get(reservation.placement.name())[0] += extra;
    for (int k = 0; k < KINDS.length; k++) {
      usedByKind[k] += perKind[k] - reservation.usedByKind[k];
      reservation.usedByKind[k] = perKind[k];
    }
    reservation.total += extra;
    reservation.tokens = contextTokens;
    return true;
  }

  /** Records that the sequence now holds {@code length} tokens (blocks touched, slots filled). */
  public synchronized void fill(Reservation reservation, int length) {
    if (reservation.released) {
      return;
    }
    long[] mine = byPlacement.get(reservation.placement.name());
    for (int k = 0; k < KINDS.length; k++) {
      filled -= reservation.filledByKind[k];
      filledByKind[k] -= reservation.filledByKind[k];
      mine[1] -= reservation.filledByKind[k];
      reservation.filledByKind[k] = 0;
    }
    for (LayerState layer : reservation.placement.layers()) {
      reservation.filledByKind[layer.kind().ordinal()] += layerBytes(layer, length);
    }
    for (int k = 0; k < KINDS.length; k++) {
      filled += reservation.filledByKind[k];
      filledByKind[k] += reservation.filledByKind[k];
      mine[1] += reservation.filledByKind[k];
    }
  }

  /** Returns the reservation's bytes to the pools; releasing twice is harmless. */
  public synchronized void release(Reservation reservation) {
    if (reservation.released) {
      return;
    }
    reservation.released = true;
    long[] mine = byPlacement.get(reservation.placement.name());
    used -= reservation.total;
    mine[0] -= reservation.total;
    for (int k = 0; k < KINDS.length; k++) {
      usedByKind[k] -= reservation.usedByKind[k];
      filledByKind[k] -= reservation.filledByKind[k];
      filled -= reservation.filledByKind[k];
      mine[1] -= reservation.filledByKind[k];
    }
  }

  /** Bytes held over all pools (on demand: what the running sequences occupy, whole blocks). */
  public synchronized long usedBytes() {
    return used;
  }

  /** Bytes of state written so far over all pools. */
  public synchronized long filledBytes() {
    return filled;
  }

  /** held / capacity: the KV pressure. */
  public synchronized double utilization() {
    return (double) used / capacityBytes;
  }

  /** Per pool kind: {used, filled} bytes, for every kind in {@link MixerKind} order. */
  public synchronized Map<MixerKind, long[]> byKind() {
    Map<MixerKind, long[]> out = new EnumMap<>(MixerKind.class);
    for (MixerKind kind : KINDS) {
      out.put(kind, new long[] {usedByKind[kind.ordinal()], filledByKind[kind.ordinal()]});
    }
    return out;
  }

  /** Per placement name: {used, filled} bytes of the placements that ever reserved. */
  public synchronized Map<String, long[]> byPlacement() {
    Map<String, long[]> out = new LinkedHashMap<>();
    byPlacement.forEach((name, v) -> out.put(name, v.clone()));
    return out;
  }

  private long[] perKind(Placement placement, int contextTokens) {
    long[] perKind = new long[KINDS.length];
    for (LayerState layer : placement.layers()) {
      perKind[layer.kind().ordinal()] += layerBytes(layer, contextTokens);
    }
    return perKind;
  }

  private long layerBytes(LayerState layer, int tokens) {
    if (layer.kind() == MixerKind.FULL_ATTENTION && layer.window() == 0) {
      long blocks = (tokens + (long) blockTokens - 1) / blockTokens;
      return blocks * blockTokens * layer.bytesPerToken() + layer.fixedBytes();
    }
    // Ring buffers hold min(tokens, window) slots; slabs are fixed.
    return layer.bytesAt(tokens);
  }
}
