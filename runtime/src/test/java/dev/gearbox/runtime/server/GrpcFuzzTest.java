package dev.gearbox.runtime.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.gearbox.runtime.api.v1.GenerateRequest;
import dev.gearbox.runtime.api.v1.RuntimeGrpc;
import dev.gearbox.runtime.api.v1.SamplingParams;
import dev.gearbox.runtime.api.v1.ScoreRequest;
import dev.gearbox.runtime.api.v1.TokenIds;
import dev.gearbox.runtime.engine.EngineConfig;
import dev.gearbox.runtime.engine.TestingLanguageModel;
import io.grpc.CallOptions;
import io.grpc.MethodDescriptor;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.ClientCalls;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.time.Duration;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Malformed and extreme messages against the runtime's gRPC API: every one is answered (never a
 * crash or a hang), bad ones with INVALID_ARGUMENT whose message names the offending field, and
 * the server keeps serving well-formed requests afterwards.
 */
class GrpcFuzzTest {
  private static final int VOCAB = 64;
  private TestingLanguageModel model;
  private TestingRuntime runtime;

  @BeforeEach
  void start() throws Exception {
    model = new TestingLanguageModel(VOCAB, 4, 512, 0);
    runtime =
        new TestingRuntime(model, EngineConfig.withBudget(4L << 20), Map.of("turbo", "gdn*4"), Duration.ofSeconds(2));
  }

  @AfterEach
  void stop() throws Exception {
    runtime.close();
  }

  private static GenerateRequest.Builder request(int... prompt) {
    TokenIds.Builder ids = TokenIds.newBuilder();
    for (int t : prompt) {
      ids.addIds(t);
    }
    return GenerateRequest.newBuilder().setPromptTokenIds(ids).setMaxTokens(4);
  }

  @Test
  void extremeFieldsAreInvalidArgumentNamingTheField() {
    assertInvalid(request(1, 2).setMaxTokens(Integer.MAX_VALUE), "max_tokens");
    assertInvalid(request(1, 2).setMaxTokens(Integer.MIN_VALUE), "max_tokens");
    assertInvalid(request(1, 2).setMaxTokens(0), "max_tokens");
    assertInvalid(request(), "prompt");
    assertInvalid(GenerateRequest.newBuilder().setMaxTokens(4), "prompt");
    assertInvalid(request(1, 2).setPlacement("no-such-placement"), "placement");
    assertInvalid(request(1, 2).setPlacement("\u0000\uffff".repeat(1000)), "placement");
    assertInvalid(request(1, Integer.MAX_VALUE), "prompt_token_ids[1]");
    assertInvalid(request(-1, 2), "prompt_token_ids[0]");
    assertInvalid(request(VOCAB), "prompt_token_ids[0]");
    assertInvalid(request(1, 2).addStopTokenIds(Integer.MIN_VALUE), "stop_token_ids[0]");
    assertInvalid(request(1, 2).addStopStrings(""), "stop_strings");
    assertInvalid(request(1, 2).setPromptText("no tokenizer here"), "prompt_text");
    assertInvalid(request(new int[600]), "max_tokens");
    assertInvalid(request(1, 2).setSampling(SamplingParams.newBuilder().setTemperature(Float.NaN)), "sampling.temperature");
    assertInvalid(
        request(1, 2).setSampling(SamplingParams.newBuilder().setTemperature(Float.POSITIVE_INFINITY)), "sampling.temperature");
    assertInvalid(request(1, 2).setSampling(SamplingParams.newBuilder().setTopP(Float.NaN)), "sampling.top_p");
    assertInvalid(request(1, 2).setSampling(SamplingParams.newBuilder().setTopP(-0.5f)), "sampling.top_p");
    assertInvalid(request(1, 2).setSampling(SamplingParams.newBuilder().setTopK(Integer.MIN_VALUE)), "sampling.top_k");

    StatusRuntimeException score =
        org.junit.jupiter.api.Assertions.assertThrows(
            StatusRuntimeException.class,
            () -> runtime.blocking.score(ScoreRequest.newBuilder().addTokenIds(1).addTokenIds(-7).build()));
    assertEquals(Status.Code.INVALID_ARGUMENT, score.getStatus().getCode());
    assertTrue(score.getStatus().getDescription().contains("token_ids[1]"), score.getStatus().getDescription());
    assertStillServing();
  }

