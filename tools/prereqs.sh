#!/usr/bin/env bash
# What `npm run sandbox` and `npm test` need besides Node and npm, checked before they start:
#   - Linux (the sandbox runs a real Samba AD DC on a 127.0.0.x address),
#   - root (a Samba DC refuses to run otherwise, and binds the LDAP ports 389/636),
#   - the commands samba, samba-tool and openssl (Debian/Ubuntu packages below),
#   - the Pulumi CLI >= 3.248 with its Node.js language host on PATH, or Go >= 1.25 to build it
#     (tools/pulumi-cli/ensure-pulumi.sh), unless that build is already cached,
#   - for `test` also actionlint: Go >= 1.25 to build it (tools/actionlint), unless cached,
#   - nothing else listening on the LDAP ports of every address (a system DC on 0.0.0.0).
# As root on a machine with apt-get, missing Debian packages are installed (without starting any
# system Samba service). Anything else that is missing stops the command with ONE message that
# names all of it. Usage: tools/prereqs.sh [sandbox|test]   (default: test)
set -euo pipefail

what="${1:-test}"
case "$what" in sandbox | test) ;; *) echo "usage: $0 [sandbox|test]" >&2; exit 2 ;; esac
command_name="npm $([ "$what" = test ] && echo test || echo 'run sandbox')"

# macOS ships bash 3.2 and Windows may have Git Bash: say it before anything else can fail.
os="$(uname -s)"
if [ "$os" != "Linux" ]; then
  cat >&2 <<MSG
$command_name needs Linux: it runs a real Samba AD domain controller (Debian 12 and Ubuntu 24.04
are what it is tested on). This machine runs $os.
  - Windows: use WSL 2 with Ubuntu, clone the repository inside WSL and run the command there.
  - macOS: use a Debian/Ubuntu virtual machine, or a container running as root, e.g.
      docker run --rm -it -v "\$PWD":/src -w /src node:20-bookworm bash -c 'npm ci && $command_name'
The unit tests run anywhere: npm run test:unit
MSG
  exit 1
fi

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# Debian/Ubuntu packages that provide samba, samba-tool, openssl (and the LDAP/ldb tools used to
# look at the DC by hand). samba-ad-dc and samba-ad-provision exist from Debian 12 / Ubuntu 23.04;
# on older releases the same programs come with `samba`.
PACKAGES=(samba samba-ad-dc samba-ad-provision ldb-tools ldap-utils winbind openssl ca-certificates)
COMMANDS=(samba samba-tool openssl)
GO_MIN=1.25
POLICY_RC_D="${AD_ENTRA_LINK_POLICY_RC_D:-/usr/sbin/policy-rc.d}"
cache_root="${AD_ENTRA_LINK_CACHE:-$HOME/.cache/ad-entra-link}"

problems=()
problem() { problems+=("$1"); }
have() { command -v "$1" >/dev/null 2>&1; }
uid="$(id -u)"

missing_commands() {
  local c out=()
  for c in "${COMMANDS[@]}"; do have "$c" || out+=("$c"); done
  echo "${out[*]+"${out[*]}"}"
}

# --- Node.js >= 20 -------------------------------------------------------------------------------
node_major="$(node -p 'process.versions.node.split(".")[0]' 2>/dev/null || echo 0)"
[ "$node_major" -ge 20 ] || problem "Node.js >= 20 (this is $(node -v 2>/dev/null || echo 'no node')): https://nodejs.org or your distribution's nodejs package"

# --- root ----------------------------------------------------------------------------------------
[ "$uid" = 0 ] || problem "root: a Samba AD DC only runs as root (run: sudo $command_name)"

