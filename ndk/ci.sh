#!/usr/bin/env bash
# usage: ndk/ci.sh        (called by .ci/run; safe to run by hand as root)
#
# CI for the build pipeline, all of it real on this machine:
#   1. installs what it needs with apt-get (retries; never adds architectures:
#      Debian's i386/armhf indexes can lag behind amd64);
#   2. builds linux-i386, linux-aarch64 and android-sim-x86_64 from the pinned
#      source tarballs (Debian source packages when upstream is unreachable);
#   3. checks that a second run does no work;
#   4. runs the aarch64 shim under qemu-aarch64 (ndk/smoke-aarch64.sh);
#   5. lints the Dockerfile (ndk/lint-dockerfile.sh, standing in for hadolint)
#      and proves the lint fails on a Dockerfile with an unpinned NDK.
# The NDK build itself cannot run here (no NDK download, no Docker engine).
# shellcheck source=ndk/lib.sh
. "$(dirname "$0")/lib.sh"
cd "$ROOT"

passed=0 failed=0
check() { # check NAME COMMAND...: run one step, count it, go on
  local name=$1
  shift
  echo "--- ndk-ci: $name"
  if "$@"; then passed=$((passed + 1)); echo "--- ndk-ci: $name: ok"
  else failed=$((failed + 1)); echo "--- ndk-ci: $name: FAILED" >&2; fi
}

# gcc-12-multilib, not gcc-multilib: the latter conflicts with the aarch64
# cross compiler. qemu-user runs the aarch64 programs.
pkgs=(gcc gcc-12-multilib gcc-aarch64-linux-gnu libc6-dev-arm64-cross qemu-user
  make flex bison curl ca-certificates shellcheck)
missing=()
for p in "${pkgs[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  say "installing ${missing[*]}"
  apt_retry update || die "apt-get update failed 4 times"
  apt_retry install --no-install-recommends "${missing[@]}" || die "apt-get install ${missing[*]} failed 4 times"
fi

targets=(linux-i386 linux-aarch64 android-sim-x86_64)
# One version string for both runs, even if someone commits in between.
TCPSNITCH_VERSION=${TCPSNITCH_VERSION:-$(git describe --tags --always --dirty 2>/dev/null || echo dev)}
TCPSNITCH_GIT_HASH=${TCPSNITCH_GIT_HASH:-$(git rev-parse HEAD 2>/dev/null || echo unknown)}
export TCPSNITCH_VERSION TCPSNITCH_GIT_HASH
check "build ${targets[*]}" ndk/build.sh "${targets[@]}"
no_rebuild() {
  local out
  out=$(ndk/build.sh "${targets[@]}" 2>&1) || { echo "$out"; return 1; }
  if grep -E 'building|installed' <<<"$out"; then echo "a second run did work (above)"; return 1; fi
}
check "second run does no work" no_rebuild
check "aarch64 shim traces under qemu-aarch64" ndk/smoke-aarch64.sh
check "lint Dockerfile" ndk/lint-dockerfile.sh Dockerfile
lint_catches_unpinned_ndk() {
  local bad
  bad=$(mktemp -p "$ROOT" .Dockerfile.unpinned.XXXXXX)
  sed 's/^ARG NDK_SHA256=.*/ARG NDK_SHA256=/' Dockerfile >"$bad"
  if ndk/lint-dockerfile.sh "$bad" 2>/dev/null; then rm -f "$bad"; echo "lint passed a Dockerfile with an empty NDK_SHA256"; return 1; fi
  rm -f "$bad"
}
check "lint refuses an unpinned NDK" lint_catches_unpinned_ndk
if command -v shellcheck >/dev/null; then
  check "shellcheck ndk/*.sh" shellcheck -x ndk/*.sh
fi

echo "ndk-ci: $passed passed, $failed failed"
[ "$failed" = 0 ]
