#!/usr/bin/env bash
# Builds the Kubernetes control plane used by the operator and e2e tests from Go modules:
# kube-apiserver, kube-controller-manager, kube-scheduler, kubectl, and for the real node
# kubelet and kube-proxy (k8s.io/kubernetes), etcd (go.etcd.io/etcd/server/v3), crictl
# (sigs.k8s.io/cri-tools) and, unless GEARBOX_KWOK=0, kwok/kwokctl.
# Binaries are cached under ~/.cache/gearbox/k8s/<version>/ and laid out for fabric8
# kube-api-test under ~/.kubeapitest/k8s/<version>-linux-amd64/. Cold build (module downloads
# included) measured at 16 min on a 2-core machine: etcd ~1, kubernetes ~9, kwok ~6.5 (skip kwok
# with GEARBOX_KWOK=0). A re-run with the
# binaries present does nothing.
set -euo pipefail

K8S_VERSION="${GEARBOX_K8S_VERSION:-1.34.4}"
ETCD_VERSION="${GEARBOX_ETCD_VERSION:-3.6.16}"
KWOK_VERSION="${GEARBOX_KWOK_VERSION:-0.7.0}"
CRI_TOOLS_VERSION="${GEARBOX_CRI_TOOLS_VERSION:-1.34.0}"
BUILD_KWOK="${GEARBOX_KWOK:-1}"

CACHE="${GEARBOX_CACHE:-$HOME/.cache/gearbox/k8s}/$K8S_VERSION"
BIN="$CACHE/bin"
LAYOUT="$HOME/.kubeapitest/k8s/$K8S_VERSION-linux-amd64"
STAGING_VERSION="v0.${K8S_VERSION#1.}"

export CGO_ENABLED=0
export GOFLAGS="-mod=mod -buildvcs=false"
export GOTOOLCHAIN="${GOTOOLCHAIN:-local}"

log() { echo "[control-plane] $*" >&2; }

layout() {
  mkdir -p "$LAYOUT"
  for b in kube-apiserver etcd kubectl; do
    ln -sfn "$BIN/$b" "$LAYOUT/$b"
  done
}

have_all() {
  local want=(kube-apiserver kube-controller-manager kube-scheduler kubectl kubelet kube-proxy
    etcd crictl)
  [[ "$BUILD_KWOK" == 1 ]] && want+=(kwok kwokctl)
  for b in "${want[@]}"; do [[ -x "$BIN/$b" ]] || return 1; done
}

if have_all; then
  layout
  log "cached: $BIN"
  exit 0
fi
command -v go >/dev/null || { log "go is required (https://go.dev/dl) to build the control plane"; exit 1; }
mkdir -p "$BIN"

# The version baked in matters: kube-apiserver rejects some requests from clients that
# claim v0.0.0, and kubectl compares its own version against the server's.
BUILD_DATE="$(date -u +%Y-%m-%dT%H:%M:%SZ)"
K8S_MINOR="${K8S_VERSION#1.}"; K8S_MINOR="${K8S_MINOR%%.*}"
ldflags="-s -w"
for pkg in k8s.io/component-base/version k8s.io/client-go/pkg/version; do
  ldflags+=" -X $pkg.gitVersion=v$K8S_VERSION -X $pkg.gitMajor=1 -X $pkg.gitMinor=$K8S_MINOR"
  ldflags+=" -X $pkg.gitTreeState=clean -X $pkg.buildDate=$BUILD_DATE"
done