# --- Samba and openssl, installed with apt-get where we can --------------------------------------
missing="$(missing_commands)"
if [ -n "$missing" ] && [ "$uid" = 0 ] && have apt-get; then
  echo "prereqs: $missing not found; installing the Debian packages that provide them" >&2
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  wanted=()
  for p in "${PACKAGES[@]}"; do
    # Only packages this release has (see above); apt-get would refuse the whole list otherwise.
    if apt-cache show "$p" >/dev/null 2>&1; then wanted+=("$p"); fi
  done
  # Installing samba would start the system's smbd/nmbd/samba-ad-dc services; the sandbox and the
  # tests run their own DC instead, so nothing is started (Debian's policy-rc.d convention).
  added_policy=""
  if [ ! -e "$POLICY_RC_D" ]; then
    printf '#!/bin/sh\n# ad-entra-link tools/prereqs.sh: start no service while packages install\nexit 101\n' >"$POLICY_RC_D"
    chmod 0755 "$POLICY_RC_D"
    added_policy="$POLICY_RC_D"
  fi
  status=0
  apt-get install -y -qq --no-install-recommends "${wanted[@]}" >/dev/null || status=$?
  [ -z "$added_policy" ] || rm -f "$added_policy"
  [ "$status" = 0 ] || { echo "prereqs: apt-get install ${wanted[*]} failed (exit $status)" >&2; exit 1; }
  missing="$(missing_commands)"
fi
if [ -n "$missing" ]; then
  problem "the commands $missing: on Debian/Ubuntu, apt-get install ${PACKAGES[*]} (Samba >= 4.17 with the AD DC; elsewhere your distribution's Samba AD DC packages)"
fi

# --- Go, Pulumi CLI, actionlint ------------------------------------------------------------------
go_ok=""
for go in go /usr/local/go/bin/go; do
  if have "$go"; then
    v="$("$go" env GOVERSION 2>/dev/null || true)"
    v="${v#go}"
    if [ -n "$v" ] && [ "$(printf '%s\n%s\n' "$GO_MIN" "$v" | sort -V | head -n1)" = "$GO_MIN" ]; then go_ok=1; fi
  fi
done
stamp_of() { cat "$@" | sha256sum | cut -c1-12; }

pulumi_ok=""
if have pulumi && have pulumi-language-nodejs; then
  v="$(PULUMI_SKIP_UPDATE_CHECK=true pulumi version 2>/dev/null || true)"
  v="${v#v}"
  if [ -n "$v" ] && [ "$(printf '%s\n%s\n' 3.248.0 "$v" | sort -V | head -n1)" = 3.248.0 ]; then pulumi_ok=1; fi
fi
if [ -z "$pulumi_ok" ] && [ -z "$go_ok" ]; then
  p="$here/pulumi-cli"
  pin="$(sed -n 's/^PIN=//p' "$p/ensure-pulumi.sh")"
  stamp="$(stamp_of "$p/ensure-pulumi.sh" "$p/go.mod" "$p/go.sum" "$p/language-nodejs/go.mod" "$p/language-nodejs/go.sum")"
  if [ ! -x "$cache_root/pulumi-$pin-$stamp/bin/pulumi" ]; then
    problem "the Pulumi CLI >= 3.248 on PATH (curl -fsSL https://get.pulumi.com | sh, then add ~/.pulumi/bin to PATH), or Go >= $GO_MIN (https://go.dev/dl, in /usr/local/go) to build it"
  fi
fi
if [ "$what" = test ] && [ -z "$go_ok" ]; then
  a="$here/actionlint"
  version="$(awk '$1 == "github.com/rhysd/actionlint" { print $2 }' "$a/go.mod")"
  if [ ! -x "$cache_root/actionlint-$version-$(stamp_of "$a/ensure-actionlint.sh" "$a/go.mod" "$a/go.sum")/actionlint" ]; then
    problem "Go >= $GO_MIN (https://go.dev/dl, in /usr/local/go): the tests build actionlint with it"
  fi
fi

# --- nothing on 0.0.0.0 / [::] at the DC's ports (it would block every 127.0.0.x) ----------------
for table in /proc/net/tcp /proc/net/tcp6; do
  [ -r "$table" ] || continue
  # local address all zeros, state 0A (LISTEN), ports 389/636/3268/3269 (hex)
  if awk '$4 == "0A" && $2 ~ /^0+:(0185|027C|0CC4|0CC5)$/ { found = 1 } END { exit !found }' "$table"; then
    problem "free LDAP ports: a service listens on 389/636/3268/3269 of every address (a system Samba DC or LDAP server?); stop it, e.g. systemctl stop samba-ad-dc slapd"
    break
  fi
done

if [ "${#problems[@]}" -gt 0 ]; then
  {
    echo "$command_name cannot start; on this machine it still needs:"
    for p in "${problems[@]}"; do echo "  - $p"; done
    echo "(README.md, section Prerequisites)"
  } >&2
  exit 1
fi
