package dev.gearbox.runtime.server;

import io.grpc.ForwardingServerCallListener;
import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.StatusRuntimeException;

/**
 * Closes a call with the status {@link GrpcErrors} picks when its handler throws, instead of
 * grpc's default UNKNOWN, so services can simply throw engine exceptions.
 */
public final class ExceptionMappingInterceptor implements ServerInterceptor {

  @Override
  public <Q, R> ServerCall.Listener<Q> interceptCall(
      ServerCall<Q, R> call, Metadata headers, ServerCallHandler<Q, R> next) {
    ServerCall.Listener<Q> delegate = next.startCall(call, headers);
    return new ForwardingServerCallListener.SimpleForwardingServerCallListener<>(delegate) {
      @Override
      public void onMessage(Q message) {
        try {
          super.onMessage(message);
        } catch (RuntimeException e) {
          close(call, e);
        }
      }

      @Override
      public void onHalfClose() {
        try {
          super.onHalfClose();
        } catch (RuntimeException e) {
          close(call, e);
        }
      }
    };
  }

  private static void close(ServerCall<?, ?> call, RuntimeException error) {
    StatusRuntimeException sre = GrpcErrors.toStatusException(error);
    Metadata trailers = sre.getTrailers() == null ? new Metadata() : sre.getTrailers();
    try {
      call.close(sre.getStatus(), trailers);
    } catch (IllegalStateException alreadyClosed) {
      // The handler closed the call before throwing; the client already has its status.
    }
  }
}
