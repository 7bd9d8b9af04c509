# syntax=docker/dockerfile:1.7
# The model server image (the HybridModel spec.images.runtime default): loads one checkpoint and
# serves every placement over gRPC. The GPU backend needs only the driver (libcuda, injected by
# the NVIDIA container toolkit: the CUDA base image sets the variables it reads); its kernels are
# PTX inside the jar, compiled in the build stage by nvcc 13.0 from NVIDIA's PyPI wheels.
# On a node without a GPU the same image runs the CPU backend.
#
#   docker build -f docker/runtime.Dockerfile -t ghcr.io/gearbox-dev/gearbox-runtime:0.1.0 .
ARG CUDA_IMAGE=nvidia/cuda:12.8.1-runtime-ubuntu24.04

FROM maven:3.9-eclipse-temurin-25 AS build
WORKDIR /src
COPY . .
# nvcc for the PTX (the build fails without it here: an image without kernels would be no use
# on a GPU node).
RUN apt-get update -qq && apt-get install -y -qq --no-install-recommends python3-pip >/dev/null \
 && rm -rf /var/lib/apt/lists/*
RUN --mount=type=cache,target=/root/.m2 --mount=type=cache,target=/root/.cache/gearbox \
    export PIP_BREAK_SYSTEM_PACKAGES=1 GEARBOX_REQUIRE_PTX=1 \
 && export GEARBOX_NVCC="$(bash .ci/cuda-toolchain.sh)" \
 && mvn -B -q -pl runtime -am -DskipTests package \
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
ENTRYPOINT ["/bin/sh", "-c", "exec java -XX:MaxRAMPercentage=40 --add-modules jdk.incubator.vector --enable-native-access=ALL-UNNAMED -cp '/app/lib/*' \"$MAIN_CLASS\" \"$@\"", "--"]
