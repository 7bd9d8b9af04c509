package dev.gearbox.runtime.backend.cuda;

import static jcuda.driver.JCudaDriver.cuMemAllocHost;
import static jcuda.driver.JCudaDriver.cuMemFreeHost;
import static jcuda.driver.JCudaDriver.cuMemcpyHtoDAsync;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import jcuda.Pointer;
import jcuda.driver.CUdeviceptr;

/**
 * The fixed device buffers every step works in (their addresses are baked into CUDA graphs):
 * residual stream, normed input, scratch for projections, logits, and the per-step inputs (tokens,
 * slots, positions, sampling parameters, per-(layer, mixer) row segments) that one {@code
 * cuMemcpyHtoDAsync} fills from a pinned host buffer.
 */
final class Workspace implements AutoCloseable {
  final int maxRows;
  final int maxBucket;
  final int hidden;
  final int vocab;
  final CUdeviceptr h;
  final CUdeviceptr xn;
  final CUdeviceptr[] scratch;
  final CUdeviceptr logits;
  final CUdeviceptr outTokens;
  final CUdeviceptr partial;

  private final CudaContext ctx;
  private final CUdeviceptr inputs;
  private final Pointer pinned;
  private final ByteBuffer host;
  private final long inputBytes;
  private final long slotsAt;
  private final long positionsAt;
  private final long countersAt;
  private final long temperatureAt;
  private final long seedsAt;
  private final long segsAt;
  private final long segBytes;

  /**
   * @param scratchWidths floats per row of each scratch buffer (the largest any user needs)
   * @param segments number of (layer, mixer) pairs, each with its own segment
   */
  Workspace(
      CudaContext ctx,
      int maxRows,
      int maxBucket,
      int hidden,
      int vocab,
      long[] scratchWidths,
      int segments,
      long partialFloats) {
    this.ctx = ctx;
    this.maxRows = maxRows;
    this.maxBucket = maxBucket;
    this.hidden = hidden;
    this.vocab = vocab;
    this.h = ctx.allocZeroed(4L * maxRows * hidden);
    this.xn = ctx.allocZeroed(4L * maxRows * hidden);
    this.scratch = new CUdeviceptr[scratchWidths.length];
    for (int i = 0; i < scratch.length; i++) {
      scratch[i] = ctx.allocZeroed(4L * maxRows * Math.max(4, scratchWidths[i]));
    }
    this.logits = ctx.allocZeroed(4L * maxBucket * vocab);
    this.outTokens = ctx.allocZeroed(4L * maxBucket);
    this.partial = ctx.allocZeroed(4L * Math.max(4, partialFloats));
    this.slotsAt = 4L * maxRows;
    this.positionsAt = 8L * maxRows;
    this.countersAt = 12L * maxRows;
    this.temperatureAt = countersAt + 4L * maxBucket;
    this.seedsAt = align(temperatureAt + 4L * maxBucket, 16);
    this.segsAt = align(seedsAt + 8L * maxBucket, 16);
    this.segBytes = align(4L * (1 + maxBucket), 16);
    this.inputBytes = segsAt + segBytes * segments;
    this.inputs = ctx.allocZeroed(inputBytes);
    this.pinned = new Pointer();
    cuMemAllocHost(pinned, inputBytes);
    this.host = pinned.getByteBuffer(0, inputBytes).order(ByteOrder.nativeOrder());
  }

  private static long align(long value, long to) {
    return (value + to - 1) / to * to;
  }

  CUdeviceptr tokens() {
    return inputs;
  }

  CUdeviceptr slots() {
    return inputs.withByteOffset(slotsAt);
  }

  CUdeviceptr positions() {
    return inputs.withByteOffset(positionsAt);
  }

  CUdeviceptr counters() {
    return inputs.withByteOffset(countersAt);
  }

  CUdeviceptr temperatures() {
    return inputs.withByteOffset(temperatureAt);
  }

  CUdeviceptr seeds() {
    return inputs.withByteOffset(seedsAt);
  }

  /** Device segment of (layer, mixer) pair {@code pair}: count, then row indices. */
  CUdeviceptr segment(int pair) {
    return inputs.withByteOffset(segsAt + segBytes * pair);
  }

  /** Row {@code row} of an fp32 buffer of {@code width} floats per row. */
  static CUdeviceptr row(CUdeviceptr base, int row, int width) {
    return base.withByteOffset(4L * row * width);
  }

  // Host-side writers into the pinned buffer; send() copies it to the device.

  void token(int row, int value) {
    host.putInt(4 * row, value);
  }

  void slot(int row, int value) {
    host.putInt((int) (slotsAt + 4L * row), value);
  }

  void position(int row, int value) {
    host.putInt((int) (positionsAt + 4L * row), value);
  }

  void counter(int row, int value) {
    host.putInt((int) (countersAt + 4L * row), value);
  }

  void temperature(int row, float value) {
    host.putFloat((int) (temperatureAt + 4L * row), value);
  }

  void seed(int row, long value) {
    host.putLong((int) (seedsAt + 8L * row), value);
  }

  /** Writes segment {@code pair}: {@code count} rows from {@code rows}. */
  void segment(int pair, int[] rows, int count) {
    int at = (int) (segsAt + segBytes * pair);
    host.putInt(at, count);
    for (int i = 0; i < count; i++) {
      host.putInt(at + 4 * (i + 1), rows[i]);
    }
  }

  /** Queues one copy of the whole input block on the stream. */
  void send() {
    cuMemcpyHtoDAsync(inputs, pinned, inputBytes, ctx.stream());
  }

  @Override
  public void close() {
    cuMemFreeHost(pinned);
  }
}
