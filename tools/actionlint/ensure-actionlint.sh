#!/usr/bin/env bash
# Prints the path of an actionlint binary (GitHub Actions workflow linter).
#
# Built from its published Go module (github.com/rhysd/actionlint/cmd/actionlint, pinned in go.mod
# next to this script) through the Go module proxy, and cached under
# ${AD_ENTRA_LINK_CACHE:-$HOME/.cache/ad-entra-link}/actionlint-<version>-<hash of the pins>/actionlint.
# Rebuilt only when go.mod, go.sum or this script change. Needs Go (expected at /usr/local/go).
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
log() { echo "ensure-actionlint: $*" >&2; }

version="$(awk '$1 == "github.com/rhysd/actionlint" { print $2 }' "$here/go.mod")"
stamp="$(cat "$0" "$here/go.mod" "$here/go.sum" | sha256sum | cut -c1-12)"
cache_root="${AD_ENTRA_LINK_CACHE:-$HOME/.cache/ad-entra-link}"
out="$cache_root/actionlint-$version-$stamp"

if [ ! -x "$out/actionlint" ]; then
  export PATH="/usr/local/go/bin:$PATH"
  command -v go >/dev/null || { log "Go is needed to build actionlint (expected at /usr/local/go)"; exit 1; }
  export GOFLAGS="-mod=mod" CGO_ENABLED=0
  tmp="$out.tmp.$$"
  rm -rf "$tmp" && mkdir -p "$tmp"
  started=$(date +%s)
  log "building actionlint $version (first time only)"
  (cd "$here" && go build -trimpath -ldflags "-s -w -X github.com/rhysd/actionlint.version=$version" \
    -o "$tmp/actionlint" github.com/rhysd/actionlint/cmd/actionlint)
  rm -rf "$out" && mv "$tmp" "$out"
  log "built in $(($(date +%s) - started)) s into $out"
fi
echo "$out/actionlint"
