package dev.gearbox.runtime.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.gearbox.runtime.api.v1.InfoRequest;
import dev.gearbox.runtime.api.v1.InfoResponse;
import dev.gearbox.runtime.api.v1.RuntimeGrpc;
import dev.gearbox.runtime.backend.ModelBackend;
import io.grpc.ManagedChannel;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ServeCommandTest {
  @TempDir Path dir;

  @Test
  void parsesFlags() {
    ServeCommand.Options o =
        ServeCommand.parse(new String[] {
          "--model", dir.toString(), "--placement", "turbo=fa,gdn*3", "--port", "7000",
          "--metrics-port", "7001", "--memory-budget", "512m"
        });
    assertEquals(dir, o.model());
    assertEquals("turbo", o.placements().get(0)[0]);
    assertEquals("fa,gdn*3", o.placements().get(0)[1]);
    assertEquals(7000, o.port());
    assertEquals(7001, o.metricsPort());
    assertEquals(512L << 20, o.memoryBudget());
  }

  @Test
  void gpuFlagsSizeTheCudaModel() {
    ServeCommand.Options o =
        ServeCommand.parse(new String[] {
          "--model", dir.toString(), "--backend=cuda", "--gpu-max-sequences", "128",
          "--gpu-kv-memory=40g", "--gpu-device", "1", "--gpu-graphs", "off"
        });
    assertEquals(128, o.cuda().maxSlots());
    assertEquals(128, o.cuda().maxBatch());
    assertEquals(40L << 30, o.cuda().kvBytes());
    assertEquals(1, o.cuda().device());
    assertEquals(false, o.cuda().useGraphs());
    ServeCommand.Options many =
        ServeCommand.parse(new String[] {"--model", dir.toString(), "--gpu-max-sequences", "1000"});
    assertEquals(1000, many.cuda().maxSlots());
    assertEquals(512, many.cuda().maxBatch(), "steps run at most the largest graph bucket");
    assertTrue(message("--model", dir.toString(), "--gpu-graphs", "maybe")
        .contains("--gpu-graphs expects true or false, got 'maybe'"));
  }

  @Test
  void memoryBudgetDefaultsByBackendAndAnExplicitOneWins() {
    var model = new dev.gearbox.runtime.engine.TestingLanguageModel(26, 4, 256);
    ServeCommand.Options defaults = ServeCommand.parse(new String[] {"--model", dir.toString()});
    assertEquals(0, defaults.memoryBudget(), "no flag: chosen from the backend at start");
    assertEquals(2L << 30, ServeCommand.budgetFor(defaults, model), "CPU default");
    ServeCommand.Options explicit =
        ServeCommand.parse(new String[] {"--model", dir.toString(), "--memory-budget", "3g"});
    assertEquals(3L << 30, ServeCommand.budgetFor(explicit, model));
  }

  @Test
  void acceptsTheOperatorsPodArguments() throws Exception {
    // The operator's ConfigMap file and --flag=value arguments (operator ServingPod/ServingConfig).
    Path file = dir.resolve("placements.json");
    java.nio.file.Files.writeString(
        file,
        """
        {"defaultPlacement": "all-fa", "model": "pvc://models/x", "modelDir": "/models",
         "placements": [
           {"name": "all-fa", "pattern": "attention*4", "mixers": ["attention", "attention", "attention", "attention"]},
           {"name": "turbo", "pattern": "fa,gdn*3"}]}
        """);
    ServeCommand.Options o =
        ServeCommand.parse(new String[] {
          "--model-dir=" + dir, "--placements=" + file, "--grpc-port=9000", "--backend=cuda"
        });
    assertEquals(dir, o.model());
    assertEquals(9000, o.port());
    assertEquals(ModelBackend.CUDA, o.backend());
    assertEquals(2, o.placements().size());
    assertEquals("all-fa", o.placements().get(0)[0]);
    assertEquals("attention,attention,attention,attention", o.placements().get(0)[1]);
    assertEquals("fa,gdn*3", o.placements().get(1)[1]);

    java.nio.file.Files.writeString(file, "{\"placements\": [{\"name\": \"x\"}]}");
    assertTrue(
        message("--model", dir.toString(), "--placements", file.toString())
            .contains("placements[0]: expected 'pattern' or a non-empty 'mixers'"));
    assertTrue(message("--model", dir.toString(), "--backend", "tpu").contains("--backend expects cpu or cuda"));
  }

  @Test
  void badFlagsSayWhatWasExpected() {
    assertTrue(message("--model", dir.toString(), "--memory-budget", "lots").contains("--memory-budget expects a positive byte count"));
    assertTrue(message("--model", dir.toString(), "--placement", "turbo").contains("--placement expects NAME=PATTERN"));
    assertTrue(message("--port", "1").contains("--model DIR is required"));
    assertTrue(message("--model", dir.resolve("missing").toString()).contains("is not a directory"));
    assertTrue(message("--model").contains("--model needs a value"));
  }

  @Test
  void servesTheGoldenModelOverLoopback() throws Exception {
    String golden = GOLDEN;
    int layers = goldenLayers();
    ServeCommand.Options options =
        ServeCommand.parse(new String[] {
          "--model", golden, "--placement", "turbo=gdn*" + layers, "--port", "0", "--metrics-port", "0",
          "--memory-budget", "64m", "--grace-seconds", "1"
        });
    try (ServeCommand.Serving serving = ServeCommand.start(options, ModelLoader.checkpoint())) {
      ManagedChannel channel =
          NettyChannelBuilder.forAddress("127.0.0.1", serving.grpc().port()).usePlaintext().build();
      try {
        InfoResponse info = RuntimeGrpc.newBlockingStub(channel).info(InfoRequest.getDefaultInstance());
        assertEquals(layers, info.getNumLayers());
        assertTrue(info.getPlacementsList().stream().anyMatch(p -> p.getName().equals("turbo")));
        assertEquals(64L << 20, info.getMemoryBudgetBytes());
        var tokens = RuntimeGrpc.newBlockingStub(channel).generate(TestingRuntime.greedy("turbo", new int[] {5, 6, 7}, 3));
        int n = 0;
        while (tokens.hasNext()) {
          n += tokens.next().getTokenIdsCount();
        }
        assertEquals(3, n);
        // serve plugs the checkpoint's tokenizer in: a text prompt is accepted and the streamed
        // text is exactly the decoded tokens (the golden model has a byte-level vocabulary).
        var textRun =
            RuntimeGrpc.newBlockingStub(channel)
                .generate(
                    dev.gearbox.runtime.api.v1.GenerateRequest.newBuilder()
                        .setPromptText("hello gears")
                        .setMaxTokens(6)
                        .setSampling(dev.gearbox.runtime.api.v1.SamplingParams.newBuilder().setTemperature(0))
                        .build());
        StringBuilder streamed = new StringBuilder();
        java.util.List<Integer> ids = new java.util.ArrayList<>();
        int promptTokens = -1;
        while (textRun.hasNext()) {
          var message = textRun.next();
          streamed.append(message.getText());
          ids.addAll(message.getTokenIdsList());
          if (message.hasFinished()) {
            promptTokens = message.getFinished().getUsage().getPromptTokens();
          }
        }
        assertEquals("hello gears".length() + 1, promptTokens, "prompt bytes plus BOS");
        assertEquals(6, ids.size());
        assertEquals(
            dev.gearbox.runtime.text.Tokenizers.load(Path.of(golden), info.getVocabSize())
                .decode(ids.stream().mapToInt(Integer::intValue).toArray()),
            streamed.toString(),
            "streamed text is the whole-sequence decode of the streamed tokens");
        String body =
            HttpClient.newHttpClient()
                .send(
                    HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + serving.metrics().port() + "/metrics")).build(),
                    HttpResponse.BodyHandlers.ofString())
                .body();
        assertTrue(body.contains("gearbox_generation_tokens_total{placement=\"turbo\"} 3.0"), body);
      } finally {
        channel.shutdownNow();
      }
    }
  }

  private static final String GOLDEN =
      System.getProperty("gearbox.golden.dir", "src/test/resources/golden/apriel2-tiny");

  /** The golden set's layer count: the length of any of its placements in golden.json. */
  private static int goldenLayers() throws java.io.IOException {
    return new com.fasterxml.jackson.databind.ObjectMapper()
        .readTree(Path.of(GOLDEN, "golden.json").toFile())
        .get("placements")
        .elements()
        .next()
        .size();
  }

  @Test
  void flagsAreCheckedAgainstTheModelBeforeItLoads() throws Exception {
    int layers = goldenLayers();
    IllegalArgumentException tooShort =
        assertThrows(
            IllegalArgumentException.class,
            () -> ServeCommand.check(ServeCommand.parse(new String[] {
              "--model", GOLDEN, "--placement", "t=fa*" + (layers - 1), "--port", "0", "--metrics-port", "0"})));
    assertEquals(
        "--placement t=fa*" + (layers - 1) + ": 'fa*" + (layers - 1) + "' has " + (layers - 1)
            + " layers, the model has " + layers,
        tooShort.getMessage());
    IllegalArgumentException noConfig =
        assertThrows(
            IllegalArgumentException.class,
            () -> ServeCommand.check(ServeCommand.parse(new String[] {"--model", dir.toString()})));
    assertTrue(noConfig.getMessage().contains("has no config.json"), noConfig.getMessage());
    assertTrue(message("--model", dir.toString(), "--port", "65536").contains("--port must be a TCP port from 0 to 65535"));
    assertTrue(message("--model", dir.toString(), "--grace-seconds", "-1").contains("--grace-seconds must be >= 0"));
  }

  @Test
  void aPortTakenAfterTheCheckStillFailsCleanlyAndStopsEverything() throws Exception {
    try (java.net.ServerSocket taken = new java.net.ServerSocket(0)) {
      ServeCommand.Options options =
          ServeCommand.parse(new String[] {
            "--model", GOLDEN, "--port", Integer.toString(taken.getLocalPort()), "--metrics-port", "0"
          });
      dev.gearbox.runtime.cli.CommandFailure e =
          assertThrows(dev.gearbox.runtime.cli.CommandFailure.class, () -> ServeCommand.check(options));
      assertTrue(e.getMessage().contains(":" + taken.getLocalPort() + " is already in use"), e.getMessage());
      // The race: the port is taken between the check and the bind.
      e =
          assertThrows(
              dev.gearbox.runtime.cli.CommandFailure.class,
              () -> ServeCommand.start(options, ModelLoader.checkpoint()));
      assertEquals(1, e.exitStatus());
      assertTrue(e.getMessage().contains("choose a free port with --port N"), e.getMessage());
    }
  }

  private static String message(String... args) {
    return assertThrows(IllegalArgumentException.class, () -> ServeCommand.parse(args)).getMessage();
  }
}
