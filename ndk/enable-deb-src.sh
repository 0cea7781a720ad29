#!/usr/bin/env bash
# usage: ndk/enable-deb-src.sh     (root; idempotent)
#
# The pinned libpcap source (ndk/recipes/libpcap.recipe) comes from upstream,
# or, where upstream cannot be reached, from Debian's source package, whose
# orig tarball is the same file (same SHA-256). `apt-get source` needs
# deb-src entries, which a fresh Debian has not got ("Types: deb" only). This
# adds them in a file of its own, tcpsnitch-deb-src.sources (delete it to
# undo), with the same mirrors and suites as the binary entries, and updates
# apt's lists. Does nothing when some deb-src entry already exists.
set -euo pipefail
out=/etc/apt/sources.list.d/tcpsnitch-deb-src.sources

have_deb_src() {
  grep -qsE '^[[:space:]]*Types:.*deb-src' /etc/apt/sources.list.d/*.sources ||
    grep -qsE '^[[:space:]]*deb-src[[:space:]]' /etc/apt/sources.list /etc/apt/sources.list.d/*.list
}
have_deb_src && exit 0
[ "$(id -u)" = 0 ] || { echo "enable-deb-src: needs root to add $out" >&2; exit 1; }

tmp=$(mktemp)
for f in /etc/apt/sources.list.d/debian.sources /etc/apt/sources.list.d/ubuntu.sources; do
  [ -f "$f" ] && sed -e 's/^Types:.*/Types: deb-src/' -e '/^#/d' "$f"
done >"$tmp"
if [ -f /etc/apt/sources.list ]; then
  sed -n 's/^deb \(.*\)/deb-src \1/p' /etc/apt/sources.list >/etc/apt/sources.list.d/tcpsnitch-deb-src.list
  [ -s /etc/apt/sources.list.d/tcpsnitch-deb-src.list ] || rm -f /etc/apt/sources.list.d/tcpsnitch-deb-src.list
fi
if [ -s "$tmp" ]; then install -m 644 "$tmp" "$out"; fi
rm -f "$tmp"
have_deb_src || { echo "enable-deb-src: found no Debian/Ubuntu apt source to mirror as deb-src" >&2; exit 1; }
echo "enable-deb-src: added deb-src entries ($out) so that apt-get source can fetch libpcap's pinned source when its upstream is unreachable"
for i in 1 2 3 4; do
  apt-get update -q >&2 && exit 0
  echo "enable-deb-src: apt-get update failed (try $i of 4)" >&2; sleep $((i * 10))
done
exit 1
