# shellcheck shell=bash disable=SC2034  # variables set here are used by the sourcing scripts
# Shared helpers for the ndk/ scripts (sourced, never run). Bash.
#
# Environment read here:
#   NDK (or ANDROID_NDK_HOME / ANDROID_NDK_ROOT)  Android NDK root (r27 LTS)
#   TCPSNITCH_SOURCES_MIRROR  directory holding the pinned tarballs (offline)
#   TCPSNITCH_OFFLINE=1       never try the upstream URLs
#   JOBS                      parallel make jobs (default: nproc)

set -euo pipefail
shopt -s inherit_errexit # a failure inside $(...) stops the script too

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
BUILD=$ROOT/build
SOURCES=$BUILD/sources # verified tarballs, shared by every target
JOBS=${JOBS:-$(nproc 2>/dev/null || echo 2)}

die() { echo "ndk: error: $*" >&2; exit 1; }
say() { echo "ndk: $*" >&2; }

# read_kv FILE PREFIX: set PREFIX_KEY=value for each KEY=VALUE line of FILE.
# The files are data: values are taken literally, never evaluated.
read_kv() {
  local file=$1 prefix=$2 line key value
  while IFS= read -r line || [ -n "$line" ]; do
    case $line in '' | '#'*) continue ;; esac
    key=${line%%=*}
    value=${line#*=}
    [[ $key =~ ^[A-Z][A-Z0-9_]*$ && $line == *=* ]] || die "$file: bad line: $line"
    printf -v "${prefix}_$key" '%s' "$value"
  done <"$file"
}

known_targets() { (cd "$ROOT/toolchains" && echo *); }

# load_target NAME: read toolchains/NAME into T_* and resolve the tools.
load_target() {
  TARGET=$1
  local f=$ROOT/toolchains/$TARGET
  [[ $TARGET =~ ^[a-z0-9_-]+$ && -f $f ]] ||
    die "unknown target '$TARGET'; known targets: $(known_targets)"
  unset "${!T_@}"
  T_API='' T_SHIM_DEFINES='' T_DEPS_FROM='' T_TARGET_CFLAGS='' T_TARGET_LDFLAGS=''
  read_kv "$f" T
  TARGET_FILE=$f
  if [ "$T_OS" = android ]; then
    local ndk=${NDK:-${ANDROID_NDK_HOME:-${ANDROID_NDK_ROOT:-}}}
    [ -n "$ndk" ] || die "target $TARGET needs the Android NDK: set NDK=/path/to/android-ndk-r27c (or use the Dockerfile)"
    [ -d "$ndk/toolchains/llvm" ] || die "NDK=$ndk is not an NDK (no toolchains/llvm in it)"
    local var
    for var in T_CC T_AR T_RANLIB T_STRIP T_READELF; do
      printf -v "$var" '%s' "$ndk/${!var}"
    done
  fi
  # Absolute paths: CMake wants them, and a missing tool shows up here.
  local var path
  for var in T_CC T_AR T_RANLIB T_STRIP T_READELF; do
    path=$(command -v "${!var}") || die "${var#T_} '${!var}' for $TARGET not found (see docs/build.md for the packages)"
    printf -v "$var" '%s' "$path"
  done
  DEPS_TARGET=${T_DEPS_FROM:-$TARGET}
  PREFIX=$BUILD/$DEPS_TARGET/prefix
}

sha256_of() { sha256sum "$1" | cut -d' ' -f1; }

# key_of ARGS...: one hash over the listed files' contents and plain strings;
# a build step is redone only when its key changes (see stamp_ok).
key_of() {
  local a
  for a in "$@"; do
    if [ -f "$a" ]; then printf 'file %s\n' "${a#"$ROOT"/}"; cat "$a"; else printf 'str %s\n' "$a"; fi
  done | sha256sum | cut -d' ' -f1
}
stamp_ok() { [ -f "$1" ] && [ "$(cat "$1")" = "$2" ]; }

# shellcheck disable=SC2086 # the flags are a word list
compiler_id() { "$T_CC" $T_TARGET_CFLAGS --version 2>/dev/null | head -n1; }

# apt_retry ARGS...: apt-get with retries. Debian's mirror sometimes fails
# for a minute; `update` must fail on any index error instead of warning.
apt_retry() {
  local i extra=()
  [ "$1" != update ] || extra=(--error-on=any)
  for i in 1 2 3 4; do
    DEBIAN_FRONTEND=noninteractive apt-get -y -q "${extra[@]}" "$@" >&2 && return 0
    [ "$i" = 4 ] || { say "apt-get $1 failed (try $i of 4); retrying in $((i * 15))s"; sleep $((i * 15)); }
  done
  return 1
}

# take_lock: one pipeline at a time per tree. Two builds of the same target
# (say, make and a test harness) would otherwise delete each other's build
# directories; the second one waits, then finds everything up to date.
# Child scripts inherit the lock (fd 9 and TCPSNITCH_NDK_LOCKED).
take_lock() {
  [ -z "${TCPSNITCH_NDK_LOCKED:-}" ] || return 0
  mkdir -p "$BUILD"
  exec 9>"$BUILD/.ndk.lock"
  if ! flock -n 9; then
    say "waiting for another ndk/ build in this tree to finish"
    flock -w 1800 9 || die "another ndk/ build held $BUILD/.ndk.lock for 30 minutes"
  fi
  export TCPSNITCH_NDK_LOCKED=1
}
