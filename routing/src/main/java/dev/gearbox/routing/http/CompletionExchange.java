package dev.gearbox.routing.http;

import dev.gearbox.routing.admission.ClientLimiter;
import dev.gearbox.routing.config.RouterConfig;
import dev.gearbox.routing.policy.PlacementPolicy;
import dev.gearbox.routing.policy.RequestFacts;
import dev.gearbox.routing.policy.Selection;
import dev.gearbox.routing.runtime.GenerateCall;
import dev.gearbox.routing.runtime.GenerateListener;
import dev.gearbox.routing.runtime.RuntimeClient;
import dev.gearbox.routing.runtime.RuntimeFailure;
import dev.gearbox.routing.runtime.RuntimeInfo;
import dev.gearbox.routing.runtime.RuntimeLoad;
import io.vertx.core.Context;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpServerResponse;
import java.time.Duration;
import java.util.UUID;
import java.util.logging.Logger;

/**
 * One completion request from parsed body to last byte: model and placement resolution, admission,
 * the runtime call (retried only before its first token), streaming or whole answer, SLO recording.
 * Every runtime callback is moved onto the request's event-loop context, so the state below is
 * confined to one thread.
 */
final class CompletionExchange implements GenerateListener {

  private static final Logger LOG = Logger.getLogger(CompletionExchange.class.getName());
  private static final int DEFAULT_COMPLETION_MAX_TOKENS = 16;

  private final RouterServices services;
  private final OpenAiResponses responses;
  private final HttpServerRequest request;
  private final HttpServerResponse response;
  private final Context context;
  private final java.util.concurrent.Executor onEventLoop;
  private final long startNanos = System.nanoTime();
  private final String id;
  private final long created = System.currentTimeMillis() / 1000;

  private OpenAiRequest body;
  private RouterConfig config;
  private Selection selection;
  private String responseModel;
  private GenerateCall call;
  private ClientLimiter.Permit permit;
  private StopSequences stops;
  private dev.gearbox.routing.text.PromptCodec.StreamDecoder decoder;
  private RuntimeClient.Cancellable inFlight;
  private final StringBuilder text = new StringBuilder();
  private String pendingEcho;
  private int attempts;
  private int tokens;
  private long firstTokenNanos;
  private long callStartNanos;
  private volatile long callEndNanos;
  private long lastTokenNanos;
  private boolean headersSent;
  private boolean paused;
  private boolean done;
  private boolean entered;

  CompletionExchange(
      RouterServices services,
      OpenAiResponses responses,
      HttpServerRequest request,
      Context context) {
    this.services = services;
    this.responses = responses;
    this.request = request;
    this.response = request.response();
    this.context = context;
    this.onEventLoop = command -> context.runOnContext(v -> command.run());
    this.id = newId();
  }

  // A random 128-bit id without UUID.randomUUID's SecureRandom (a shared, synchronized source
  // that costs microseconds per request); ids need to be unique, not unpredictable.
  private static String newId() {
    java.util.concurrent.ThreadLocalRandom random = java.util.concurrent.ThreadLocalRandom.current();
    return "gbx-" + new UUID(random.nextLong(), random.nextLong());
  }

  /** Handles the request whose body is {@code bytes}; answers errors itself. */
  void run(byte[] bytes, boolean chat) {
    try {
      start(bytes, chat);
    } catch (ApiError e) {
      fail(e);
    } catch (RuntimeException | LinkageError e) {
      // Answer even on a broken classpath: an unanswered request would hang its client.
      LOG.log(java.util.logging.Level.WARNING, "request " + id + " failed", e);
      fail(new ApiError(500, "server_error", null, "internal_error", "router error: " + e, 0));
    }
  }

