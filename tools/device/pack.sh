#!/usr/bin/env bash
# Packs what a run on the GPU machine needs into .dev/ (git-ignored; name it in the device tool's
# `carry`): a jlink-ed JRE (.dev/jre.tar.xz), the runtime jar and the few libraries the GPU checks and
# benchmarks load (.dev/lib), JCuda's driver binding alone (the natives jar minus the 25 MB of NVRTC
# and PTX-compiler bindings we don't use), and the golden reference outputs (.dev/golden).
# The GPU machine has no Java and no network; the whole tree that travels must stay under 64 MiB.
set -euo pipefail
cd "$(dirname "$0")/../.."
source .ci/env.sh
dev=.dev
mvn $MAVEN_ARGS -q -o -pl runtime -DskipTests package
rm -rf "$dev/lib" && mkdir -p "$dev/lib"
cp runtime/target/gearbox-runtime-*.jar "$dev/lib/"
mvn $MAVEN_ARGS -q -pl runtime dependency:build-classpath -Dmdep.outputFile=target/device-classpath.txt \
  -Dmdep.includeScope=runtime >/dev/null
tr ':' '\n' < runtime/target/device-classpath.txt | while read -r jar; do
  case "$(basename "$jar")" in
    jackson-core-*|jackson-databind-*|jackson-annotations-*|jcuda-12*|micrometer-core-*|micrometer-commons-*|micrometer-observation-*|HdrHistogram-*|LatencyUtils-*) cp "$jar" "$dev/lib/" ;;
    jcuda-natives-*)
      tmp=$(mktemp -d); (cd "$tmp" && unzip -q "$jar" 'lib/libJCudaDriver-*' 'META-INF/MANIFEST.MF' \
        && zip -q -r "$OLDPWD/$dev/lib/$(basename "$jar")" lib META-INF); rm -rf "$tmp" ;;
  esac
done
# The JRE travels as .tar.xz (20 MB instead of 45): unpack it there with
#   tar -xJf .dev/jre.tar.xz -C /tmp && /tmp/jre/bin/java ...
jre="$HOME/.cache/gearbox/device-jre"
if [ ! -x "$jre/jre/bin/java" ]; then
  rm -rf "$jre" && mkdir -p "$jre"
  "$JAVA_HOME/bin/jlink" --add-modules java.base,java.logging,jdk.unsupported,jdk.incubator.vector,java.management \
    --strip-debug --no-header-files --no-man-pages --compress=zip-9 --output "$jre/jre"
  tar -C "$jre" -cJf "$jre/jre.tar.xz" jre
fi
rm -rf "$dev/jre" && cp "$jre/jre.tar.xz" "$dev/jre.tar.xz"
rm -rf "$dev/golden" && mkdir -p "$dev/golden" && cp -r runtime/src/test/resources/golden/apriel2-tiny "$dev/golden/"
du -sh "$dev"/* >&2
