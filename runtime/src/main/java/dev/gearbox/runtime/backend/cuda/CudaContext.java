package dev.gearbox.runtime.backend.cuda;

import static jcuda.driver.JCudaDriver.cuCtxSetCurrent;
import static jcuda.driver.JCudaDriver.cuCtxSynchronize;
import static jcuda.driver.JCudaDriver.cuDeviceGet;
import static jcuda.driver.JCudaDriver.cuDeviceGetAttribute;
import static jcuda.driver.JCudaDriver.cuDeviceGetCount;
import static jcuda.driver.JCudaDriver.cuDeviceGetName;
import static jcuda.driver.JCudaDriver.cuDevicePrimaryCtxRelease;
import static jcuda.driver.JCudaDriver.cuDevicePrimaryCtxRetain;
import static jcuda.driver.JCudaDriver.cuFuncGetAttribute;
import static jcuda.driver.JCudaDriver.cuFuncSetAttribute;
import static jcuda.driver.JCudaDriver.cuInit;
import static jcuda.driver.JCudaDriver.cuLaunchKernel;
import static jcuda.driver.JCudaDriver.cuMemAlloc;
import static jcuda.driver.JCudaDriver.cuMemFree;
import static jcuda.driver.JCudaDriver.cuMemGetInfo;
import static jcuda.driver.JCudaDriver.cuMemcpyDtoHAsync;
import static jcuda.driver.JCudaDriver.cuMemcpyHtoDAsync;
import static jcuda.driver.JCudaDriver.cuMemsetD8Async;
import static jcuda.driver.JCudaDriver.cuModuleGetFunction;
import static jcuda.driver.JCudaDriver.cuModuleLoadData;
import static jcuda.driver.JCudaDriver.cuStreamCreate;
import static jcuda.driver.JCudaDriver.cuStreamDestroy;
import static jcuda.driver.JCudaDriver.cuStreamSynchronize;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import jcuda.Pointer;
import jcuda.driver.CUcontext;
import jcuda.driver.CUdevice;
import jcuda.driver.CUdevice_attribute;
import jcuda.driver.CUdeviceptr;
import jcuda.driver.CUfunction;
import jcuda.driver.CUfunction_attribute;
import jcuda.driver.CUmodule;
import jcuda.driver.CUstream;
import jcuda.driver.CUstream_flags;
import jcuda.driver.JCudaDriver;

/**
 * One GPU through the CUDA driver API (JCuda): the device's primary context, one stream, the
 * Gearbox kernel modules (PTX compiled for sm_90 by the build and embedded in the jar, loaded with
 * {@code cuModuleLoadData}) and device allocations that are counted and freed together.
 *
 * <p>Every JCuda call throws {@link jcuda.CudaException} on an error code (exceptions are enabled
 * once, process-wide). Calls from a thread that did not open the context must first call {@link
 * #makeCurrent()}.
 */
public final class CudaContext implements AutoCloseable {
  /** Kernel modules, each a PTX resource under {@code /gearbox/cuda/} on the class path. */
  public static final List<String> MODULES = List.of("dense", "attention", "recurrent");

  private static final String PTX_DIR = "/gearbox/cuda/";

  private final int ordinal;
  private final CUdevice device = new CUdevice();
  private final CUcontext context = new CUcontext();
  private final CUstream stream = new CUstream();
  private final Map<String, CUfunction> functions = new HashMap<>();
  private final List<CUmodule> modules = new ArrayList<>();
  private final List<CUdeviceptr> allocations = new ArrayList<>();
  private final String name;
  private final int multiprocessors;
  private final long totalMemory;
  private long allocatedBytes;
  private boolean closed;

