#!/usr/bin/env bash
# usage: ndk/fetch.sh RECIPE...   (e.g. ndk/fetch.sh libpcap)
#
# Brings the pinned source tarball of each recipe (ndk/recipes/NAME.recipe)
# into build/sources/ and prints its path. Every tarball, wherever it comes
# from, goes through fetch_verified: a SHA-256 mismatch stops the build.
# Where from, in order:
#   1. build/sources/ already holds it (verified again);
#   2. $TCPSNITCH_SOURCES_MIRROR/<FILE or DEBIAN_ORIG> (offline machines);
#   3. the upstream URL (skipped with TCPSNITCH_OFFLINE=1);
#   4. Debian's source package (`apt-get source`): its orig tarball is the
#      upstream one, byte for byte (checked by the same SHA-256).
# shellcheck source=ndk/lib.sh
. "$(dirname "$0")/lib.sh"

# fetch_verified FILE SHA256 HOW ARGS...: run HOW ARGS... to produce a
# candidate file, then keep it as build/sources/FILE only if it has SHA256.
# HOW prints the candidate's path, or fails (nothing found that way).
fetch_verified() {
  local file=$1 sha=$2 dest=$SOURCES/$1 got candidate
  shift 2
  candidate=$("$@") || return 1
  got=$(sha256_of "$candidate")
  if [ "$got" != "$sha" ]; then
    rm -f "$dest.part"
    die "checksum mismatch for $candidate: expected sha256 $sha, got $got"
  fi
  [ "$candidate" = "$dest" ] || [ "$candidate" = "$dest.part" ] || cp "$candidate" "$dest.part"
  [ ! -f "$dest.part" ] || mv -f "$dest.part" "$dest"
  say "verified $file sha256=$sha ($(stat -c %s "$dest") bytes, from $candidate)"
}

from_cache() { [ -f "$SOURCES/$1" ] && echo "$SOURCES/$1"; }

from_mirror() {
  local f
  [ -n "${TCPSNITCH_SOURCES_MIRROR:-}" ] || return 1
  for f in "$@"; do
    [ -f "$TCPSNITCH_SOURCES_MIRROR/$f" ] && { echo "$TCPSNITCH_SOURCES_MIRROR/$f"; return 0; }
  done
  say "mirror $TCPSNITCH_SOURCES_MIRROR has none of: $*"
  return 1
}

from_url() {
  local url=$1 part=$SOURCES/$2.part
  [ "${TCPSNITCH_OFFLINE:-0}" != 1 ] || return 1
  command -v curl >/dev/null || { say "curl missing: not downloading $url"; return 1; }
  if curl -fsSL --retry 2 --connect-timeout 15 --max-time 300 -o "$part" "$url"; then
    echo "$part"
  else
    rm -f "$part"
    say "download of $url failed; trying the next source"
    return 1
  fi
}

# deb-src entries are missing on a fresh Debian. scripts/deps.sh adds them
# (ndk/enable-deb-src.sh); so does the Dockerfile's throwaway container
# (TCPSNITCH_ALLOW_DEB_SRC=1). Elsewhere the error says how.
add_deb_src() {
  [ "${TCPSNITCH_ALLOW_DEB_SRC:-}" = 1 ] || return 1
  "$ROOT/ndk/enable-deb-src.sh" >&2
}

from_debian() {
  local pkg=$1 orig=$2 work=$SOURCES/debian
  command -v apt-get >/dev/null || { say "no apt-get: no Debian source fallback"; return 1; }
  rm -rf "$work" && mkdir -p "$work"
  if ! (cd "$work" && apt-get source --download-only -qq "$pkg" >&2); then
    if ! add_deb_src || ! (cd "$work" && apt-get source --download-only -qq "$pkg" >&2); then
      die "no source for $pkg: its upstream is unreachable and apt has no deb-src entries; run scripts/deps.sh as root (it adds them), or put $orig in a directory named by TCPSNITCH_SOURCES_MIRROR"
    fi
  fi
  [ -f "$work/$orig" ] || die "Debian's $pkg source package has no $orig (it brought: $(cd "$work" && echo *)); use TCPSNITCH_SOURCES_MIRROR"
  echo "$work/$orig"
}

fetch_recipe() {
  local recipe=$ROOT/ndk/recipes/$1.recipe
  [ -f "$recipe" ] || die "no recipe $recipe"
  unset "${!R_@}"
  read_kv "$recipe" R
  [ -z "${TCPSNITCH_SOURCES_MIRROR:-}" ] || [ -d "$TCPSNITCH_SOURCES_MIRROR" ] ||
    die "TCPSNITCH_SOURCES_MIRROR=$TCPSNITCH_SOURCES_MIRROR is not a directory"
  mkdir -p "$SOURCES"
  fetch_verified "$R_FILE" "$R_SHA256" from_cache "$R_FILE" ||
    fetch_verified "$R_FILE" "$R_SHA256" from_mirror "$R_FILE" "$R_DEBIAN_ORIG" ||
    fetch_verified "$R_FILE" "$R_SHA256" from_url "$R_URL" "$R_FILE" ||
    fetch_verified "$R_FILE" "$R_SHA256" from_debian "$R_DEBIAN_SOURCE" "$R_DEBIAN_ORIG" ||
    die "could not obtain $R_FILE"
  echo "$SOURCES/$R_FILE"
}

[ $# -gt 0 ] || die "usage: ndk/fetch.sh RECIPE... (recipes: $(cd "$ROOT/ndk/recipes" && echo *.recipe | sed 's/\.recipe//g'))"
take_lock
for r in "$@"; do fetch_recipe "$r"; done
