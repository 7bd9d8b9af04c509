package dev.gearbox.runtime.checkpoint;

import java.util.Arrays;

/**
 * Where one tensor lives inside a safetensors file.
 *
 * @param name tensor name
 * @param dtype element type
 * @param shape dimensions, outermost first
 * @param begin byte offset of the first element, relative to the start of the data section
 * @param end byte offset just past the last element
 */
public record TensorInfo(String name, DType dtype, long[] shape, long begin, long end) {

  /** Number of elements (product of the shape; 1 for a scalar). */
  public long elementCount() {
    long n = 1;
    for (long d : shape) {
      n *= d;
    }
    return n;
  }

  /** The shape as text, e.g. {@code [64, 128]}. */
  public String shapeText() {
    return Arrays.toString(shape);
  }
}
