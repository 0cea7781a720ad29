#!/usr/bin/env bash
# Collection server benchmark (issue 16): import rate of a generated
# 1-million-event trace into SQLite and PostgreSQL, and the time to render
# the trace's page and a socket page once imported. Prints the wall-clock
# rate and the rate per CPU second (this machine is shared: the wall rate
# drops with its load average, printed too).
#
# usage: bench/serve.sh            (BENCH_QUICK=1: 100 000 events)
set -euo pipefail
cd "$(dirname "$0")/.."
events=1000000
[ -n "${BENCH_QUICK:-}" ] && events=100000
mkdir -p build/bench
go build -o build/bench/serveimport ./bench/serveimport
echo "== tcpsnitch serve: import of a ${events}-event trace (load average: $(cut -d' ' -f1-3 /proc/loadavg)) =="
build/bench/serveimport -events "$events"
build/bench/serveimport -events "$events" -db pg
