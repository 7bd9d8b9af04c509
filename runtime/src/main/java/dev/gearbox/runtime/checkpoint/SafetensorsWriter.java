package dev.gearbox.runtime.checkpoint;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** Writes float32 safetensors files: random checkpoints for tests and the CPU benchmark. */
public final class SafetensorsWriter {
  private record Entry(String name, long[] shape, float[] data) {}

  private final List<Entry> entries = new ArrayList<>();

  /** Adds a float32 tensor; {@code data.length} must equal the product of {@code shape}. */
  public SafetensorsWriter add(String name, long[] shape, float[] data) {
    long n = 1;
    for (long d : shape) {
      n *= d;
    }
    if (n != data.length) {
      throw new IllegalArgumentException(
          "tensor '" + name + "': " + data.length + " values for shape of " + n + " elements");
    }
    entries.add(new Entry(name, shape.clone(), data));
    return this;
  }

  /** Writes all tensors to {@code path}. */
  public void write(Path path) {
    ObjectMapper json = new ObjectMapper();
    ObjectNode header = json.createObjectNode();
    header.putObject("__metadata__").put("format", "pt");
    long offset = 0;
    for (Entry entry : entries) {
      ObjectNode node = header.putObject(entry.name());
      node.put("dtype", "F32");
      ArrayNode shape = node.putArray("shape");
      for (long d : entry.shape()) {
        shape.add(d);
      }
      ArrayNode offsets = node.putArray("data_offsets");
      offsets.add(offset);
      offset += 4L * entry.data().length;
      offsets.add(offset);
    }
    byte[] headerBytes;
    try {
      headerBytes = json.writeValueAsString(header).getBytes(StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    try (OutputStream out = Files.newOutputStream(path)) {
      ByteBuffer length = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN);
      length.putLong(headerBytes.length);
      out.write(length.array());
      out.write(headerBytes);
      ByteBuffer chunk = ByteBuffer.allocate(1 << 16).order(ByteOrder.LITTLE_ENDIAN);
      for (Entry entry : entries) {
        for (float v : entry.data()) {
          if (!chunk.hasRemaining()) {
            out.write(chunk.array(), 0, chunk.position());
            chunk.clear();
          }
          chunk.putFloat(v);
        }
      }
      out.write(chunk.array(), 0, chunk.position());
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write " + path, e);
    }
  }
}
