# syntax=docker/dockerfile:1.7
# The routing sidecar image (the HybridModel spec.images.router default): OpenAI-compatible HTTP
# front that picks a placement per request and calls the runtime over gRPC.
#
#   docker build -f docker/routing.Dockerfile -t ghcr.io/gearbox-dev/gearbox-routing:0.1.0 .
FROM maven:3.9-eclipse-temurin-25 AS build
WORKDIR /src
COPY . .
RUN --mount=type=cache,target=/root/.m2 \
    mvn -B -q -pl routing -am -DskipTests package \
      dependency:copy-dependencies -DincludeScope=runtime -DoutputDirectory=target/lib \
 && mkdir -p /out/lib \
 && cp routing/target/lib/*.jar /out/lib/ \
 && cp routing/target/gearbox-routing-*.jar /out/lib/ \
 && rm -f /out/lib/*-tests.jar /out/lib/*-sources.jar

FROM eclipse-temurin:21-jre-noble
ARG MAIN_CLASS=dev.gearbox.routing.RouterMain
LABEL org.opencontainers.image.title="gearbox-routing" \
      org.opencontainers.image.description="Gearbox routing sidecar (OpenAI-compatible, placement policy)" \
      org.opencontainers.image.source="https://github.com/gearbox-dev/gearbox"
COPY --from=build /out/lib /app/lib
ENV MAIN_CLASS=${MAIN_CLASS}
USER 65532:65532
# 8080: OpenAI-compatible HTTP (and /metrics); 8081: gRPC — the ports the operator passes.
EXPOSE 8080 8081
ENTRYPOINT ["/bin/sh", "-c", "exec java -XX:MaxRAMPercentage=75 --enable-native-access=ALL-UNNAMED -cp '/app/lib/*' \"$MAIN_CLASS\" \"$@\"", "--"]
