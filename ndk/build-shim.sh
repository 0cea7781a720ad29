#!/usr/bin/env bash
# usage: ndk/build-shim.sh TARGET
#
# Builds libtcpsnitch.so for TARGET from shim/*.c against the static libpcap
# of ndk/build-deps.sh, strips it, checks its dynamic dependencies (libpcap
# must be inside; Android: only libc, libdl, liblog, libm) and installs it as lib/tcpsnitch/<target>/libtcpsnitch.so.
# Nothing is rebuilt when the sources, flags, toolchain and libraries are
# unchanged.
#
# TCPSNITCH_VERSION / TCPSNITCH_GIT_HASH override what git says (the Docker
# build has no .git). TCPSNITCH_SHIM_DIR (default: shim) exists to test this
# pipeline against another source tree.
# shellcheck source=ndk/lib.sh
. "$(dirname "$0")/lib.sh"

[ $# = 1 ] || die "usage: ndk/build-shim.sh TARGET (targets: $(known_targets))"
load_target "$1"
take_lock

SHIM=${TCPSNITCH_SHIM_DIR:-$ROOT/shim}
MAP=$SHIM/libtcpsnitch.map
OUT=$BUILD/$TARGET/shim
DEST=$ROOT/lib/tcpsnitch/$TARGET/libtcpsnitch.so
shopt -s nullglob
SRCS=("$SHIM"/*.c)
shopt -u nullglob
# Every file directly in shim/ is an input (headers, X-macro lists, the map);
# shim/tests/ is not.
mapfile -t INPUTS < <(find "$SHIM" -maxdepth 1 -type f | LC_ALL=C sort)
[ ${#SRCS[@]} -gt 0 ] || die "no shim sources in $SHIM"
[ -f "$MAP" ] || die "no linker version script $MAP"
STATIC_LIBS=(libpcap.a)
for lib in "${STATIC_LIBS[@]}"; do
  [ -f "$PREFIX/lib/$lib" ] || die "$PREFIX/lib/$lib missing: run ndk/build-deps.sh $TARGET first"
done

VERSION=${TCPSNITCH_VERSION:-$(git -C "$ROOT" describe --tags --always --dirty 2>/dev/null || echo dev)}
GIT_HASH=${TCPSNITCH_GIT_HASH:-$(git -C "$ROOT" rev-parse HEAD 2>/dev/null || echo unknown)}

# $T_* hold several words on purpose (flag lists from the toolchain file).
# shellcheck disable=SC2206
CFLAGS=($T_TARGET_CFLAGS -std=gnu11 -O2 -g -Wall -Wextra -fPIC -fvisibility=hidden
  -D_GNU_SOURCE -I"$SHIM" -I"$PREFIX/include" $T_SHIM_DEFINES
  "-DTCPSNITCH_VERSION=\"$VERSION\"" "-DTCPSNITCH_GIT_HASH=\"$GIT_HASH\"")
# shellcheck disable=SC2206,SC2054
LDFLAGS=(-shared -Wl,-soname,libtcpsnitch.so -Wl,--version-script="$MAP" -Wl,-z,defs $T_TARGET_LDFLAGS)
# The static archive by path, so no shared libpcap can be picked.
# shellcheck disable=SC2206
LIBS=("$PREFIX/lib/libpcap.a" $T_SHIM_LIBS)

key=$(key_of "${INPUTS[@]}" "$TARGET_FILE" "$0" "$ROOT/ndk/lib.sh" \
  "$BUILD/$DEPS_TARGET/stamps/libpcap" \
  "${CFLAGS[*]}" "${LDFLAGS[*]}" "${LIBS[*]}" "$(compiler_id)")

mkdir -p "$OUT"
if stamp_ok "$OUT/key" "$key" && [ -f "$OUT/libtcpsnitch.stripped.so" ]; then
  say "$TARGET: shim up to date"
else
  say "$TARGET: building the shim ($VERSION)"
  rm -f "$OUT/key"
  "$T_CC" "${CFLAGS[@]}" -o "$OUT/libtcpsnitch.so" "${SRCS[@]}" "${LDFLAGS[@]}" "${LIBS[@]}" ||
    die "$TARGET: shim build failed"
  "$T_STRIP" --strip-all -o "$OUT/libtcpsnitch.stripped.so" "$OUT/libtcpsnitch.so"
  echo "$key" >"$OUT/key"
fi
SO=$OUT/libtcpsnitch.stripped.so

# Dependencies: every NEEDED entry must be on the toolchain file's list.
needed=$("$T_READELF" -d "$SO" | sed -n 's/.*(NEEDED).*\[\(.*\)\].*/\1/p' | tr '\n' ' ')
for n in $needed; do
  case " $T_ALLOWED_NEEDED " in *" $n "*) ;; *)
    die "$TARGET: the shim needs $n, which is not allowed (allowed: $T_ALLOWED_NEEDED)" ;;
  esac
done
# 16 KB-page Android devices refuse segments aligned below 16 KB.
if [ "$T_OS" = android ]; then
  for align in $("$T_READELF" -lW "$SO" | awk '$1 == "LOAD" { print $NF }'); do
    [ $((align)) -ge 16384 ] || die "$TARGET: a LOAD segment is aligned to $align, below 16 KB (max-page-size flag lost?)"
  done
fi

if ! cmp -s "$SO" "$DEST"; then
  mkdir -p "$(dirname "$DEST")"
  cp "$SO" "$DEST.tmp" && mv -f "$DEST.tmp" "$DEST"
  say "$TARGET: installed ${DEST#"$ROOT"/}"
fi
echo "$TARGET: ${DEST#"$ROOT"/} $(stat -c %s "$DEST") bytes; NEEDED: ${needed:-none}"
