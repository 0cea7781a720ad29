#!/usr/bin/env bash
# Installs what building and testing tcpsnitch needs on Debian/Ubuntu.
# Idempotent: installs only the packages that are missing, and says what it
# installs and why. Retries apt-get, because the mirror sometimes fails for a
# minute.
#
# The packages are listed in scripts/packages/*.txt, one file per part of the
# project that needs them (a comment at the top of each says what for).
#
# usage: scripts/deps.sh [extra packages...]
set -euo pipefail
cd "$(dirname "$0")/.."

pkgs=()
for list in scripts/packages/*.txt; do
  # shellcheck disable=SC2207 # one word per package name
  pkgs+=($(sed 's/#.*//' "$list"))
done
pkgs+=("$@")

missing=()
for p in "${pkgs[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done

sudo=""
if [ "$(id -u)" != 0 ]; then
  if [ ${#missing[@]} -gt 0 ]; then
    command -v sudo >/dev/null || { echo "deps: need root (or sudo) to install: ${missing[*]}" >&2; exit 1; }
  fi
  sudo=sudo
fi
retry() {
  for i in 1 2 3 4 5 6; do
    "$@" && return 0
    echo "deps: '$*' failed (try $i), retrying in $((i * 10)) s" >&2
    sleep $((i * 10))
  done
  echo "deps: '$*' failed 6 times; check the network and apt's sources, then run scripts/deps.sh again" >&2
  return 1
}
export DEBIAN_FRONTEND=noninteractive

if [ ${#missing[@]} -eq 0 ]; then
  echo "deps: every package in scripts/packages/ is installed"
else
  echo "deps: installing ${missing[*]} (listed in scripts/packages/)"
  retry $sudo apt-get update -q
  retry $sudo apt-get install -y -q --no-install-recommends "${missing[@]}"
fi

if ! command -v go >/dev/null && [ ! -x /usr/local/go/bin/go ]; then
  echo "deps: Go 1.26 is needed (https://go.dev/dl) and was not found" >&2
  exit 1
fi

# libpcap's pinned source (Linux cross targets, Android): from upstream, or
# from Debian's source package when upstream is unreachable, which needs
# deb-src entries. Skipped once the tarball is in build/sources/.
pcap_src=$(sed -n 's/^FILE=//p' ndk/recipes/libpcap.recipe)
if [ ! -f "build/sources/$pcap_src" ]; then
  $sudo ndk/enable-deb-src.sh
fi
