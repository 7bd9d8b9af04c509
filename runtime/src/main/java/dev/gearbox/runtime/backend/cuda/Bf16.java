package dev.gearbox.runtime.backend.cuda;

/** bfloat16 on the host: the rounding the GPU backend applies when it uploads weights. */
public final class Bf16 {
  private Bf16() {}

  /** fp32 to bf16 bits, rounding to nearest even (NaN stays NaN, infinities stay infinite). */
  public static short round(float value) {
    int bits = Float.floatToRawIntBits(value);
    if ((bits & 0x7fffffff) > 0x7f800000) {
      return (short) ((bits >>> 16) | 0x40);
    }
    int lsb = (bits >>> 16) & 1;
    return (short) ((bits + 0x7fff + lsb) >>> 16);
  }

  /** bf16 bits to fp32 (exact). */
  public static float toFloat(short value) {
    return Float.intBitsToFloat((value & 0xffff) << 16);
  }
}
