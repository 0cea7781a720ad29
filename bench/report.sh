#!/usr/bin/env bash
# Speed of `tcpsnitch report` (issue 15), run by `make bench-report` and at
# the end of `make bench`: a real trace of about a million events (the
# pingpong workload, 250 000 rounds: a send and a recv on each side), then
#   report          target < 3 s and < 200 MB peak RSS (it streams)
#   report --html   target < 5 s, page < 20 MB
#   report --json and --perfetto, for the record.
# Wall time is the target; CPU time (user + sys) is printed next to it
# because the machine is often shared.
# BENCH_REPORT_ROUNDS overrides the size (events ~ 4 x rounds).
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT"
rounds=${BENCH_REPORT_ROUNDS:-250000}
[[ $rounds =~ ^[0-9]+$ ]] || { echo "bench/report: BENCH_REPORT_ROUNDS must be a whole number" >&2; exit 2; }
[ -x bin/tcpsnitch ] && [ -x build/bench/pingpong ] || { echo "bench/report: run make cli shims bench-build first" >&2; exit 1; }
command -v /usr/bin/time >/dev/null || { echo "bench/report: /usr/bin/time is needed (Debian package time)" >&2; exit 1; }

work=$(mktemp -d /tmp/tcpsnitch-bench-report.XXXXXX)
trap 'rm -rf "$work"' EXIT
bin/tcpsnitch -n -d "$work/trace" build/bench/pingpong "$rounds" >/dev/null 2>"$work/run.err" ||
	{ cat "$work/run.err" >&2; exit 1; }
events=$(find "$work/trace" -name '[0-9]*.json' -exec cat {} + | wc -l)
size=$(du -sm "$work/trace" | cut -f1)
sync
printf '\nreport on a trace of %d events (%d MB, %d sockets)\n' "$events" "$size" \
	"$(find "$work/trace" -name '[0-9]*.json' | wc -l)"
printf '%-22s %8s %8s %10s %10s  %s\n' "command" "seconds" "cpu s" "peak RSS" "output" "target"

fail=0
# measure NAME TARGET_S TARGET_MB OUTPUT ARGS...: best of 3 runs.
measure() {
	local name=$1 tsec=$2 tmb=$3 out=$4; shift 4
	local best_s="" best_kb="" best_cpu=""
	for _ in 1 2 3; do
		/usr/bin/time -f '%e %M %U %S' -o "$work/time" bin/tcpsnitch report "$@" >"$work/stdout" 2>"$work/stderr" ||
			{ cat "$work/stderr" >&2; exit 1; }
		read -r s kb u sy <"$work/time"
		if [ -z "$best_s" ] || awk "BEGIN{exit !($s < $best_s)}"; then best_s=$s; best_kb=$kb; best_cpu=$(awk "BEGIN{print $u + $sy}"); fi
	done
	local outsz=$(( $(stat -c %s "${out:-$work/stdout}") / 1024 ))
	local verdict="" target=""
	if [ -n "$tsec" ]; then
		target="< ${tsec} s${tmb:+, < ${tmb} MB RSS}"
		if awk "BEGIN{exit !($best_s < $tsec && $best_kb < ${tmb:-1000000} * 1024)}"; then verdict=ok; else verdict=MISS; fail=1; fi
	fi
	printf '%-22s %8s %8s %7d MB %7d kB  %s %s\n' "$name" "$best_s" "$best_cpu" $((best_kb / 1024)) "$outsz" "$target" "$verdict"
}
measure "report"            3 200 "" "$work/trace"
measure "report --json"     "" "" "" --json "$work/trace"
measure "report --html"     5 "" "$work/page.html" --html "$work/page.html" "$work/trace"
page_kb=$(( $(stat -c %s "$work/page.html") / 1024 ))
if [ "$page_kb" -lt $((20 * 1024)) ]; then echo "page size: $page_kb kB (target < 20 MB) ok"; else echo "page size: $page_kb kB (target < 20 MB) MISS"; fail=1; fi
measure "report --perfetto" "" "" "$work/p.json" --perfetto "$work/p.json" "$work/trace"
# A missed target is reported, not an error (as bench/run.sh does): the
# machine may be shared.
[ "$fail" = 0 ] || echo "bench/report: a target was missed (MISS above)"