  private CudaContext(int ordinal) {
    this.ordinal = ordinal;
    cuDeviceGet(device, ordinal);
    cuDevicePrimaryCtxRetain(context, device);
    cuCtxSetCurrent(context);
    byte[] nameBytes = new byte[256];
    cuDeviceGetName(nameBytes, nameBytes.length, device);
    int end = 0;
    while (end < nameBytes.length && nameBytes[end] != 0) {
      end++;
    }
    this.name = new String(nameBytes, 0, end, StandardCharsets.US_ASCII);
    this.multiprocessors = attribute(CUdevice_attribute.CU_DEVICE_ATTRIBUTE_MULTIPROCESSOR_COUNT);
    long[] free = new long[1];
    long[] total = new long[1];
    cuMemGetInfo(free, total);
    this.totalMemory = total[0];
    cuStreamCreate(stream, CUstream_flags.CU_STREAM_NON_BLOCKING);
    for (String module : MODULES) {
      load(module);
    }
  }

  /**
   * Opens GPU {@code ordinal} and loads the Gearbox kernels.
   *
   * @throws CudaUnavailableException when there is no driver, no such GPU, or the jar was built
   *     without PTX (no {@code nvcc} at build time); the message says which
   */
  public static CudaContext open(int ordinal) {
    String missing = missingKernels();
    if (missing != null) {
      throw new CudaUnavailableException(missing);
    }
    try {
      JCudaDriver.setExceptionsEnabled(true);
      cuInit(0);
      int[] count = new int[1];
      cuDeviceGetCount(count);
      if (ordinal < 0 || ordinal >= count[0]) {
        throw new CudaUnavailableException(
            "GPU " + ordinal + " requested but the CUDA driver reports " + count[0] + " device(s)");
      }
    } catch (UnsatisfiedLinkError | jcuda.CudaException e) {
      throw new CudaUnavailableException("no usable CUDA driver: " + firstLine(e.getMessage()), e);
    } catch (NoClassDefFoundError e) {
      // JCudaDriver's static initializer failed on an earlier call in this JVM.
      throw new CudaUnavailableException("no usable CUDA driver (JCuda failed to load earlier)", e);
    }
    return new CudaContext(ordinal);
  }

  /** JCuda's load errors carry pages of nested traces; the first line says what failed. */
  private static String firstLine(String message) {
    if (message == null) {
      return "unknown error";
    }
    int end = message.indexOf('\n');
    return (end < 0 ? message : message.substring(0, end)).trim()
        + " (is the NVIDIA driver, libcuda.so.1, installed and a GPU visible?)";
  }

  /** Null when every kernel module's PTX is on the class path, else why not. */
  public static String missingKernels() {
    for (String module : MODULES) {
      if (CudaContext.class.getResource(PTX_DIR + module + ".ptx") == null) {
        return "kernel module "
            + module
            + ".ptx is not in the jar: this build ran without nvcc (run .ci/cuda-toolchain.sh,"
            + " or set GEARBOX_NVCC, then rebuild)";
      }
    }
    return null;
  }

  /** The PTX text of kernel module {@code module}, as embedded in the jar. */
  public static String ptx(String module) {
    try (InputStream in = CudaContext.class.getResourceAsStream(PTX_DIR + module + ".ptx")) {
      if (in == null) {
        throw new CudaUnavailableException(missingKernels());
      }
      return new String(in.readAllBytes(), StandardCharsets.US_ASCII);
    } catch (IOException e) {
      throw new CudaUnavailableException("cannot read kernel module " + module + ": " + e, e);
    }
  }

  private void load(String module) {
    CUmodule handle = new CUmodule();
    // JCuda passes the String as a NUL-terminated image, which is what PTX loading expects.
    cuModuleLoadData(handle, ptx(module));
    modules.add(handle);
    for (String line : ptx(module).split("\n")) {
      String entry = entryName(line);
      if (entry != null) {
        CUfunction function = new CUfunction();
        cuModuleGetFunction(function, handle, entry);
        CUfunction previous = functions.put(entry, function);
        if (previous != null) {
          throw new IllegalStateException("kernel " + entry + " is defined in two modules");
        }
      }
    }
  }