build_kubernetes() {
  local mod="$CACHE/src/kubernetes"
  mkdir -p "$mod"
  cd "$mod"
  # k8s.io/kubernetes points its staging modules at ./staging; a consumer must replace each
  # one with its published v0.x twin. Read the list from the release's own go.mod.
  local gomod
  gomod="$(go mod download -json "k8s.io/kubernetes@v$K8S_VERSION" | sed -n 's/.*"GoMod": "\(.*\)".*/\1/p')"
  {
    echo "module gearbox.dev/controlplane"
    echo
    echo "go 1.24"
    echo
    echo "require k8s.io/kubernetes v$K8S_VERSION"
    echo
    grep -oE '^\s*k8s\.io/[a-z0-9-]+ => \./staging' "$gomod" | awk '{print $1}' | sort -u |
      while read -r m; do echo "replace $m => $m $STAGING_VERSION"; done
  } > go.mod
  cat > tools.go <<'GO'
//go:build tools

package controlplane

import (
	_ "k8s.io/kubernetes/cmd/kube-apiserver"
	_ "k8s.io/kubernetes/cmd/kube-controller-manager"
	_ "k8s.io/kubernetes/cmd/kube-scheduler"
	_ "k8s.io/kubernetes/cmd/kubectl"
	_ "k8s.io/kubernetes/cmd/kubelet"
	_ "k8s.io/kubernetes/cmd/kube-proxy"
)
GO
  go mod tidy -e >/dev/null 2>&1 || true
  log "building kubernetes v$K8S_VERSION (staging $STAGING_VERSION)"
  go build -trimpath -ldflags "$ldflags" -o "$BIN/" \
    k8s.io/kubernetes/cmd/kube-apiserver \
    k8s.io/kubernetes/cmd/kube-controller-manager \
    k8s.io/kubernetes/cmd/kube-scheduler \
    k8s.io/kubernetes/cmd/kubectl \
    k8s.io/kubernetes/cmd/kubelet \
    k8s.io/kubernetes/cmd/kube-proxy
}

build_etcd() {
  local mod="$CACHE/src/etcd"
  mkdir -p "$mod"
  cd "$mod"
  printf 'module gearbox.dev/etcd\n\ngo 1.24\n\nrequire go.etcd.io/etcd/server/v3 v%s\n' "$ETCD_VERSION" > go.mod
  printf '//go:build tools\n\npackage etcd\n\nimport _ "go.etcd.io/etcd/server/v3"\n' > tools.go
  go mod tidy -e >/dev/null 2>&1 || true
  log "building etcd v$ETCD_VERSION"
  go build -trimpath -ldflags "-s -w" -o "$BIN/etcd" go.etcd.io/etcd/server/v3
}

build_crictl() {
  local mod="$CACHE/src/cri-tools"
  mkdir -p "$mod"
  cd "$mod"
  printf 'module gearbox.dev/critools\n\ngo 1.24\n\nrequire sigs.k8s.io/cri-tools v%s\n' "$CRI_TOOLS_VERSION" > go.mod
  printf '//go:build tools\n\npackage critools\n\nimport _ "sigs.k8s.io/cri-tools/cmd/crictl"\n' > tools.go
  go mod tidy -e >/dev/null 2>&1 || true
  log "building crictl v$CRI_TOOLS_VERSION"
  go build -trimpath -ldflags "-s -w" -o "$BIN/crictl" sigs.k8s.io/cri-tools/cmd/crictl
}

build_kwok() {
  local mod="$CACHE/src/kwok"
  mkdir -p "$mod"
  cd "$mod"
  printf 'module gearbox.dev/kwok\n\ngo 1.24\n\nrequire sigs.k8s.io/kwok v%s\n' "$KWOK_VERSION" > go.mod
  printf '//go:build tools\n\npackage kwok\n\nimport (\n\t_ "sigs.k8s.io/kwok/cmd/kwok"\n\t_ "sigs.k8s.io/kwok/cmd/kwokctl"\n)\n' > tools.go
  go mod tidy -e >/dev/null 2>&1 || true
  log "building kwok v$KWOK_VERSION"
  go build -trimpath -ldflags "-s -w" -o "$BIN/" sigs.k8s.io/kwok/cmd/kwok sigs.k8s.io/kwok/cmd/kwokctl
}

start=$SECONDS
[[ -x "$BIN/etcd" ]] || build_etcd
k8s_bins=(kube-apiserver kubectl kube-controller-manager kube-scheduler kubelet kube-proxy)
for b in "${k8s_bins[@]}"; do
  [[ -x "$BIN/$b" ]] || { build_kubernetes; break; }
done
[[ -x "$BIN/crictl" ]] || build_crictl
if [[ "$BUILD_KWOK" == 1 ]]; then
  [[ -x "$BIN/kwok" && -x "$BIN/kwokctl" ]] || build_kwok
fi
layout
log "built in $((SECONDS - start))s: $BIN"
"$BIN/kube-apiserver" --version >&2