  private void start(byte[] bytes, boolean chat) {
    config = services.config().get();
    if (!services.gate().enter()) {
      throw ApiError.unavailable(
          "shutting_down",
          "this router is draining; retry on another replica",
          config.runtimeCall().retryAfterSeconds());
    }
    entered = true;
    body = OpenAiRequest.parse(RouterServices.JSON, bytes, chat);
    RuntimeInfo info = services.view().cachedInfo();
    RuntimeLoad load = services.view().load();
    if (info == null || !load.ready()) {
      throw ApiError.unavailable(
          "runtime_not_ready",
          "the model runtime is not ready yet",
          config.runtimeCall().retryAfterSeconds());
    }
    String modelName = services.servedName(info);
    String explicit = explicitPlacement(body.model(), modelName, info);
    int[] prompt;
    if (body.promptTokenIds() != null) {
      prompt = body.promptTokenIds();
      checkVocabulary(prompt, info.vocabSize());
    } else if (chat) {
      String rendered;
      try {
        rendered = services.codec().renderChat(body.messages());
      } catch (IllegalArgumentException e) {
        throw ApiError.invalid("messages", "invalid_messages", e.getMessage());
      }
      prompt = services.codec().encode(rendered);
    } else {
      prompt = services.codec().encode(body.prompt());
    }
    int maxTokens = maxTokens(prompt.length, info.maxContextLength());

    ClientLimiter.Decision admission =
        services.limiter().tryAcquire(clientKey(), config.limits().perClient());
    if (!admission.admitted()) {
      throw ApiError.rateLimited(admission.rejection(), admission.retryAfterSeconds());
    }
    permit = admission.permit();

    RequestFacts facts =
        new RequestFacts(
            explicit,
            request.getHeader("x-gearbox-workload"),
            request.getHeader("x-gearbox-priority"),
            prompt.length,
            request.path(),
            id);
    selection =
        PlacementPolicy.select(
            config.routing(), info.defaultPlacement(), facts, load.kvUtilization());
    if (!info.hasPlacement(selection.placement())) {
      // Reachable only if the runtime's catalogue changed after the config was validated.
      throw ApiError.modelNotFound(
          "placement '"
              + selection.placement()
              + "' ("
              + selection.reason()
              + ") is not served; available: "
              + info.placementNames());
    }
    responseModel = modelName + ":" + selection.placement();
    response.putHeader("x-gearbox-placement", selection.placement());
    response.putHeader("x-gearbox-reason", selection.reason());
    response.putHeader("x-request-id", id);
    stops = new StopSequences(body.stop());
    decoder = services.codec().newDecoder();
    call =
        new GenerateCall(
            id,
            selection.placement(),
            prompt,
            maxTokens,
            body.temperature(),
            body.topP(),
            body.seed(),
            services.codec().stopTokenIds(),
            Duration.ofMillis(config.runtimeCall().deadlineMs()),
            GenerateCall.priorityOf(request.getHeader("x-gearbox-priority")));
    response.closeHandler(v -> clientGone());
    if (body.echo()) {
      // OpenAI's echo: the answer starts with the prompt; sent with the first output, so a
      // runtime that refuses the request still gets its proper status.
      pendingEcho = body.prompt() != null ? body.prompt() : decodeAll(prompt);
    }
    attempt();
  }

  private void attempt() {
    attempts++;
    callStartNanos = System.nanoTime();
    inFlight = services.runtime().generate(call, this, onEventLoop);
  }

  private String decodeAll(int[] ids) {
    var whole = services.codec().newDecoder();
    StringBuilder out = new StringBuilder();
    for (int id : ids) {
      out.append(whole.accept(id));
    }
    return out.append(whole.finish()).toString();
  }

  /** Token ids outside the vocabulary: 400 {@code invalid_token_id} with {@code param: prompt}. */
  private static void checkVocabulary(int[] ids, int vocabSize) {
    for (int i = 0; vocabSize > 0 && i < ids.length; i++) {
      if (ids[i] >= vocabSize) {
        throw ApiError.invalid(
            "prompt",
            "invalid_token_id",
            "prompt["
                + i
                + "] is "
                + ids[i]
                + ", outside this model's vocabulary of token ids 0 to "
                + (vocabSize - 1));
      }
    }
  }

  private String explicitPlacement(String model, String modelName, RuntimeInfo info) {
    if (model.equals(modelName)) {
      return null;
    }
    int colon = model.indexOf(':');
    if (colon < 0 || !model.substring(0, colon).equals(modelName)) {
      throw ApiError.modelNotFound(
          "The model '"
              + model
              + "' does not exist; this router serves '"
              + modelName
              + "' and '"
              + modelName
              + ":<placement>' for placements "
              + info.placementNames());
    }
    String placement = model.substring(colon + 1);
    if (!info.hasPlacement(placement)) {
      throw ApiError.modelNotFound(
          "The placement '"
              + placement
              + "' of model '"
              + modelName
              + "' does not exist; available: "
              + info.placementNames());
    }
    return placement;
  }

