# syntax=docker/dockerfile:1.7
# The Gearbox operator image (the chart's image.repository).
#
#   docker build -f docker/operator.Dockerfile -t ghcr.io/gearbox-dev/gearbox-operator:0.1.0 .
#
# Runs as UID 65532 on a read-only root file system (the chart mounts /tmp). Reads its
# configuration from the GEARBOX_* environment the chart sets.
FROM maven:3.9-eclipse-temurin-25 AS build
WORKDIR /src
COPY . .
RUN --mount=type=cache,target=/root/.m2 \
    mvn -B -q -pl operator -am -DskipTests package \
      dependency:copy-dependencies -DincludeScope=runtime -DoutputDirectory=target/lib \
 && mkdir -p /out/lib \
 && cp operator/target/lib/*.jar /out/lib/ \
 && cp operator/target/gearbox-operator-*.jar /out/lib/ \
 && rm -f /out/lib/*-tests.jar /out/lib/*-sources.jar

FROM eclipse-temurin:21-jre-noble
# The operator's entry point; override with --build-arg if the class moves.
ARG MAIN_CLASS=dev.gearbox.operator.GearboxOperator
LABEL org.opencontainers.image.title="gearbox-operator" \
      org.opencontainers.image.description="Kubernetes operator for multi-placement hybrid LLMs" \
      org.opencontainers.image.source="https://github.com/gearbox-dev/gearbox"
COPY --from=build /out/lib /app/lib
ENV MAIN_CLASS=${MAIN_CLASS}
USER 65532:65532
EXPOSE 8080 8081
# exec form through sh so MAIN_CLASS expands; exec keeps java as PID 1 for SIGTERM.
ENTRYPOINT ["/bin/sh", "-c", "exec java --enable-native-access=ALL-UNNAMED -cp '/app/lib/*' \"$MAIN_CLASS\" \"$@\"", "--"]
