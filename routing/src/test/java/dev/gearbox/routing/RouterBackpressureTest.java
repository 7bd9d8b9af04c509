package dev.gearbox.routing;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.gearbox.routing.bench.StubRuntime;
import dev.gearbox.routing.config.ActiveConfig;
import dev.gearbox.routing.config.RouterConfig;
import dev.gearbox.routing.runtime.GrpcRuntimeClient;
import dev.gearbox.routing.text.TokenizerCodec;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * A slow SSE client against a runtime that produces as fast as flow control lets it: the router
 * stops taking tokens when its write queue is full, so the runtime stops producing (bounded
 * buffering end to end), production resumes when the client reads, and a disconnect cancels the
 * runtime call.
 */
class RouterBackpressureTest {
  static final Path MODEL =
      Path.of(System.getProperty("gearbox.golden.dir", "../runtime/src/test/resources/golden/apriel2-tiny"));
  private static final int ASKED = 5_000_000;

  private StubRuntime stub;
  private GrpcRuntimeClient grpc;
  private Router router;

  @BeforeEach
  void start() throws Exception {
    TokenizerCodec codec = TokenizerCodec.forCheckpoint(MODEL, 1 << 16);
    stub = StubRuntime.start(0, codec.encode(" and the earth was without form"), List.of("default"));
    grpc = GrpcRuntimeClient.connect("127.0.0.1", stub.port());
    router =
        Router.builder()
            .runtime(grpc)
            .codec(codec)
            .config(ActiveConfig.fixed(RouterConfig.defaults()))
            .port(0)
            .start();
  }

  @AfterEach
  void stop() {
    router.close();
    grpc.close();
    stub.close();
  }

  @Test
  void aSlowStreamingClientStopsTheRuntimeAndADisconnectCancelsIt() throws Exception {
    String body =
        "{\"model\":\"stub\",\"prompt\":\"In the beginning\",\"max_tokens\":" + ASKED + ",\"stream\":true}";
    try (Socket socket = new Socket()) {
      socket.setReceiveBufferSize(4096);
      socket.connect(new InetSocketAddress("127.0.0.1", router.port()));
      socket
          .getOutputStream()
          .write(
              ("POST /v1/completions HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                      + "Content-Length: " + body.length() + "\r\n\r\n" + body)
                  .getBytes(StandardCharsets.UTF_8));
      await("tokens flowing", () -> stub.tokensSent() > 0);
      // The client reads nothing: production must come to a stop well short of what was asked.
      long stalled = awaitStable();
      assertTrue(stalled < ASKED / 10, "the runtime stopped after " + stalled + " of " + ASKED + " tokens");

      InputStream in = socket.getInputStream();
      byte[] buffer = new byte[64 << 10];
      long read = 0;
      // What is buffered (socket buffers, the write queue, up to a 256 KiB gRPC window of small
      // token messages, each ~200 bytes of SSE) is read first; then production must resume.
      while (stub.tokensSent() == stalled && read < 256L << 20) {
        int n = in.read(buffer);
        assertTrue(n > 0, "the stream goes on");
        read += n;
      }
      assertTrue(stub.tokensSent() > stalled, "reading resumed production after " + read + " bytes");
      assertEquals(0, stub.cancellations());
    }
    await("the disconnect cancelled the runtime call", () -> stub.cancellations() == 1);
    long after = awaitStable();
    assertTrue(after < ASKED, "nothing is produced for a client that left");
  }

  /** Waits until the stub's token count stops moving for half a second; returns it. */
  private long awaitStable() throws InterruptedException {
    long end = System.nanoTime() + 30_000_000_000L;
    long last = -1;
    while (System.nanoTime() < end) {
      long now = stub.tokensSent();
      if (now == last) {
        return now;
      }
      last = now;
      Thread.sleep(500);
    }
    throw new AssertionError("production never stopped: " + stub.tokensSent() + " tokens");
  }

  private static void await(String what, BooleanSupplier condition) throws InterruptedException {
    long end = System.nanoTime() + 10_000_000_000L;
    while (!condition.getAsBoolean()) {
      if (System.nanoTime() > end) {
        throw new AssertionError("timed out waiting for " + what);
      }
      Thread.sleep(10);
    }
  }
}