  private int maxTokens(int promptTokens, int maxContext) {
    int room = maxContext - promptTokens;
    Integer asked = body.maxTokens();
    if (room < 1 || (asked != null && asked > room)) {
      int completion = asked == null ? 1 : asked;
      throw ApiError.invalid(
          body.chat() ? "messages" : "prompt",
          "context_length_exceeded",
          "This model's maximum context length is "
              + maxContext
              + " tokens. However, you requested "
              + (promptTokens + completion)
              + " tokens ("
              + promptTokens
              + " in the prompt, "
              + completion
              + " for the completion). Please reduce the prompt or the completion length.");
    }
    if (asked != null) {
      return asked;
    }
    return body.chat() ? room : Math.min(DEFAULT_COMPLETION_MAX_TOKENS, room);
  }

  private String clientKey() {
    String auth = request.getHeader("authorization");
    if (auth != null && auth.regionMatches(true, 0, "Bearer ", 0, 7) && auth.length() > 7) {
      // Keyed by a hash so the limiter's map never holds the API key itself.
      return "key:" + Integer.toHexString(auth.substring(7).hashCode());
    }
    String client = request.getHeader("x-gearbox-client");
    if (client != null) {
      return "client:" + client;
    }
    return "addr:" + (request.remoteAddress() == null ? "?" : request.remoteAddress().host());
  }

  // ---- runtime callbacks, moved onto the event loop ----

  @Override
  public void onToken(int tokenId, String runtimeText) {
    token(tokenId);
  }

  @Override
  public void onComplete(FinishReason reason, int promptTokens, int completionTokens) {
    callEndNanos = System.nanoTime();
    finish(reason.openAiName());
  }

  @Override
  public void onError(RuntimeFailure failure) {
    runtimeFailed(failure);
  }

  private void token(int tokenId) {
    if (done) {
      return;
    }
    long now = System.nanoTime();
    if (tokens == 0) {
      firstTokenNanos = now;
    }
    lastTokenNanos = now;
    tokens++;
    // A stop token ends the answer but is not part of it, as in OpenAI's API.
    String out = call.stopTokenIds().contains(tokenId) ? "" : stops.feed(decoder.accept(tokenId));
    emit(out);
    if (stops.stopped()) {
      inFlight.cancel();
      finish("stop");
    }
  }

  private void emit(String out) {
    if (pendingEcho != null) {
      out = pendingEcho + out;
      pendingEcho = null;
    }
    if (body.stream()) {
      if (!headersSent) {
        startStream();
      }
      if (!out.isEmpty()) {
        sse(responses.chunk(body.chat(), id, created, responseModel, out, false, null));
        if (!paused && !done && inFlight != null && response.writeQueueFull()) {
          paused = true;
          inFlight.pause();
        }
      }
    } else {
      text.append(out);
    }
  }

  private void startStream() {
    headersSent = true;
    // Backpressure: when the client reads slower than tokens come, Vert.x's write queue fills;
    // stop taking tokens from the runtime until it drains (the runtime then pauses the sequence,
    // and cuts it after its paused timeout), so a slow client never makes the router buffer more
    // than the write queue plus the gRPC window.
    response.drainHandler(
        v -> {
          if (paused && inFlight != null) {
            paused = false;
            inFlight.resume();
          }
        });
    response.setStatusCode(200);
    response.putHeader("content-type", "text/event-stream; charset=utf-8");
    response.putHeader("cache-control", "no-cache");
    response.setChunked(true);
    if (body.chat()) {
      sse(responses.chunk(true, id, created, responseModel, "", true, null));
    }
  }