  @Test
  void garbageBytesAreInvalidArgument() {
    SplittableRandom random = new SplittableRandom(17);
    int invalid = 0;
    for (int i = 0; i < 200; i++) {
      byte[] garbage = new byte[random.nextInt(1, 64)];
      for (int b = 0; b < garbage.length; b++) {
        garbage[b] = (byte) random.nextInt(256);
      }
      Status status = rawGenerate(garbage);
      // Some random bytes happen to parse (unknown fields are skipped); those must then be
      // judged on their content like any other request, never crash the server.
      assertTrue(
          status.getCode() == Status.Code.INVALID_ARGUMENT || status.getCode() == Status.Code.OK,
          "garbage " + i + " answered " + status);
      if (status.getCode() == Status.Code.INVALID_ARGUMENT) {
        invalid++;
        assertTrue(status.getDescription() != null && !status.getDescription().isBlank(), "a message for garbage " + i);
      }
    }
    assertTrue(invalid > 150, "most garbage is rejected, " + invalid + " of 200");
    Status truncated = rawGenerate(new byte[] {0x1a, (byte) 0xff, 0x01});
    assertEquals(Status.Code.INVALID_ARGUMENT, truncated.getCode());
    assertTrue(truncated.getDescription().startsWith("request:"), truncated.getDescription());
    assertStillServing();
  }

  @Test
  void randomExtremeMessagesAreAnsweredAndNeverCrash() throws Exception {
    SplittableRandom random = new SplittableRandom(42);
    int[] extremes = {Integer.MIN_VALUE, -1, 0, 1, VOCAB - 1, VOCAB, 511, 512, Integer.MAX_VALUE};
    int ok = 0;
    for (int i = 0; i < 300; i++) {
      GenerateRequest.Builder b = GenerateRequest.newBuilder();
      int n = random.nextInt(4) == 0 ? 0 : random.nextInt(1, 8);
      TokenIds.Builder ids = TokenIds.newBuilder();
      for (int t = 0; t < n; t++) {
        ids.addIds(random.nextInt(3) == 0 ? extremes[random.nextInt(extremes.length)] : random.nextInt(VOCAB));
      }
      b.setPromptTokenIds(ids);
      b.setMaxTokens(random.nextInt(3) == 0 ? extremes[random.nextInt(extremes.length)] : random.nextInt(1, 6));
      b.setPlacement(random.nextInt(3) == 0 ? "turbo" : random.nextInt(3) == 0 ? "x" + i : "");
      if (random.nextInt(3) == 0) {
        b.setSampling(
            SamplingParams.newBuilder()
                .setTemperature(new float[] {0f, 1f, -1f, 1e9f, Float.NaN}[random.nextInt(5)])
                .setTopP(new float[] {0f, 0.5f, 1f, 2f}[random.nextInt(4)])
                .setTopK(extremes[random.nextInt(extremes.length)]));
      }
      if (random.nextInt(4) == 0) {
        b.addStopTokenIds(extremes[random.nextInt(extremes.length)]);
      }
      TestingRuntime.Call call = runtime.start(b.build());
      Status status = call.await();
      assertTrue(
          status.getCode() == Status.Code.OK || status.getCode() == Status.Code.INVALID_ARGUMENT,
          "message " + i + " " + b.build() + " answered " + status);
      if (status.getCode() == Status.Code.OK) {
        ok++;
        assertTrue(call.finished != null, "a successful stream ends with its finish message");
      } else {
        assertTrue(
            status.getDescription().matches("(?s).*(max_tokens|prompt|placement|sampling\\.|stop_token_ids).*"),
            "the message names a field: " + status.getDescription());
      }
    }
    assertTrue(ok > 20, "some random messages are valid and served, " + ok);
    TestingRuntime.await("nothing left running", () -> runtime.stats().getRunning() == 0 && runtime.stats().getUsedBytes() == 0);
    assertStillServing();
  }

  private void assertStillServing() {
    TestingRuntime.Call call = runtime.start(request(1, 2, 3).build());
    try {
      assertEquals(Status.Code.OK, call.await().getCode());
    } catch (InterruptedException e) {
      throw new AssertionError(e);
    }
  }

  private void assertInvalid(GenerateRequest.Builder request, String field) {
    TestingRuntime.Call call = runtime.start(request.build());
    Status status;
    try {
      status = call.await();
    } catch (InterruptedException e) {
      throw new AssertionError(e);
    }
    assertEquals(Status.Code.INVALID_ARGUMENT, status.getCode(), request.build() + " -> " + status);
    assertTrue(status.getDescription().contains(field), "'" + status.getDescription() + "' names " + field);
  }

  private Status rawGenerate(byte[] bytes) {
    MethodDescriptor<byte[], byte[]> raw =
        RuntimeGrpc.getGenerateMethod().toBuilder(BYTES, BYTES).build();
    try {
      var it =
          ClientCalls.blockingServerStreamingCall(
              runtime.channel, raw, CallOptions.DEFAULT.withDeadlineAfter(10, TimeUnit.SECONDS), bytes);
      while (it.hasNext()) {
        it.next();
      }
      return Status.OK;
    } catch (StatusRuntimeException e) {
      return e.getStatus();
    }
  }

  private static final MethodDescriptor.Marshaller<byte[]> BYTES =
      new MethodDescriptor.Marshaller<>() {
        @Override
        public InputStream stream(byte[] value) {
          return new ByteArrayInputStream(value);
        }

        @Override
        public byte[] parse(InputStream stream) {
          try {
            return stream.readAllBytes();
          } catch (IOException e) {
            throw new IllegalStateException(e);
          }
        }
      };
}