  /** The kernel name declared on a PTX {@code .entry} line, or null. */
  static String entryName(String line) {
    String trimmed = line.trim();
    int at = trimmed.indexOf(".entry ");
    if (at < 0 || !(trimmed.startsWith(".visible") || trimmed.startsWith(".entry"))) {
      return null;
    }
    String rest = trimmed.substring(at + ".entry ".length()).trim();
    int end = 0;
    while (end < rest.length()
        && (Character.isLetterOrDigit(rest.charAt(end)) || rest.charAt(end) == '_')) {
      end++;
    }
    return end == 0 ? null : rest.substring(0, end);
  }

  /** Makes this context current on the calling thread. */
  public void makeCurrent() {
    cuCtxSetCurrent(context);
  }

  public String name() {
    return name;
  }

  public int ordinal() {
    return ordinal;
  }

  public int multiprocessors() {
    return multiprocessors;
  }

  public long totalMemory() {
    return totalMemory;
  }

  /** Bytes currently allocated through {@link #alloc}. */
  public long allocatedBytes() {
    return allocatedBytes;
  }

  /** Free device memory as the driver reports it. */
  public long freeMemory() {
    long[] free = new long[1];
    long[] total = new long[1];
    cuMemGetInfo(free, total);
    return free[0];
  }

  public CUstream stream() {
    return stream;
  }

  public int attribute(int attribute) {
    int[] value = new int[1];
    cuDeviceGetAttribute(value, attribute, device);
    return value[0];
  }

  /** The kernel named {@code name} from any loaded module. */
  public CUfunction function(String name) {
    CUfunction function = functions.get(name);
    if (function == null) {
      throw new IllegalArgumentException(
          "no kernel '" + name + "' in modules " + MODULES + "; known: " + functions.keySet());
    }
    return function;
  }

  /**
   * Lets {@code function} use up to {@code bytes} of dynamic shared memory (above 48 KiB), less
   * what its static shared memory already takes of the per-block limit.
   */
  public void allowSharedMemory(CUfunction function, int bytes) {
    int[] staticBytes = new int[1];
    cuFuncGetAttribute(staticBytes, CUfunction_attribute.CU_FUNC_ATTRIBUTE_SHARED_SIZE_BYTES, function);
    int limit =
        attribute(CUdevice_attribute.CU_DEVICE_ATTRIBUTE_MAX_SHARED_MEMORY_PER_BLOCK_OPTIN)
            - staticBytes[0];
    cuFuncSetAttribute(
        function,
        CUfunction_attribute.CU_FUNC_ATTRIBUTE_MAX_DYNAMIC_SHARED_SIZE_BYTES,
        Math.min(bytes, limit));
  }

  /**
   * Allocates {@code bytes} of device memory, freed by {@link #free} or {@link #close}.
   *
   * @throws CudaOutOfMemoryException naming the request and what is free
   */
  public CUdeviceptr alloc(long bytes) {
    CUdeviceptr pointer = new CUdeviceptr();
    try {
      cuMemAlloc(pointer, Math.max(bytes, 16));
    } catch (jcuda.CudaException e) {
      throw new CudaOutOfMemoryException(
          "cannot allocate "
              + bytes
              + " bytes on "
              + name
              + " ("
              + allocatedBytes
              + " allocated by Gearbox, "
              + freeMemory()
              + " free): "
              + e.getMessage());
    }
    allocations.add(pointer);
    allocatedBytes += bytes;
    return pointer;
  }

  /** Allocates {@code bytes} and sets every byte to zero (ordered on {@link #stream()}). */
  public CUdeviceptr allocZeroed(long bytes) {
    CUdeviceptr pointer = alloc(bytes);
    cuMemsetD8Async(pointer, (byte) 0, Math.max(bytes, 16), stream);
    return pointer;
  }

  /** Frees an allocation made by {@link #alloc} of {@code bytes} bytes. */
  public void free(CUdeviceptr pointer, long bytes) {
    if (allocations.remove(pointer)) {
      synchronize();
      cuMemFree(pointer);
      allocatedBytes -= bytes;
    }
  }

