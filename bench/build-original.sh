#!/usr/bin/env bash
# Builds the original tcpsnitch 0.1's shim (github.com/GregoryVds/tcpsnitch)
# from a checkout of it, for `BENCH_ORIGINAL=<the .so> make bench`: nothing
# of it is kept in this repository. Its sources include kernel headers that
# Linux has since removed (IPX, IrDA, AX.25 ...): empty stand-ins take their
# place (the original guards every constant it uses with #ifdef).
#
# usage: bench/build-original.sh SRC_DIR OUT_SO
# needs: gcc, libjansson-dev, libpcap-dev
set -euo pipefail
src=${1:?usage: bench/build-original.sh SRC_DIR OUT_SO}
out=${2:?usage: bench/build-original.sh SRC_DIR OUT_SO}
[ -f "$src/libc_overrides.c" ] || { echo "build-original: $src is not a checkout of the original tcpsnitch (no libc_overrides.c)" >&2; exit 2; }
for h in jansson.h pcap.h; do
	[ -f "/usr/include/$h" ] || { echo "build-original: /usr/include/$h missing: apt-get install libjansson-dev libpcap-dev" >&2; exit 2; }
done
stubs=$(mktemp -d); trap 'rm -rf "$stubs"' EXIT
mkdir -p "$stubs/linux"
for h in ipx irda ax25 if_eql if_plip; do
	# ax25: Debian's netax25/ax25.h defines the same types; the kernel's
	# copy would clash with it.
	if [ "$h" = ax25 ] || [ ! -f "/usr/include/linux/$h.h" ]; then : >"$stubs/linux/$h.h"; fi
done
srcs=()
for f in "$src"/*.c; do srcs+=("$f"); done
# -fcommon: its headers define globals in every file that includes them, as
# gcc before 10 accepted.
gcc -O2 -g -fPIC -shared -std=gnu11 -fcommon -fvisibility=hidden -Wl,-Bsymbolic -I"$stubs" \
	"${srcs[@]}" -o "$out" -lpthread -ldl -ljansson -lpcap
echo "build-original: $out"
