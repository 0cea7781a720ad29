#!/usr/bin/env bash
# Speed of the dataset statistics (issue 17), run by `make bench-stats` and
# at the end of `make bench`: a real trace of about 50 000 events (the
# pingpong workload, 12 500 rounds), its aggregate computed as the server's
# import does, then a dataset of 100 such traces (5 million events)
# combined and listed as a page request does. Target: < 2 s per request.
# The copies share one aggregate: traces of different programs have more
# distinct values (buffer sizes, errnos), so the aggregate of each is
# bigger; the time grows with the aggregates, not with the events.
# BENCH_STATS_ROUNDS / BENCH_STATS_TRACES override the sizes.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT"
rounds=${BENCH_STATS_ROUNDS:-12500}
traces=${BENCH_STATS_TRACES:-100}
[[ $rounds =~ ^[0-9]+$ && $traces =~ ^[0-9]+$ ]] || { echo "bench/stats: BENCH_STATS_ROUNDS and BENCH_STATS_TRACES must be whole numbers" >&2; exit 2; }
[ -x bin/tcpsnitch ] && [ -x build/bench/pingpong ] || { echo "bench/stats: run make cli shims bench-build first" >&2; exit 1; }
work=$(mktemp -d /tmp/tcpsnitch-bench-stats.XXXXXX)
trap 'rm -rf "$work"' EXIT
bin/tcpsnitch -n -d "$work/trace" build/bench/pingpong "$rounds" >/dev/null 2>"$work/run.err" ||
	{ cat "$work/run.err" >&2; exit 1; }
go run ./bench/statsdataset "$work/trace" "$traces"
