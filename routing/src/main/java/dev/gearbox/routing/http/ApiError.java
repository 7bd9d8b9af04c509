package dev.gearbox.routing.http;

/**
 * An error answered in OpenAI's shape: {@code {"error": {"message", "type", "param", "code"}}}.
 *
 * @see <a href="https://platform.openai.com/docs/guides/error-codes">OpenAI error codes</a>
 */
public final class ApiError extends RuntimeException {

  private final int status;
  private final String type;
  private final String param;
  private final String code;
  private final int retryAfterSeconds;

  public ApiError(
      int status, String type, String param, String code, String message, int retryAfterSeconds) {
    super(message);
    this.status = status;
    this.type = type;
    this.param = param;
    this.code = code;
    this.retryAfterSeconds = retryAfterSeconds;
  }

  /** 400 for a request the client must fix. */
  public static ApiError invalid(String param, String code, String message) {
    return new ApiError(400, "invalid_request_error", param, code, message, 0);
  }

  /** 404 for a model or placement that is not served. */
  public static ApiError modelNotFound(String message) {
    return new ApiError(404, "invalid_request_error", "model", "model_not_found", message, 0);
  }

  /** 429: this client is over its limits. */
  public static ApiError rateLimited(String message, int retryAfterSeconds) {
    return new ApiError(
        429, "rate_limit_error", null, "rate_limit_exceeded", message, retryAfterSeconds);
  }

  /** 503: the runtime is saturated, starting or down. */
  public static ApiError unavailable(String code, String message, int retryAfterSeconds) {
    return new ApiError(503, "server_error", null, code, message, retryAfterSeconds);
  }

  public int status() {
    return status;
  }

  public String type() {
    return type;
  }

  public String param() {
    return param;
  }

  public String code() {
    return code;
  }

  /** Seconds for a Retry-After header, or 0 for none. */
  public int retryAfterSeconds() {
    return retryAfterSeconds;
  }
}
