package dev.gearbox.routing.http;

import dev.gearbox.routing.runtime.RuntimeInfo;
import dev.gearbox.routing.runtime.RuntimeLoad;
import io.vertx.core.Context;
import io.vertx.core.Handler;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpServerResponse;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Dispatches the router's HTTP endpoints: the OpenAI-compatible API, {@code /health}, {@code
 * /metrics} (Prometheus) and the {@code /admin/*} views of SLOs and config.
 */
public final class HttpFront implements Handler<HttpServerRequest> {

  /** Largest request body accepted; OpenAI bodies are text, so this is generous. */
  static final long MAX_BODY_BYTES = 8L << 20;

  /** The API description served at {@code /openapi.json} (a resource next to this class). */
  static final String OPENAPI = openApi();

  private final RouterServices services;
  private final OpenAiResponses responses = new OpenAiResponses(RouterServices.JSON);
  private final long started = System.currentTimeMillis() / 1000;

  public HttpFront(RouterServices services) {
    this.services = services;
  }

  @Override
  public void handle(HttpServerRequest request) {
    String path = request.path();
    HttpMethod method = request.method();
    switch (path) {
      case "/v1/completions" -> completion(request, false);
      case "/v1/chat/completions" -> completion(request, true);
      case "/v1/models" -> onlyGet(request, () -> models(request));
      case "/health", "/health/ready", "/ready" -> onlyGet(request, () -> health(request));
      case "/health/live", "/live" ->
          onlyGet(request, () -> json(request.response(), 200, "{\"status\":\"live\"}"));
      case "/drain" -> drain(request);
      case "/metrics" -> onlyGet(request, () -> metrics(request));
      case "/admin/slo" ->
          onlyGet(request, () -> json(request.response(), 200, write(services.slo().report())));
      case "/admin/config" -> onlyGet(request, () -> adminConfig(request));
      case "/openapi.json" -> onlyGet(request, () -> json(request.response(), 200, OPENAPI));
      default -> {
        if (path.startsWith("/v1/models/")) {
          onlyGet(request, () -> model(request, path.substring("/v1/models/".length())));
          return;
        }
        error(
              request.response(),
              new ApiError(
                  404,
                  "invalid_request_error",
                  null,
                  "unknown_url",
                  "Unknown request URL: " + method + " " + path,
                  0));
      }
    }
  }

  private void completion(HttpServerRequest request, boolean chat) {
    if (request.method() != HttpMethod.POST) {
      methodNotAllowed(request, "POST");
      return;
    }
    String length = request.getHeader("content-length");
    if (length != null && parseLong(length) > MAX_BODY_BYTES) {
      error(
          request.response(),
          new ApiError(
              413,
              "invalid_request_error",
              null,
              "request_too_large",
              "request body of " + length + " bytes exceeds " + MAX_BODY_BYTES,
              0));
      return;
    }
    Context context = Vertx.currentContext();
    request
        .body()
        .onSuccess(
            buf ->
                new CompletionExchange(services, responses, request, context)
                    .run(buf.getBytes(), chat))
        .onFailure(
            e ->
                error(
                    request.response(),
                    ApiError.invalid(
                        null, "invalid_body", "could not read request body: " + e.getMessage())));
  }

  private void models(HttpServerRequest request) {
    RuntimeInfo info = services.view().cachedInfo();
    if (info == null) {
      error(
          request.response(),
          ApiError.unavailable(
              "runtime_not_ready",
              "the model runtime is not ready yet",
              services.config().get().runtimeCall().retryAfterSeconds()));
      return;
    }
    String name = services.servedName(info);
    json(request.response(), 200, responses.models(name, info.placementNames(), started));
  }

  /** {@code GET /v1/models/{id}}: the model or one {@code model:placement}, else 404. */
  private void model(HttpServerRequest request, String rawId) {
    RuntimeInfo info = services.view().cachedInfo();
    if (info == null) {
      models(request);
      return;
    }
    String id = java.net.URLDecoder.decode(rawId, java.nio.charset.StandardCharsets.UTF_8);
    String name = services.servedName(info);
    boolean served =
        id.equals(name)
            || (id.startsWith(name + ":") && info.hasPlacement(id.substring(name.length() + 1)));
    if (!served) {
      error(
          request.response(),
          ApiError.modelNotFound(
              "The model '"
                  + id
                  + "' does not exist; this router serves '"
                  + name
                  + "' and '"
                  + name
                  + ":<placement>' for placements "
                  + info.placementNames()));
      return;
    }
    json(request.response(), 200, responses.model(id, started));
  }

  private void health(HttpServerRequest request) {
    RuntimeLoad load = services.view().load();
    boolean ready =
        load.ready() && services.view().cachedInfo() != null && !services.gate().draining();
    Map<String, Object> body = new LinkedHashMap<>();
    body.put("status", ready ? "ready" : services.gate().draining() ? "draining" : "not-ready");
    body.put("runtimeReady", load.ready());
    body.put("kvUtilization", load.kvUtilization());
    if (!ready) {
      request
          .response()
          .putHeader(
              "retry-after",
              Integer.toString(services.config().get().runtimeCall().retryAfterSeconds()));
    }
    json(request.response(), ready ? 200 : 503, write(body));
  }

  /**
   * {@code /drain?timeoutSeconds=N} (the pod's preStop hook): stop admitting, then answer once no
   * request is in flight or after N seconds, whichever comes first.
   */
  private void drain(HttpServerRequest request) {
    services.gate().startDrain();
    long timeoutSeconds = parseLong(request.getParam("timeoutSeconds", "30"));
    long deadline = System.nanoTime() + Math.max(0, timeoutSeconds) * 1_000_000_000L;
    Vertx vertx = Vertx.currentContext().owner();
    Runnable[] check = new Runnable[1];
    check[0] =
        () -> {
          int left = services.gate().inFlight();
          if (left == 0 || System.nanoTime() >= deadline) {
            json(
                request.response(),
                200,
                "{\"drained\":" + (left == 0) + ",\"inFlight\":" + left + "}");
          } else {
            vertx.setTimer(50, t -> check[0].run());
          }
        };
    check[0].run();
  }

  private void metrics(HttpServerRequest request) {
    request
        .response()
        .putHeader("content-type", "text/plain; version=0.0.4; charset=utf-8")
        .end(services.registry().scrape());
  }

  private void adminConfig(HttpServerRequest request) {
    Map<String, Object> body = new LinkedHashMap<>();
    body.put("file", services.config().file() == null ? null : services.config().file().toString());
    body.put("active", services.config().get());
    body.put("reloads", services.config().reloads());
    body.put("rejections", services.config().rejections());
    body.put("lastError", services.config().lastError());
    json(request.response(), 200, write(body));
  }

  private void onlyGet(HttpServerRequest request, Runnable action) {
    if (request.method() != HttpMethod.GET && request.method() != HttpMethod.HEAD) {
      methodNotAllowed(request, "GET");
      return;
    }
    action.run();
  }

  private void methodNotAllowed(HttpServerRequest request, String allowed) {
    request.response().putHeader("allow", allowed);
    error(
        request.response(),
        new ApiError(
            405,
            "invalid_request_error",
            null,
            "method_not_allowed",
            request.method() + " is not allowed on " + request.path() + "; use " + allowed,
            0));
  }

  private void error(HttpServerResponse response, ApiError e) {
    if (e.retryAfterSeconds() > 0) {
      response.putHeader("retry-after", Integer.toString(e.retryAfterSeconds()));
    }
    json(response, e.status(), responses.error(e));
  }

  private static void json(HttpServerResponse response, int status, String body) {
    response.setStatusCode(status).putHeader("content-type", "application/json").end(body);
  }

  private static String write(Object value) {
    try {
      return RouterServices.JSON.writeValueAsString(value);
    } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
      throw new IllegalStateException("cannot serialise admin view", e);
    }
  }

  private static String openApi() {
    try (var in = HttpFront.class.getResourceAsStream("openapi.json")) {
      return new String(in.readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
    } catch (java.io.IOException | NullPointerException e) {
      throw new IllegalStateException("openapi.json missing from the router's classpath", e);
    }
  }

  private static long parseLong(String s) {
    try {
      return Long.parseLong(s.trim());
    } catch (NumberFormatException e) {
      return -1;
    }
  }
}
