package dev.gearbox.runtime.server;

import com.google.protobuf.Any;
import com.google.rpc.Code;
import com.google.rpc.RetryInfo;
import dev.gearbox.runtime.engine.InvalidRequestException;
import dev.gearbox.runtime.engine.OverloadedException;
import dev.gearbox.runtime.engine.RequestAbortedException;
import dev.gearbox.runtime.engine.ShuttingDownException;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.protobuf.StatusProto;
import java.time.Duration;

/**
 * The one place where engine exceptions become gRPC statuses: bad input is INVALID_ARGUMENT,
 * overload RESOURCE_EXHAUSTED with a {@code google.rpc.RetryInfo} delay, shutting down
 * UNAVAILABLE, cancellation CANCELLED, an expired deadline DEADLINE_EXCEEDED, anything else
 * INTERNAL.
 */
public final class GrpcErrors {
  private GrpcErrors() {}

  /** The status exception to send for {@code error}. */
  public static StatusRuntimeException toStatusException(Throwable error) {
    if (error instanceof StatusRuntimeException sre) {
      return unparsable(sre) ? toStatus(sre).asRuntimeException() : sre;
    }
    if (error instanceof OverloadedException overloaded) {
      Duration retry = overloaded.retryAfter();
      com.google.rpc.Status status =
          com.google.rpc.Status.newBuilder()
              .setCode(Code.RESOURCE_EXHAUSTED_VALUE)
              .setMessage(overloaded.getMessage() + "; retry after " + retry.toMillis() + " ms")
              .addDetails(
                  Any.pack(
                      RetryInfo.newBuilder()
                          .setRetryDelay(
                              com.google.protobuf.Duration.newBuilder()
                                  .setSeconds(retry.getSeconds())
                                  .setNanos(retry.getNano()))
                          .build()))
              .build();
      return StatusProto.toStatusRuntimeException(status);
    }
    return toStatus(error).asRuntimeException();
  }

  private static boolean unparsable(StatusRuntimeException sre) {
    return sre.getStatus().getCode() == Status.Code.INTERNAL
        && sre.getCause() instanceof com.google.protobuf.InvalidProtocolBufferException;
  }

  /** The status (without details) for {@code error}. */
  public static Status toStatus(Throwable error) {
    if (error instanceof StatusRuntimeException sre) {
      if (unparsable(sre)) {
        // gRPC's protobuf marshaller reports bytes that are no valid message as INTERNAL; they
        // are the client's fault.
        return Status.INVALID_ARGUMENT.withDescription(
            "request: the message is not a valid protobuf message of this method ("
                + sre.getCause().getMessage() + ")");
      }
      return sre.getStatus();
    }
    if (error instanceof InvalidRequestException) {
      return Status.INVALID_ARGUMENT.withDescription(error.getMessage());
    }
    if (error instanceof OverloadedException) {
      return Status.RESOURCE_EXHAUSTED.withDescription(error.getMessage());
    }
    if (error instanceof ShuttingDownException) {
      return Status.UNAVAILABLE.withDescription(error.getMessage());
    }
    if (error instanceof RequestAbortedException aborted) {
      return switch (aborted.abortCause()) {
        case CANCELLED -> Status.CANCELLED.withDescription(error.getMessage());
        case STALLED -> Status.ABORTED.withDescription(error.getMessage());
        case DEADLINE_EXCEEDED -> Status.DEADLINE_EXCEEDED.withDescription(error.getMessage());
      };
    }
    return Status.INTERNAL.withDescription(String.valueOf(error)).withCause(error);
  }
}
