#!/usr/bin/env bash
# Prints a directory holding `pulumi`, `pulumi-language-nodejs` and `pulumi-resource-pulumi-nodejs`.
#
# 1. A suitable Pulumi already on PATH (the normal case on a user's machine) is used as is.
# 2. Otherwise both Go binaries are built from their published Go modules through the Go module
#    proxy, with the wrapper modules in this folder, and cached under
#    ${AD_ENTRA_LINK_CACHE:-$HOME/.cache/ad-entra-link}/pulumi-<pin>-<hash of the wrappers>/bin.
#    The cache is rebuilt only when a pin (go.mod/go.sum here or this script) changes.
#
# Why two wrapper modules: the CLI comes from github.com/pulumi/pulumi/pkg/v3 at the pinned release.
# The Node.js language host lives in its own module (sdk/nodejs/cmd/pulumi-language-nodejs/v3), which
# has no tags and whose pseudo-versions this machine's module proxy does not serve, so it is built
# from the last sdk/v3 release that still carried it as a package (see language-nodejs/go.mod).
# The language host protocol is stable across these versions; the proof tests drive it for real.
set -euo pipefail

PIN=v3.248.0
LANGHOST_PIN=v3.68.0
MIN_VERSION=3.248.0
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo="$(cd "$here/../.." && pwd)"
dynamic_plugin="$repo/node_modules/@pulumi/pulumi/pulumi-resource-pulumi-nodejs"

log() { echo "ensure-pulumi: $*" >&2; }

version_ok() { # $1 = "v3.X.Y"
  local v="${1#v}"
  [ "$(printf '%s\n%s\n' "$MIN_VERSION" "$v" | sort -V | head -n1)" = "$MIN_VERSION" ]
}

if [ "${AD_ENTRA_LINK_BUILD_PULUMI:-}" != "1" ] && command -v pulumi >/dev/null 2>&1 \
  && command -v pulumi-language-nodejs >/dev/null 2>&1; then
  existing="$(PULUMI_SKIP_UPDATE_CHECK=true pulumi version 2>/dev/null || true)"
  if version_ok "$existing"; then
    log "using pulumi $existing from PATH"
    dirname "$(command -v pulumi)"
    exit 0
  fi
  log "pulumi on PATH is '$existing' (need >= $MIN_VERSION); building $PIN instead"
fi

stamp="$(cat "$0" "$here/go.mod" "$here/go.sum" "$here/language-nodejs/go.mod" "$here/language-nodejs/go.sum" | sha256sum | cut -c1-12)"
cache_root="${AD_ENTRA_LINK_CACHE:-$HOME/.cache/ad-entra-link}"
out="$cache_root/pulumi-$PIN-$stamp"
bin="$out/bin"

if [ ! -x "$bin/pulumi" ] || [ ! -x "$bin/pulumi-language-nodejs" ]; then
  export PATH="/usr/local/go/bin:$PATH"
  command -v go >/dev/null || { log "Go is needed to build Pulumi (expected at /usr/local/go)"; exit 1; }
  export GOFLAGS="-mod=mod" CGO_ENABLED=0
  tmp="$out.tmp.$$"
  rm -rf "$tmp" && mkdir -p "$tmp"
  started=$(date +%s)
  log "building pulumi $PIN from github.com/pulumi/pulumi/pkg/v3 (first time only; a few minutes)"
  (cd "$here" && go build -trimpath \
    -ldflags "-s -w -X github.com/pulumi/pulumi/sdk/v3/go/common/version.Version=$PIN" \
    -o "$tmp/pulumi" github.com/pulumi/pulumi/pkg/v3/cmd/pulumi)
  log "building pulumi-language-nodejs from github.com/pulumi/pulumi/sdk/v3@$LANGHOST_PIN"
  (cd "$here/language-nodejs" && go build -trimpath \
    -ldflags "-s -w -X github.com/pulumi/pulumi/sdk/v3/go/common/version.Version=$LANGHOST_PIN" \
    -o "$tmp/pulumi-language-nodejs" github.com/pulumi/pulumi/sdk/v3/nodejs/cmd/pulumi-language-nodejs)
  rm -rf "$bin" && mkdir -p "$out" && mv "$tmp" "$bin"
  log "built in $(($(date +%s) - started)) s into $bin"
fi

# The dynamic-provider plugin ships inside the @pulumi/pulumi npm package without a bin link; the
# engine finds bundled plugins next to the `pulumi` executable. It is a tiny script that resolves
# @pulumi/pulumi from the program's folder, so one copy serves every project.
if [ -f "$dynamic_plugin" ] && ! cmp -s "$dynamic_plugin" "$bin/pulumi-resource-pulumi-nodejs"; then
  cp "$dynamic_plugin" "$bin/pulumi-resource-pulumi-nodejs.$$" && chmod 0755 "$bin/pulumi-resource-pulumi-nodejs.$$"
  mv "$bin/pulumi-resource-pulumi-nodejs.$$" "$bin/pulumi-resource-pulumi-nodejs"
fi
echo "$bin"