  /**
   * Copies {@code bytes} from host memory to the device, ordered on {@link #stream()} after the
   * work queued before it. Every host-device transfer goes through this stream: the stream is
   * non-blocking, so a copy on the legacy default stream ({@code cuMemcpyHtoD}) would not be
   * ordered with the kernels, and a pageable copy may still be in flight when it returns. The host
   * memory may be reused as soon as this returns (pageable memory is staged by the driver).
   */
  public void upload(CUdeviceptr target, Pointer host, long bytes) {
    cuMemcpyHtoDAsync(target, host, bytes, stream);
  }

  public void upload(CUdeviceptr target, float[] values) {
    upload(target, Pointer.to(values), (long) values.length * Float.BYTES);
  }

  public void upload(CUdeviceptr target, int[] values) {
    upload(target, Pointer.to(values), (long) values.length * Integer.BYTES);
  }

  public void upload(CUdeviceptr target, long[] values) {
    upload(target, Pointer.to(values), (long) values.length * Long.BYTES);
  }

  public void upload(CUdeviceptr target, short[] values) {
    upload(target, Pointer.to(values), (long) values.length * Short.BYTES);
  }

  /** Copies {@code bytes} from the device once the work queued on {@link #stream()} is done. */
  public void download(Pointer host, CUdeviceptr source, long bytes) {
    cuMemcpyDtoHAsync(host, source, bytes, stream);
    synchronize();
  }

  public void download(float[] target, CUdeviceptr source, int count) {
    download(Pointer.to(target), source, (long) count * Float.BYTES);
  }

  public void download(int[] target, CUdeviceptr source, int count) {
    download(Pointer.to(target), source, (long) count * Integer.BYTES);
  }

  public void download(short[] target, CUdeviceptr source, int count) {
    download(Pointer.to(target), source, (long) count * Short.BYTES);
  }

  /**
   * Launches {@code kernel} on this context's stream. Arguments are boxed Java values in the
   * kernel's parameter order: {@link CUdeviceptr} (null for a null pointer), Integer, Long, Float.
   */
  public void launch(
      String kernel, int gridX, int gridY, int gridZ, int block, int sharedBytes, Object... args) {
    cuLaunchKernel(
        function(kernel),
        gridX,
        gridY,
        gridZ,
        block,
        1,
        1,
        sharedBytes,
        stream,
        parameters(args),
        null);
  }

  /** Packs kernel arguments the way {@code cuLaunchKernel} takes them. */
  static Pointer parameters(Object... args) {
    Pointer[] slots = new Pointer[args.length];
    for (int i = 0; i < args.length; i++) {
      Object arg = args[i];
      slots[i] =
          switch (arg) {
            case null -> Pointer.to(new CUdeviceptr());
            case CUdeviceptr p -> Pointer.to(p);
            case Integer v -> Pointer.to(new int[] {v});
            case Long v -> Pointer.to(new long[] {v});
            case Float v -> Pointer.to(new float[] {v});
            default ->
                throw new IllegalArgumentException(
                    "kernel argument " + i + " has unsupported type " + arg.getClass().getName());
          };
    }
    return Pointer.to(slots);
  }

  /** Waits for all work queued on this context's stream. */
  public void synchronize() {
    cuStreamSynchronize(stream);
  }

  @Override
  public void close() {
    if (closed) {
      return;
    }
    closed = true;
    makeCurrent();
    cuCtxSynchronize();
    for (CUdeviceptr pointer : allocations) {
      cuMemFree(pointer);
    }
    allocations.clear();
    allocatedBytes = 0;
    cuStreamDestroy(stream);
    for (CUmodule module : modules) {
      jcuda.driver.JCudaDriver.cuModuleUnload(module);
    }
    cuDevicePrimaryCtxRelease(device);
  }
}
