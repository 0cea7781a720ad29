#!/usr/bin/env bash
# usage: ndk/smoke-aarch64.sh [SHIM]
#   SHIM  default: lib/tcpsnitch/linux-aarch64/libtcpsnitch.so (ndk/build.sh linux-aarch64)
#
# Proves the cross-built aarch64 shim loads and traces: a tiny aarch64
# program opens a TCP connection to itself on 127.0.0.1 under
# qemu-aarch64 with the shim preloaded, and its spool with a socket event must
# appear in the trace directory. (The full shim test programs run under qemu
# from the Go tests with TCPSNITCH_TEST_TARGET=linux-aarch64.)
# needs: gcc-aarch64-linux-gnu, qemu-user
# shellcheck source=ndk/lib.sh
. "$(dirname "$0")/lib.sh"

shim=$(realpath -e "${1:-$ROOT/lib/tcpsnitch/linux-aarch64/libtcpsnitch.so}") ||
  die "no aarch64 shim: run ndk/build.sh linux-aarch64 first"
command -v aarch64-linux-gnu-gcc >/dev/null || die "aarch64-linux-gnu-gcc missing: apt-get install gcc-aarch64-linux-gnu"
command -v qemu-aarch64 >/dev/null || die "qemu-aarch64 missing: apt-get install qemu-user"

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
mkdir "$work/trace"
cat >"$work/selfconnect.c" <<'EOF'
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>
int main(void) {
  struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
  socklen_t len = sizeof a;
  int l = socket(AF_INET, SOCK_STREAM, 0), c = socket(AF_INET, SOCK_STREAM, 0);
  if (bind(l, (struct sockaddr *)&a, len) || listen(l, 1) || getsockname(l, (struct sockaddr *)&a, &len)) return 2;
  if (connect(c, (struct sockaddr *)&a, len) || write(c, "ping", 4) != 4) return 3;
  close(c); close(l);
  return 0;
}
EOF
aarch64-linux-gnu-gcc -O2 -o "$work/selfconnect" "$work/selfconnect.c"

# -E sets the variables for the emulated program only (qemu itself is an
# x86_64 process and must not preload an aarch64 library).
qemu-aarch64 -L /usr/aarch64-linux-gnu -E LD_PRELOAD="$shim" -E TCPSNITCH_OPT_D="$work/trace" \
  "$work/selfconnect" || die "selfconnect failed under qemu-aarch64 with the shim (exit $?)"

# The shim appends to one spool per process (docs/internals.md); the CLI,
# not run here, splits it into N.json files after the program ends.
spool=$(find "$work/trace" -name events.spool | sort | head -n1)
[ -n "$spool" ] || die "no events.spool in the trace dir; it holds: $(cd "$work/trace" && find . | tr '\n' ' ')"
grep -aq '"type": *"socket"' "$spool" || die "${spool#"$work"/} has no socket event: $(head -c 300 "$spool")"
echo "smoke-aarch64: ok: ${spool#"$work"/trace/} holds $(grep -ac '"type":' "$spool") events, a socket event among them"
