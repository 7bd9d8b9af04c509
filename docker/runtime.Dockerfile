# syntax=docker/dockerfile:1.7
# The model server image (the HybridModel spec.images.runtime default): loads one checkpoint and
# serves every placement over gRPC. Based on the CUDA runtime so the GPU backend (JCuda)
# finds libcudart/cuBLAS; the host's driver is injected by the NVIDIA container toolkit.
# On a node without a GPU the same image runs the CPU backend.
#
#   docker build -f docker/runtime.Dockerfile -t ghcr.io/gearbox-dev/gearbox-runtime:0.1.0 .
ARG CUDA_IMAGE=nvidia/cuda:12.8.1-runtime-ubuntu24.04

FROM maven:3.9-eclipse-temurin-25 AS build
WORKDIR /src
COPY . .
RUN --mount=type=cache,target=/root/.m2 \
    mvn -B -q -pl runtime -am -DskipTests package \
      dependency:copy-dependencies -DincludeScope=runtime -DoutputDirectory=target/lib \
 && mkdir -p /out/lib \
 && (cp runtime/target/lib/*.jar /out/lib/ 2>/dev/null || true) \
 && cp runtime/target/gearbox-runtime-*.jar /out/lib/ \
 && rm -f /out/lib/*-tests.jar /out/lib/*-sources.jar

FROM eclipse-temurin:21-jre-noble AS jre

FROM ${CUDA_IMAGE}
# ServeCommand takes the serve flags directly, so the container args are its args.
ARG MAIN_CLASS=dev.gearbox.runtime.server.ServeCommand
LABEL org.opencontainers.image.title="gearbox-runtime" \
      org.opencontainers.image.description="Gearbox model server: every placement of one checkpoint, one copy of the weights" \
      org.opencontainers.image.source="https://github.com/gearbox-dev/gearbox"
ENV JAVA_HOME=/opt/java/openjdk
ENV PATH="${JAVA_HOME}/bin:${PATH}"
COPY --from=jre /opt/java/openjdk /opt/java/openjdk
COPY --from=build /out/lib /app/lib
# Model weights are mounted here (PVC, image volume or hostPath); the image carries none.
RUN mkdir -p /models && chown 65532:65532 /models
ENV MAIN_CLASS=${MAIN_CLASS} GEARBOX_MODEL_DIR=/models
USER 65532:65532
# 50051: gRPC (Generate, Score, health); 9400: Prometheus metrics (ServeCommand defaults).
EXPOSE 50051 9400
# The weights live off-heap (memory-mapped safetensors), so the heap stays a small share.
ENTRYPOINT ["/bin/sh", "-c", "exec java -XX:MaxRAMPercentage=40 --enable-native-access=ALL-UNNAMED -cp '/app/lib/*' \"$MAIN_CLASS\" \"$@\"", "--"]
