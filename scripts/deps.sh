#!/usr/bin/env bash
# Installs what building and testing tcpsnitch needs on Debian/Ubuntu.
# Idempotent: installs only the packages that are missing. Retries apt-get,
# because the mirror sometimes fails for a minute.
#
# usage: scripts/deps.sh [extra packages...]
set -euo pipefail

# gcc-12-multilib, not gcc-multilib: the latter conflicts with the aarch64
# cross compiler that the NDK pipeline's CI uses; -m32 works with either.
pkgs=(gcc make git curl python3 pkg-config libpcap-dev flex bison
      gcc-12-multilib strace adb procps iproute2 "$@")

missing=()
for p in "${pkgs[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -eq 0 ]; then
  echo "deps: everything is installed"
else
  sudo=""
  if [ "$(id -u)" != 0 ]; then
    command -v sudo >/dev/null || { echo "deps: need root (or sudo) to install: ${missing[*]}" >&2; exit 1; }
    sudo=sudo
  fi
  retry() {
    for i in 1 2 3 4 5 6; do
      "$@" && return 0
      echo "deps: '$*' failed (try $i), retrying in $((i * 10)) s" >&2
      sleep $((i * 10))
    done
    return 1
  }
  export DEBIAN_FRONTEND=noninteractive
  echo "deps: installing ${missing[*]}"
  retry $sudo apt-get update -q
  retry $sudo apt-get install -y -q --no-install-recommends "${missing[@]}"
fi

if ! command -v go >/dev/null && [ ! -x /usr/local/go/bin/go ]; then
  echo "deps: Go 1.26 is needed (https://go.dev/dl) and was not found" >&2
  exit 1
fi