  private void finish(String finishReason) {
    if (done) {
      return;
    }
    emit(stops.feed(decoder.finish()));
    emit(stops.flush());
    done = true;
    int promptTokens = call.promptTokens().length;
    if (body.stream()) {
      if (!headersSent) {
        startStream();
      }
      sse(responses.chunk(body.chat(), id, created, responseModel, null, false, finishReason));
      if (body.includeUsage()) {
        sse(responses.usageChunk(body.chat(), id, created, responseModel, promptTokens, tokens));
      }
      response.end("data: [DONE]\n\n");
    } else {
      response.setStatusCode(200);
      response.putHeader("content-type", "application/json");
      response.end(
          responses.complete(
              body.chat(),
              id,
              created,
              responseModel,
              text.toString(),
              finishReason,
              promptTokens,
              tokens));
    }
    if (tokens > 0) {
      services
          .slo()
          .record(
              selection.placement(),
              firstTokenNanos - startNanos,
              lastTokenNanos - firstTokenNanos,
              tokens);
    }
    count(200);
    releasePermit();
    if (callEndNanos > 0) {
      // Time this request spent in the router itself: everything but the last runtime call.
      long total = System.nanoTime() - startNanos;
      services
          .overhead()
          .record(
              total - (callEndNanos - callStartNanos), java.util.concurrent.TimeUnit.NANOSECONDS);
    }
  }

  private void runtimeFailed(RuntimeFailure failure) {
    if (done) {
      return;
    }
    RouterConfig.RuntimeCall rc = config.runtimeCall();
    if (failure.kind() == RuntimeFailure.Kind.UNAVAILABLE
        && tokens == 0
        && attempts < rc.maxAttempts()) {
      // Safe: the runtime produced nothing for this request, so a second try cannot duplicate
      // output.
      long backoff = 50L * attempts;
      LOG.fine("retrying " + id + " after " + failure.getMessage());
      services.registry().counter("gearbox_router_runtime_retries").increment();
      context
          .owner()
          .setTimer(
              backoff,
              t -> {
                if (!done) {
                  attempt();
                }
              });
      return;
    }
    int retryAfter = (int) Math.max(rc.retryAfterSeconds(), failure.retryAfter().toSeconds());
    // The runtime's words without the gRPC status name in front.
    String detail = failure.getMessage().replaceFirst("^[A-Z_]+: ", "");
    ApiError error =
        switch (failure.kind()) {
          case INVALID_REQUEST ->
              ApiError.invalid(
                  null,
                  "invalid_request",
                  detail);
          case SATURATED ->
              ApiError.unavailable(
                  "runtime_saturated",
                  "the model runtime is saturated: " + detail,
                  retryAfter);
          case UNAVAILABLE ->
              ApiError.unavailable(
                  "runtime_unavailable",
                  "the model runtime is unavailable: " + detail,
                  retryAfter);
          case DEADLINE ->
              new ApiError(
                  504,
                  "server_error",
                  null,
                  "timeout",
                  "the runtime call exceeded its deadline",
                  0);
          case INTERNAL ->
              new ApiError(
                  500,
                  "server_error",
                  null,
                  "internal_error",
                  "the model runtime failed: " + detail,
                  0);
        };
    fail(error);
  }

  private void fail(ApiError e) {
    done = true;
    releasePermit();
    count(e.status());
    if (response.ended() || response.closed()) {
      return;
    }
    if (headersSent) {
      // Mid-stream: the status is already 200, so the error travels as an SSE event, as OpenAI
      // does.
      sse(responses.error(e));
      response.end("data: [DONE]\n\n");
      return;
    }
    if (e.retryAfterSeconds() > 0) {
      response.putHeader("retry-after", Integer.toString(e.retryAfterSeconds()));
    }
    response.setStatusCode(e.status());
    response.putHeader("content-type", "application/json");
    response.end(responses.error(e));
  }

  private void clientGone() {
    if (!done) {
      done = true;
      if (inFlight != null) {
        inFlight.cancel();
      }
      count(499);
      releasePermit();
    }
  }

  private void releasePermit() {
    if (permit != null) {
      permit.release();
      permit = null;
    }
    if (entered) {
      entered = false;
      services.gate().leave();
    }
  }

  private void sse(String data) {
    response.write("data: " + data + "\n\n");
  }

  private void count(int status) {
    services
        .requests(
            selection == null ? "none" : selection.placement(),
            selection == null ? "none" : selection.reason(),
            status)
        .increment();
  }
}
