#!/usr/bin/env bash
# Trace curl against a local HTTP server, then show the trace's report.
# Used by `make demo`. Needs curl and python3.
# TCPSNITCH overrides the binary (default: bin/tcpsnitch of this tree).
set -euo pipefail

cd "$(dirname "$0")/.."
tcpsnitch=${TCPSNITCH:-bin/tcpsnitch}
for tool in curl python3; do
	command -v "$tool" >/dev/null || { echo "demo: $tool is required (make deps installs it)" >&2; exit 1; }
done
[ -x "$tcpsnitch" ] || { echo "demo: $tcpsnitch not found: run make first" >&2; exit 1; }

work=$(mktemp -d "${TMPDIR:-/tmp}/tcpsnitch-demo-XXXXXX")
mkdir "$work/www"
echo "<html><body>Hello from the tcpsnitch demo.</body></html>" > "$work/www/index.html"

# A free port chosen by the kernel, then the server on it.
port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
python3 -m http.server "$port" --bind 127.0.0.1 --directory "$work/www" >"$work/server.log" 2>&1 &
server=$!
trap 'kill "$server" 2>/dev/null || true; wait "$server" 2>/dev/null || true' EXIT
for _ in $(seq 100); do
	curl -s -o /dev/null "http://127.0.0.1:$port/" && break
	kill -0 "$server" 2>/dev/null || { echo "demo: the HTTP server did not start:" >&2; cat "$work/server.log" >&2; exit 1; }
	sleep 0.1
done

trace="$work/trace"
echo "\$ $tcpsnitch -n -d $trace curl http://127.0.0.1:$port/"
"$tcpsnitch" -n -d "$trace" curl "http://127.0.0.1:$port/"

echo
echo "\$ $tcpsnitch report $trace"
"$tcpsnitch" report "$trace"
echo
echo "More: $tcpsnitch report --html report.html $trace (a page), --json (for scripts), --perfetto FILE (ui.perfetto.dev)."
