package dev.gearbox.runtime.checkpoint;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The safetensors reader accepts valid files and names file and tensor for every broken one. */
class SafetensorsFileTest {
  @TempDir Path dir;

  private Path validFile() {
    Path path = dir.resolve("ok.safetensors");
    new SafetensorsWriter()
        .add("a", new long[] {2, 3}, new float[] {1, 2, 3, 4, 5, 6})
        .add("b", new long[] {2}, new float[] {-1.5f, 7})
        .write(path);
    return path;
  }

  /** A file with a hand-written header and {@code dataBytes} zero bytes of data. */
  private Path rawFile(String name, String header, int dataBytes) throws IOException {
    byte[] json = header.getBytes(StandardCharsets.UTF_8);
    ByteBuffer buffer =
        ByteBuffer.allocate(8 + json.length + dataBytes).order(ByteOrder.LITTLE_ENDIAN);
    buffer.putLong(json.length).put(json);
    Path path = dir.resolve(name);
    Files.write(path, buffer.array());
    return path;
  }

  @Test
  void readsWhatTheWriterWrote() {
    try (SafetensorsFile file = SafetensorsFile.open(validFile())) {
      assertArrayEquals(new float[] {1, 2, 3, 4, 5, 6}, file.floats("a"));
      assertArrayEquals(new float[] {-1.5f, 7}, file.floats("b"));
      assertArrayEquals(new long[] {2, 3}, file.info("a").shape());
    }
  }

  @Test
  void convertsBf16AndF16() throws IOException {
    // 1.0 and -2.0 in bfloat16 (0x3F80, 0xC000) and float16 (0x3C00, 0xC000), little endian.
    String header =
        "{\"h\":{\"dtype\":\"BF16\",\"shape\":[2],\"data_offsets\":[0,4]},"
            + "\"f\":{\"dtype\":\"F16\",\"shape\":[2],\"data_offsets\":[4,8]}}";
    Path path = rawFile("half.safetensors", header, 8);
    byte[] bytes = Files.readAllBytes(path);
    int data = bytes.length - 8;
    byte[] values = {(byte) 0x80, 0x3F, 0x00, (byte) 0xC0, 0x00, 0x3C, 0x00, (byte) 0xC0};
    System.arraycopy(values, 0, bytes, data, 8);
    Files.write(path, bytes);
    try (SafetensorsFile file = SafetensorsFile.open(path)) {
      assertArrayEquals(new float[] {1f, -2f}, file.floats("h"));
      assertArrayEquals(new float[] {1f, -2f}, file.floats("f"));
    }
  }

  @Test
  void truncatedFileNamesFileAndTensor() throws IOException {
    Path path = validFile();
    byte[] bytes = Files.readAllBytes(path);
    Files.write(path, java.util.Arrays.copyOf(bytes, bytes.length - 5));
    var error = assertThrows(CheckpointException.class, () -> SafetensorsFile.open(path));
    assertTrue(error.getMessage().startsWith(path.toString()), error.getMessage());
    assertTrue(error.getMessage().contains("tensor 'b'"), error.getMessage());
    assertTrue(error.getMessage().contains("out of range"), error.getMessage());
  }

  @Test
  void tinyFileIsTruncated() throws IOException {
    Path path = dir.resolve("tiny.safetensors");
    Files.write(path, new byte[] {1, 2, 3});
    var error = assertThrows(CheckpointException.class, () -> SafetensorsFile.open(path));
    assertEquals(
        path + ": truncated safetensors file: 3 bytes, expected at least 8", error.getMessage());
  }

  @Test
  void headerLengthBeyondFile() throws IOException {
    Path path = dir.resolve("long-header.safetensors");
    ByteBuffer buffer = ByteBuffer.allocate(16).order(ByteOrder.LITTLE_ENDIAN);
    buffer.putLong(1000).put("{}      ".getBytes(StandardCharsets.UTF_8));
    Files.write(path, buffer.array());
    var error = assertThrows(CheckpointException.class, () -> SafetensorsFile.open(path));
    assertTrue(
        error.getMessage().contains("header length 1000 is beyond the file size 16"),
        error.getMessage());
  }

  @Test
  void overlappingOffsetsAreALie() throws IOException {
    String header =
        "{\"x\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]},"
            + "\"y\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[4,12]}}";
    Path path = rawFile("overlap.safetensors", header, 12);
    var error = assertThrows(CheckpointException.class, () -> SafetensorsFile.open(path));
    assertTrue(error.getMessage().contains("tensors 'x' and 'y' overlap"), error.getMessage());
  }

  @Test
  void sizeDisagreeingWithShapeIsALie() throws IOException {
    String header = "{\"w\":{\"dtype\":\"F32\",\"shape\":[3],\"data_offsets\":[0,8]}}";
    Path path = rawFile("size.safetensors", header, 8);
    var error = assertThrows(CheckpointException.class, () -> SafetensorsFile.open(path));
    assertEquals(
        path + ": tensor 'w' spans 8 bytes but shape [3] of F32 needs 12", error.getMessage());
  }

  @Test
  void unknownDtype() throws IOException {
    String header = "{\"w\":{\"dtype\":\"F8_E4M3\",\"shape\":[2],\"data_offsets\":[0,2]}}";
    Path path = rawFile("dtype.safetensors", header, 2);
    var error = assertThrows(CheckpointException.class, () -> SafetensorsFile.open(path));
    assertTrue(
        error.getMessage().startsWith(path + ": tensor 'w' has unknown dtype 'F8_E4M3'"),
        error.getMessage());
  }

  @Test
  void missingTensorAndWrongShapeNameTheTensor() {
    validFile();
    try (TensorStore store = TensorStore.open(dir)) {
      var missing = assertThrows(CheckpointException.class, () -> store.floats("c", 2));
      assertTrue(missing.getMessage().contains("missing tensor 'c'"), missing.getMessage());
      var shape = assertThrows(CheckpointException.class, () -> store.floats("a", 3, 2));
      assertEquals(
          dir.resolve("ok.safetensors") + ": tensor 'a' has shape [2, 3], expected [3, 2]",
          shape.getMessage());
    }
  }

  @Test
  void shardedCheckpointResolvesThroughTheIndex() throws IOException {
    new SafetensorsWriter()
        .add("a", new long[] {2}, new float[] {1, 2})
        .write(dir.resolve("s1.safetensors"));
    new SafetensorsWriter()
        .add("b", new long[] {1}, new float[] {3})
        .write(dir.resolve("s2.safetensors"));
    Files.writeString(
        dir.resolve("model.safetensors.index.json"),
        "{\"metadata\":{},\"weight_map\":{\"a\":\"s1.safetensors\",\"b\":\"s2.safetensors\"}}");
    try (TensorStore store = TensorStore.open(dir)) {
      assertArrayEquals(new float[] {1, 2}, store.floats("a", 2));
      assertArrayEquals(new float[] {3}, store.floats("b", 1));
    }
    Files.writeString(
        dir.resolve("model.safetensors.index.json"), "{\"weight_map\":{\"a\":\"s3.safetensors\"}}");
    var error = assertThrows(CheckpointException.class, () -> TensorStore.open(dir));
    assertTrue(
        error.getMessage().contains("tensor 'a' maps to missing shard 's3.safetensors'"),
        error.getMessage());
  }
}
