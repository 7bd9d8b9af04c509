package dev.gearbox.runtime.backend.cuda;

import jcuda.driver.CUdeviceptr;

/** Host-side argument checks shared by the kernel launchers; messages name the argument. */
final class Check {
  private Check() {}

  static void notNull(String name, CUdeviceptr pointer) {
    if (pointer == null) {
      throw new IllegalArgumentException(name + " must not be null");
    }
  }

  static void positive(String name, long value) {
    if (value <= 0) {
      throw new IllegalArgumentException(name + " must be > 0, got " + value);
    }
  }

  static void nonNegative(String name, long value) {
    if (value < 0) {
      throw new IllegalArgumentException(name + " must be >= 0, got " + value);
    }
  }

  static void multiple(String name, long value, int of) {
    if (value % of != 0) {
      throw new IllegalArgumentException(
          name + " must be a multiple of " + of + ", got " + value);
    }
  }

  static void atLeast(String name, long value, String boundName, long bound) {
    if (value < bound) {
      throw new IllegalArgumentException(
          name + " must be >= " + boundName + " (" + bound + "), got " + value);
    }
  }

  static void atMost(String name, long value, String boundName, long bound) {
    if (value > bound) {
      throw new IllegalArgumentException(
          name + " must be <= " + boundName + " (" + bound + "), got " + value);
    }
  }

  /** Non-null and {@code bytes}-aligned device address. */
  static void aligned(String name, CUdeviceptr pointer, int bytes) {
    notNull(name, pointer);
    long address = Address.of(pointer);
    if (address % bytes != 0) {
      throw new IllegalArgumentException(
          name + " must be " + bytes + "-byte aligned, got address 0x"
              + Long.toHexString(address));
    }
  }
}

/** Reads a device pointer's address (JCuda keeps it in protected fields). */
final class Address extends CUdeviceptr {
  private Address(CUdeviceptr pointer) {
    super(pointer);
  }

  static long of(CUdeviceptr pointer) {
    Address copy = new Address(pointer);
    return copy.getNativePointer() + copy.getByteOffset();
  }
}
