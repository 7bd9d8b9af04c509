package dev.gearbox.runtime.checkpoint;

import java.util.Arrays;

/** Element types a safetensors file may declare, with their size in bytes. */
public enum DType {
  F32(4),
  F16(2),
  BF16(2),
  I64(8),
  I32(4);

  private final int bytes;

  DType(int bytes) {
    this.bytes = bytes;
  }

  /** Size of one element in bytes. */
  public int bytes() {
    return bytes;
  }

  static DType parse(String name, String file, String tensor) {
    for (DType type : values()) {
      if (type.name().equals(name)) {
        return type;
      }
    }
    throw new CheckpointException(
        file
            + ": tensor '"
            + tensor
            + "' has unknown dtype '"
            + name
            + "', expected one of "
            + Arrays.toString(values()));
  }
}
