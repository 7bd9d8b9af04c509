# Shared environment for .ci/run and ./gearbox: picks the newest JDK >= 21 and the Maven cache.
# Sourced, not executed.
pick_jdk() {
  local best="" best_major=0 dir major
  for dir in ${JAVA_HOME:-} /usr/lib/jvm/*; do
    [ -x "$dir/bin/javac" ] || continue
    major=$("$dir/bin/java" -XshowSettings:properties -version 2>&1 \
      | sed -n 's/^ *java.specification.version = \([0-9]*\).*/\1/p')
    if [ -n "$major" ] && [ "$major" -ge 21 ] && [ "$major" -gt "$best_major" ]; then
      best="$dir"; best_major="$major"
    fi
  done
  if [ -z "$best" ]; then
    echo "gearbox: no JDK >= 21 found (looked at \$JAVA_HOME and /usr/lib/jvm/*); install one, e.g. Temurin 21+" >&2
    return 1
  fi
  export JAVA_HOME="$best"
}
pick_jdk
export PATH="$JAVA_HOME/bin:$PATH"
if ! command -v mvn >/dev/null 2>&1; then
  echo "gearbox: Maven not found, installing it with apt-get" >&2
  (apt-get update -qq && apt-get install -y -qq maven) >&2
fi
# Maven's local repository lives under ~/.cache so CI caches stay in one place.
export GEARBOX_M2="${GEARBOX_M2:-$HOME/.cache/gearbox/m2/repository}"
export MAVEN_ARGS="${MAVEN_ARGS:-} -B -Dmaven.repo.local=$GEARBOX_M2"
export MAVEN_OPTS="${MAVEN_OPTS:--Xmx2g}"
