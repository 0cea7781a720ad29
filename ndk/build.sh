#!/usr/bin/env bash
# usage: ndk/build.sh TARGET...
#
# The whole pipeline for each TARGET (a file in toolchains/): pinned libpcap
# as a static library, then the shim, checked and installed in
# lib/tcpsnitch/<target>/. Android targets need NDK=/path/to/ndk. A second
# run with nothing changed rebuilds nothing.
# shellcheck source=ndk/lib.sh
. "$(dirname "$0")/lib.sh"

[ $# -gt 0 ] || die "usage: ndk/build.sh TARGET... (targets: $(known_targets))"
for t in "$@"; do load_target "$t"; done # refuse a bad list before any work
take_lock
for t in "$@"; do
  "$ROOT/ndk/build-deps.sh" "$t"
  "$ROOT/ndk/build-shim.sh" "$t"
done
