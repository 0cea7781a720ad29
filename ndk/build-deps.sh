#!/usr/bin/env bash
# usage: ndk/build-deps.sh TARGET
#
# Builds the pinned libpcap as a static, position-independent
# library with TARGET's compiler, out of tree, into
# build/<target>/prefix/{include,lib}. Each library is rebuilt only when its
# recipe, the toolchain file, these scripts or the compiler change.
# needs: make, flex and bison (libpcap's filter grammar).
# shellcheck source=ndk/lib.sh
. "$(dirname "$0")/lib.sh"

[ $# = 1 ] || die "usage: ndk/build-deps.sh TARGET (targets: $(known_targets))"
load_target "$1"
take_lock
# A target that shares another's compiler and flags reuses its libraries.
[ -z "$T_DEPS_FROM" ] || exec "$0" "$T_DEPS_FROM"

STAMPS=$BUILD/$TARGET/stamps
OBJ=$BUILD/$TARGET/obj
mkdir -p "$STAMPS" "$OBJ" "$PREFIX"

# unpack RECIPE: print the source directory of RECIPE's verified tarball,
# unpacked once under build/src/ and shared by all targets (never built in:
# every build is out of tree).
unpack() {
  local tarball dir
  tarball=$("$ROOT/ndk/fetch.sh" "$1")
  unset "${!R_@}"
  read_kv "$ROOT/ndk/recipes/$1.recipe" R
  dir=$BUILD/src/$R_TOPDIR
  if ! stamp_ok "$dir.unpacked" "$R_SHA256"; then
    rm -rf "$dir" "$dir.unpacked"
    mkdir -p "$BUILD/src"
    tar -xzf "$tarball" -C "$BUILD/src"
    [ -d "$dir" ] || die "$tarball did not unpack to $R_TOPDIR"
    echo "$R_SHA256" >"$dir.unpacked"
  fi
  echo "$dir"
}

step_key() { key_of "$ROOT/ndk/recipes/$1.recipe" "$TARGET_FILE" "$ROOT/ndk/build-deps.sh" "$ROOT/ndk/lib.sh" "$(compiler_id)"; }

build_libpcap() {
  local src obj=$OBJ/libpcap
  src=$(unpack libpcap)
  rm -rf "$obj" && mkdir -p "$obj"
  if ! command -v flex >/dev/null || ! command -v bison >/dev/null; then
    die "libpcap needs flex and bison: apt-get install flex bison"
  fi
  # Only the plain Linux capture code: no extras that would pull in other
  # libraries (D-Bus, Bluetooth, RDMA, netmap, libnl, DPDK) or remote capture.
  # PKG_CONFIG=false: never pick up the build machine's libraries.
  (cd "$obj" && "$src/configure" --host="$T_TRIPLE" --prefix="$PREFIX" \
    --disable-shared --with-pcap=linux --disable-remote --disable-usb \
    --disable-netmap --disable-bluetooth --disable-dbus --disable-rdma \
    --without-libnl --without-dag --without-septel --without-snf \
    --without-turbocap --without-dpdk \
    CC="$T_CC $T_TARGET_CFLAGS" AR="$T_AR" RANLIB="$T_RANLIB" \
    CFLAGS="-O2 -g -fPIC" PKG_CONFIG=false) >"$obj.log" 2>&1 ||
    { tail -n 30 "$obj.log" >&2; die "libpcap: configure failed for $TARGET (log: $obj.log)"; }
  if ! { make -C "$obj" -j "$JOBS" libpcap.a && make -C "$obj" install; } >>"$obj.log" 2>&1; then
    tail -n 30 "$obj.log" >&2
    die "libpcap: build failed for $TARGET (log: $obj.log)"
  fi
}

# The shim's static dependencies (one recipe each in ndk/recipes/).
DEPS=(libpcap)
for dep in "${DEPS[@]}"; do
  key=$(step_key "$dep")
  if stamp_ok "$STAMPS/$dep" "$key" && [ -f "$PREFIX/lib/lib${dep#lib}.a" ]; then
    say "$TARGET: $dep up to date"
    continue
  fi
  say "$TARGET: building $dep"
  rm -f "$STAMPS/$dep"
  "build_$dep"
  echo "$key" >"$STAMPS/$dep"
done
