package dev.gearbox.runtime.checkpoint;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.MappedByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Reads one safetensors file: validates its header, then memory-maps and converts tensors to float
 * on request.
 *
 * <p>Hand-written because no maintained Java safetensors library exists on Maven Central. The
 * format is an 8-byte little-endian header length, a JSON header mapping tensor names to {@code
 * dtype}, {@code shape} and {@code data_offsets} (relative to the end of the header), then the raw
 * little-endian data. Every offset is checked before any tensor is read, so a file that lies about
 * its layout fails at open with a message naming the file and the tensor.
 */
public final class SafetensorsFile implements AutoCloseable {
  /** Headers larger than this are refused rather than read into memory. */
  private static final long MAX_HEADER_BYTES = 100L << 20;

  private static final ObjectMapper JSON = new ObjectMapper();

  private final Path path;
  private final FileChannel channel;
  private final long dataStart;
  private final Map<String, TensorInfo> tensors;

  private SafetensorsFile(
      Path path, FileChannel channel, long dataStart, Map<String, TensorInfo> tensors) {
    this.path = path;
    this.channel = channel;
    this.dataStart = dataStart;
    this.tensors = tensors;
  }

  /** Opens and validates {@code path}. */
  public static SafetensorsFile open(Path path) {
    FileChannel channel;
    try {
      channel = FileChannel.open(path, StandardOpenOption.READ);
    } catch (IOException e) {
      throw new CheckpointException(path + ": cannot open safetensors file: " + e.getMessage(), e);
    }
    try {
      long fileSize = channel.size();
      if (fileSize < 8) {
        throw new CheckpointException(
            path + ": truncated safetensors file: " + fileSize + " bytes, expected at least 8");
      }
      ByteBuffer lengthBytes = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN);
      readFully(channel, lengthBytes, 0);
      long headerLength = lengthBytes.getLong(0);
      if (headerLength < 2 || headerLength > fileSize - 8 || headerLength > MAX_HEADER_BYTES) {
        throw new CheckpointException(
            path
                + ": safetensors header length "
                + headerLength
                + " is beyond the file size "
                + fileSize
                + " (truncated or not a safetensors file)");
      }
      ByteBuffer header = ByteBuffer.allocate((int) headerLength);
      readFully(channel, header, 8);
      long dataStart = 8 + headerLength;
      Map<String, TensorInfo> tensors =
          parseHeader(
              path, new String(header.array(), StandardCharsets.UTF_8), fileSize - dataStart);
      return new SafetensorsFile(path, channel, dataStart, tensors);
    } catch (IOException e) {
      closeQuietly(channel);
      throw new CheckpointException(path + ": cannot read safetensors file: " + e.getMessage(), e);
    } catch (RuntimeException e) {
      closeQuietly(channel);
      throw e;
    }
  }

  private static Map<String, TensorInfo> parseHeader(Path path, String text, long dataSize) {
    JsonNode root;
    try {
      root = JSON.readTree(text);
    } catch (IOException e) {
      throw new CheckpointException(
          path + ": safetensors header is not valid JSON: " + e.getMessage(), e);
    }
    if (root == null || !root.isObject()) {
      throw new CheckpointException(path + ": safetensors header is not a JSON object");
    }
    Map<String, TensorInfo> tensors = new LinkedHashMap<>();
    for (Iterator<Map.Entry<String, JsonNode>> it = root.fields(); it.hasNext(); ) {
      Map.Entry<String, JsonNode> entry = it.next();
      String name = entry.getKey();
      if (name.equals("__metadata__")) {
        continue;
      }
      JsonNode node = entry.getValue();
      String where = path + ": tensor '" + name + "'";
      JsonNode dtype = node.get("dtype");
      JsonNode shape = node.get("shape");
      JsonNode offsets = node.get("data_offsets");
      if (dtype == null
          || !dtype.isTextual()
          || shape == null
          || !shape.isArray()
          || offsets == null
          || !offsets.isArray()
          || offsets.size() != 2) {
        throw new CheckpointException(where + " needs 'dtype', 'shape' and two 'data_offsets'");
      }
      DType type = DType.parse(dtype.asText(), path.toString(), name);
      long[] dims = new long[shape.size()];
      long count = 1;
      for (int i = 0; i < dims.length; i++) {
        dims[i] = shape.get(i).asLong(-1);
        if (dims[i] < 0) {
          throw new CheckpointException(
              where + " has a negative or non-numeric dimension in its shape");
        }
        count = Math.multiplyExact(count, dims[i]);
      }
      long begin = offsets.get(0).asLong(-1);
      long end = offsets.get(1).asLong(-1);
      if (begin < 0 || end < begin || end > dataSize) {
        throw new CheckpointException(
            where
                + " has data_offsets ["
                + begin
                + ", "
                + end
                + "] out of range of the data section ("
                + dataSize
                + " bytes): the file is truncated or its header lies");
      }
      long expected = count * type.bytes();
      if (end - begin != expected) {
        throw new CheckpointException(
            where
                + " spans "
                + (end - begin)
                + " bytes but shape "
                + java.util.Arrays.toString(dims)
                + " of "
                + type
                + " needs "
                + expected);
      }
      tensors.put(name, new TensorInfo(name, type, dims, begin, end));
    }
    List<TensorInfo> sorted = new ArrayList<>(tensors.values());
    sorted.sort(Comparator.comparingLong(TensorInfo::begin));
    for (int i = 1; i < sorted.size(); i++) {
      TensorInfo previous = sorted.get(i - 1);
      TensorInfo current = sorted.get(i);
      if (current.begin() < previous.end()) {
        throw new CheckpointException(
            path
                + ": tensors '"
                + previous.name()
                + "' and '"
                + current.name()
                + "' overlap in the data section (header lies about offsets)");
      }
    }
    return Collections.unmodifiableMap(tensors);
  }

  /** The file this reader was opened on. */
  public Path path() {
    return path;
  }

  /** Tensor names and layouts, in header order. */
  public Map<String, TensorInfo> tensors() {
    return tensors;
  }

  /** True when the file holds {@code name}. */
  public boolean contains(String name) {
    return tensors.containsKey(name);
  }

  /** The layout of {@code name}, failing with the file name when it is absent. */
  public TensorInfo info(String name) {
    TensorInfo info = tensors.get(name);
    if (info == null) {
      throw new CheckpointException(path + ": missing tensor '" + name + "'");
    }
    return info;
  }

  /** Reads a floating-point tensor, converting BF16/F16 to float. */
  public float[] floats(String name) {
    TensorInfo info = info(name);
    ByteBuffer data = map(info);
    int n = Math.toIntExact(info.elementCount());
    float[] out = new float[n];
    switch (info.dtype()) {
      case F32 -> data.asFloatBuffer().get(out);
      case BF16 -> {
        for (int i = 0; i < n; i++) {
          out[i] = Float.intBitsToFloat((data.getShort(2 * i) & 0xffff) << 16);
        }
      }
      case F16 -> {
        for (int i = 0; i < n; i++) {
          out[i] = Float.float16ToFloat(data.getShort(2 * i));
        }
      }
      default ->
          throw new CheckpointException(
              path
                  + ": tensor '"
                  + name
                  + "' has dtype "
                  + info.dtype()
                  + ", expected F32, BF16 or F16");
    }
    return out;
  }

  /** Reads an integer tensor (I64 or I32) as longs. */
  public long[] longs(String name) {
    TensorInfo info = info(name);
    ByteBuffer data = map(info);
    int n = Math.toIntExact(info.elementCount());
    long[] out = new long[n];
    switch (info.dtype()) {
      case I64 -> data.asLongBuffer().get(out);
      case I32 -> {
        for (int i = 0; i < n; i++) {
          out[i] = data.getInt(4 * i);
        }
      }
      default ->
          throw new CheckpointException(
              path + ": tensor '" + name + "' has dtype " + info.dtype() + ", expected I64 or I32");
    }
    return out;
  }

  private ByteBuffer map(TensorInfo info) {
    long length = info.end() - info.begin();
    if (length > Integer.MAX_VALUE) {
      throw new CheckpointException(
          path
              + ": tensor '"
              + info.name()
              + "' is larger than 2 GiB, which the CPU backend cannot hold");
    }
    try {
      MappedByteBuffer buffer =
          channel.map(FileChannel.MapMode.READ_ONLY, dataStart + info.begin(), length);
      return buffer.order(ByteOrder.LITTLE_ENDIAN);
    } catch (IOException e) {
      throw new CheckpointException(
          path + ": cannot map tensor '" + info.name() + "': " + e.getMessage(), e);
    }
  }

  private static void readFully(FileChannel channel, ByteBuffer buffer, long position)
      throws IOException {
    while (buffer.hasRemaining()) {
      int read = channel.read(buffer, position + buffer.position());
      if (read < 0) {
        throw new IOException("unexpected end of file");
      }
    }
  }

  private static void closeQuietly(FileChannel channel) {
    try {
      channel.close();
    } catch (IOException ignored) {
      // Already failing with a more useful message.
    }
  }

  @Override
  public void close() {
    closeQuietly(channel);
  }
}
