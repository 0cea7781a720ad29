#!/usr/bin/env bash
# Benchmark of issue 4: runs every workload natively, under tcpsnitch and
# under `strace -f -e trace=network`, pinned to CPU 0 and unpinned, and prints
# a markdown table (also saved to build/bench/results.md). See bench/README.md.
#
# Environment:
#   BENCH_RUNS=5           pinned runs per workload for native and tcpsnitch
#   BENCH_STRACE_RUNS=2    pinned runs under strace (slow: ~10x native)
#   BENCH_UNPINNED_RUNS=3  unpinned runs per workload, native and tcpsnitch
#   BENCH_STRACE_UNPINNED_RUNS=1  unpinned runs under strace
#   BENCH_QUICK=1          small sizes, 3/1/1/1 runs: a smoke run under a minute
#   BENCH_ONLY="udp bulk"  run only these workloads
#   BENCH_TRACE_ROOT=/tmp  where traces are written (/dev/shm: tmpfs, which
#                          leaves out ext4's cost of creating one file per socket)
#   BENCH_DROP_CACHES=1    sync and drop the kernel's caches once at start (root)
#   BENCH_TRACER=auto|cli|shim  how to run tcpsnitch (auto: the CLI if it
#                          traces a probe program, else LD_PRELOAD of the shim)
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
OUT=$ROOT/build/bench/results.md

QUICK=${BENCH_QUICK:-0}
if [ "$QUICK" = 1 ]; then
	RUNS=${BENCH_RUNS:-3} STRACE_RUNS=${BENCH_STRACE_RUNS:-1} UNPINNED_RUNS=${BENCH_UNPINNED_RUNS:-1}
else
	RUNS=${BENCH_RUNS:-5} STRACE_RUNS=${BENCH_STRACE_RUNS:-2} UNPINNED_RUNS=${BENCH_UNPINNED_RUNS:-3}
fi
STRACE_UNPINNED_RUNS=${BENCH_STRACE_UNPINNED_RUNS:-1}
for n in "$RUNS" "$STRACE_RUNS" "$UNPINNED_RUNS" "$STRACE_UNPINNED_RUNS"; do
	[[ $n =~ ^[0-9]+$ ]] || { echo "bench: run counts must be whole numbers, got '$n'" >&2; exit 2; }
done
[ "$RUNS" -gt 0 ] || { echo "bench: BENCH_RUNS must be at least 1" >&2; exit 2; }

# name  full-size  quick-size  target: the program's own run time under
# tcpsnitch / native, pinned (issue 19: 1.3 for the connection-heavy rows,
# where the trace's files are now made after the program ends)
WORKLOADS="
pingpong    200000  5000   1.5
bulk        2048    64     1.1
shortconn   5000    300    1.3
udp         200000  5000   1.5
pingpong_mt 200000  5000   2
churn_mt    2000    100    1.3
fileio      1000000 50000  1.05
eventloop   100000  10000  2
"
SAVED_OVER_FLOOR=0.3 # time to "Trace saved" / native <= file floor + this
RSS_TARGET_KB=$((32 * 1024)) # tcpsnitch peak RSS <= native + 32 MiB

die() { echo "bench: $*" >&2; exit 1; }

WORK=$(mktemp -d /tmp/tcpsnitch-bench.XXXXXX)
TRACES=$(mktemp -d -p "${BENCH_TRACE_ROOT:-/tmp}" tcpsnitch-bench-traces.XXXXXX) ||
	die "cannot create a directory in BENCH_TRACE_ROOT=${BENCH_TRACE_ROOT:-/tmp}"
trap 'rm -rf "$WORK" "$TRACES"' EXIT

# Run from a snapshot of the binaries, the CLI and the shim: other work in the
# tree (make clean, a rebuilt shim) must not change them in the middle of a run.
make -s --no-print-directory -C "$ROOT" bench-build || die "cannot build the workloads"
mkdir -p "$WORK/bin" "$WORK/lib"
BIN=$WORK/bin
cp "$ROOT"/build/bench/* "$BIN/"
[ -x "$ROOT/bin/tcpsnitch" ] && cp "$ROOT/bin/tcpsnitch" "$BIN/tcpsnitch"
[ -d "$ROOT/lib/tcpsnitch" ] && cp -a "$ROOT/lib/tcpsnitch" "$WORK/lib/"
CLI=$BIN/tcpsnitch # finds its shims in $WORK/lib/tcpsnitch
SHIM=$WORK/lib/tcpsnitch/linux-x86_64/libtcpsnitch.so

for w in ${BENCH_ONLY:-}; do
	grep -qw "^$w" <<<"$WORKLOADS" || die "unknown workload '$w' in BENCH_ONLY"
done

# --- tools -----------------------------------------------------------------
need_pkgs=()
command -v taskset >/dev/null || need_pkgs+=(util-linux)
command -v strace >/dev/null || need_pkgs+=(strace)
if [ ${#need_pkgs[@]} -gt 0 ]; then
	echo "bench: installing ${need_pkgs[*]}" >&2
	apt-get install -y -qq "${need_pkgs[@]}" >/dev/null || die "cannot install ${need_pkgs[*]}"
fi

# --- how to run tcpsnitch ----------------------------------------------------
# tracer_cmd DIR: the command prefix that runs a program under tcpsnitch,
# writing its trace to DIR (which exists and is empty).
cli_works() {
	[ -x "$CLI" ] || return 1
	local d=$WORK/probe
	rm -rf "$d" && mkdir "$d"
	"$CLI" -n -d "$d" "$BIN/shortconn" 3 >"$WORK/probe.log" 2>&1 || return 1
	grep -q '^bench: calls=' "$WORK/probe.log" || return 1
	[ -n "$(find "$d" -name '*.json' -print -quit)" ]
}
TRACER=${BENCH_TRACER:-auto}
case $TRACER in
auto) if cli_works; then TRACER=cli; else TRACER=shim; fi ;;
cli) cli_works || die "bin/tcpsnitch does not trace a probe program (see $WORK/probe.log)" ;;
shim) ;;
*) die "BENCH_TRACER must be auto, cli or shim, got '$TRACER'" ;;
esac
MODES="native tcpsnitch"
if [ "$TRACER" = shim ] && [ ! -f "$SHIM" ]; then
	[ "${BENCH_TRACER:-auto}" = shim ] && die "lib/tcpsnitch/linux-x86_64/libtcpsnitch.so is missing: run make"
	echo "bench: no working bin/tcpsnitch and no libtcpsnitch.so: tcpsnitch rows skipped" >&2
	MODES=native TRACER=none
fi
# The original tcpsnitch 0.1, when built for the measurement
# (bench/build-original.sh): its shim alone, with every option it reads
# set to its defaults (it refuses to start with one missing).
ORIGINAL=
if [ -n "${BENCH_ORIGINAL:-}" ]; then
	[ -f "$BENCH_ORIGINAL" ] || die "BENCH_ORIGINAL=$BENCH_ORIGINAL is not a file: build it with bench/build-original.sh"
	cp "$BENCH_ORIGINAL" "$WORK/lib/original.so" && ORIGINAL=$WORK/lib/original.so
	MODES="$MODES original"
fi
original_cmd() {
	echo "env LD_PRELOAD=$ORIGINAL TCPSNITCH_OPT_B=0 TCPSNITCH_OPT_C=0 TCPSNITCH_OPT_D=$1 TCPSNITCH_OPT_F=2 TCPSNITCH_OPT_L=2 TCPSNITCH_OPT_T=1000 TCPSNITCH_OPT_U=0 TCPSNITCH_OPT_V=0"
}
tracer_cmd() {
	if [ "$TRACER" = cli ]; then
		echo "$CLI -n -d $1"
	else
		echo "env LD_PRELOAD=$SHIM TCPSNITCH_OPT_D=$1"
	fi
}

# --- one run -------------------------------------------------------------------
# run_once MODE PIN WORKLOAD SIZE: appends "secs rss_kb calls events dropped
# prog_secs" to $WORK/<workload>.<mode>.<pin>: secs is the whole command
# (for tcpsnitch: until "Trace saved"), prog_secs the program's own run
# time (rsswrap: fork to exit). events/dropped are "-" outside tcpsnitch.
# Each run traces into a new directory. Traces of a few files are deleted
# after the run; those of thousands of files (one per socket) are written
# back (outside the timing, as deleting did for the others) and stay until the
# end: on ext4 without a journal, files created where thousands were just
# deleted cost up to 10x more (the allocator steps over recently deleted
# inodes one by one), which would charge the benchmark's own cleanup to the
# next run.
RUN_SEQ=0
run_once() {
	local mode=$1 pin=$2 w=$3 size=$4 trace prefix=()
	RUN_SEQ=$((RUN_SEQ + 1))
	trace=$TRACES/run.$RUN_SEQ
	rm -f "$WORK/rss" && mkdir "$trace"
	[ "$pin" = pinned ] && prefix=(taskset -c 0)
	case $mode in
	tcpsnitch) read -ra t <<<"$(tracer_cmd "$trace")"; prefix+=("${t[@]}") ;;
	original) read -ra t <<<"$(original_cmd "$trace")"; prefix+=("${t[@]}") ;;
	strace) prefix+=(strace -f -e trace=network -o /dev/null) ;;
	esac
	local start=$EPOCHREALTIME status=0
	rm -f "$WORK/saved"
	# The clock stops when the CLI prints "Trace saved" (its summary of the
	# trace comes after it); for the other modes, at the command's end.
	# A tracer that hangs the program (the original 0.1 did, on the
	# 8-thread churn) fails the run instead of the benchmark: timeout
	# kills the whole process group, children that hold the pipe included.
	timeout -k 10 "${BENCH_RUN_TIMEOUT:-300}" "${prefix[@]}" "$BIN/rsswrap" "$WORK/rss" "$BIN/$w" "$size" 2>&1 |
		awk -v f="$WORK/saved" '/^Trace saved in / && !seen {"date +%s.%N" | getline t; print t > f; close(f); seen = 1} {print}' \
			>"$WORK/log" || true
	status=${PIPESTATUS[0]}
	local end=$EPOCHREALTIME
	[ -s "$WORK/saved" ] && end=$(cat "$WORK/saved")
	if [ $status -ne 0 ] || ! grep -q '^bench: calls=' "$WORK/log"; then
		echo "bench: $w ($mode, $pin) failed with status $status:" >&2
		tail -5 "$WORK/log" >&2
		echo "fail fail fail fail fail fail" >>"$WORK/$w.$mode.$pin"
		return
	fi
	local calls events=- dropped=-
	calls=$(sed -n 's/^bench: calls=//p' "$WORK/log" | tail -1)
	if [ "$mode" = tcpsnitch ] || [ "$mode" = original ]; then
		# One JSON line per event; tcp_info samples and pseudo events
		# (forked_socket, ghost_socket) are not calls the program made.
		# A spool (the shim alone, no CLI to split it) holds the same
		# lines after its record headers ("@<socket> <length>").
		events=$(find "$trace" \( -name '*.json' -o -name events.spool \) -exec cat {} + | grep -v '^@' |
			grep -cvE '"type": ?"tcp_info"|"fake_call": ?true' || true)
		# Like the original, the shim may record an accept both in the
		# listener's file and as the first event of the accepted socket's
		# file: one call, two lines. Count such a call once.
		local acc_all acc_first
		acc_all=$(find "$trace" -name '*.json' -exec cat {} + | grep -cE '"type": ?"accept4?"' || true)
		acc_first=$(find "$trace" -name '*.json' -exec head -qn1 {} + | grep -cE '"type": ?"accept4?"' || true)
		[ "$acc_all" -gt "$acc_first" ] && events=$((events - acc_first))
		dropped=$(find "$trace" -name logs.txt -exec cat {} + |
			sed -n 's/.*tcpsnitch: [0-9]* events recorded, \([0-9]*\) dropped.*/\1/p' |
			awk '{s += $1} END {print s + 0}')
	fi
	local rss prog
	read -r rss prog <"$WORK/rss"
	echo "$(awk -v a="$start" -v b="$end" 'BEGIN {printf "%.3f", b - a}') $rss $calls $events $dropped $prog" \
		>>"$WORK/$w.$mode.$pin"
	if [ "$(find "$trace" -type f | head -101 | wc -l)" -gt 100 ]; then
		# Kept: write it back now, or the kernel's writeback of thousands
		# of files would run during (and slow down) the next runs.
		sync -f "$trace"
		if [ "$mode.$pin" = tcpsnitch.pinned ]; then file_floor "$w" "$trace"; fi
	else
		rm -rf "$trace"
	fi
}

# file_floor WORKLOAD TRACE: writes TRACE's files again (same names and sizes,
# no tracing; bench/fsprobe.c --replay), pinned, right after the run that made
# them, and appends "secs files" to $WORK/<workload>.floor: the part of the
# ratio that is the trace format on this file system, whoever writes it.
file_floor() {
	local dest=$TRACES/floor.$RUN_SEQ
	taskset -c 0 "$BIN/fsprobe" --replay "$2" "$dest" >>"$WORK/$1.floor" 2>"$WORK/floor.err" ||
		echo "bench: file floor of $1 failed: $(head -1 "$WORK/floor.err")" >&2
	sync -f "$dest" 2>/dev/null || true
}

# fs_probe NAME: microseconds to create one small file in the trace root.
fs_probe() { "$BIN/fsprobe" "$TRACES/fsprobe.$1" 2000 2>/dev/null || echo "?"; }

command -v strace >/dev/null && MODES="$MODES strace"

runs_for() { # MODE PIN
	case $1.$2 in
	strace.pinned | original.pinned) echo "$STRACE_RUNS" ;;
	strace.unpinned | original.unpinned) echo "$STRACE_UNPINNED_RUNS" ;;
	*.unpinned) echo "$UNPINNED_RUNS" ;;
	*) echo "$RUNS" ;;
	esac
}

selected() { [ -z "${BENCH_ONLY:-}" ] || grep -qw "$1" <<<"$BENCH_ONLY"; }

LOAD_START=$(cut -d' ' -f1-3 /proc/loadavg) # other work on the machine skews results
# Start from a file system without recently deleted inodes in its caches:
# the previous benchmark's cleanup (hundreds of thousands of trace files) would
# otherwise make every file created here for the next minutes cost 10-25x
# more on ext4 without a journal (see bench/README.md). Root only; written
# back first, so nothing is lost. BENCH_DROP_CACHES=0 skips it.
DROPPED="no"
if [ "${BENCH_DROP_CACHES:-1}" = 1 ] && [ -w /proc/sys/vm/drop_caches ]; then
	sync && echo 3 >/proc/sys/vm/drop_caches && DROPPED="yes"
fi
FS_START=$(fs_probe start)
# Modes alternate inside each round so slow drift of the machine hits all.
while read -r w full quick target; do
	[ -n "$w" ] && selected "$w" || continue
	size=$full && [ "$QUICK" = 1 ] && size=$quick
	for pin in pinned unpinned; do
		max=0
		for m in $MODES; do n=$(runs_for "$m" "$pin"); [ "$n" -gt "$max" ] && max=$n; done
		for ((i = 1; i <= max; i++)); do
			for m in $MODES; do
				[ "$i" -le "$(runs_for "$m" "$pin")" ] || continue
				echo "bench: $w size=$size $m $pin run $i" >&2
				run_once "$m" "$pin" "$w" "$size"
			done
		done
	done
done <<<"$WORKLOADS"

# --- table ---------------------------------------------------------------------
# Every helper prints "-" for a mode that had no run (its file is missing).
median() { # FILE COLUMN: median of that column, "fail" if any run failed
	[ -s "$1" ] || { echo -; return; }
	awk -v c="$2" '{print $c}' "$1" | sort -n | awk '
		/fail/ {bad = 1} {v[NR] = $1}
		END {if (bad || NR == 0) print "fail"; else if (NR % 2) print v[(NR + 1) / 2];
		     else printf "%.3f\n", (v[NR / 2] + v[NR / 2 + 1]) / 2}'
}
maxcol() { [ -s "$1" ] || { echo -; return; }; awk -v c="$2" '$c != "fail" && $c > m {m = $c} END {print m + 0}' "$1"; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN {if (a !~ /^[0-9.]+$/ || b !~ /^[0-9.]+$/ || b == 0) print "-"; else printf "%.2f", a / b}'; }
# events vs calls over all runs: "N = N" when every run matched, else the
# first run that did not, marked MISMATCH.
events_vs_calls() {
	[ -s "$1" ] || { echo -; return; }
	awk '$1 != "fail" {
		if ($4 != $3 && !bad) {bad = 1; e = $4; c = $3}
		if (!bad) {e = $4; c = $3}
		if ($5 != "-" && $5 > 0) drop += $5}
	END {if (c == "") print "-"; else if (bad) printf "%s vs %s MISMATCH", e, c;
	     else printf "%s = %s", e, c; if (drop) printf " (%d dropped)", drop}' "$1"
}

# floor_line: for the workloads whose traces have thousands of files, what
# writing those files alone cost (median over the pinned runs) next to native.
floor_line() {
	local w full quick target parts=() nat fl files
	while read -r w full quick target; do
		[ -n "$w" ] && [ -s "$WORK/$w.floor" ] || continue
		nat=$(median "$WORK/$w.native.pinned" 1)
		fl=$(median "$WORK/$w.floor" 1)
		files=$(median "$WORK/$w.floor" 2 | sed 's/\.000$//')
		parts+=("$w: $files files in $fl s = $(ratio "$fl" "$nat")× native, so $(awk -v f="$fl" -v n="$nat" 'BEGIN {printf "%.2f", 1 + f / n}')× is the floor")
	done <<<"$WORKLOADS"
	[ ${#parts[@]} -gt 0 ] || return 0
	local joined
	joined=$(printf '%s; ' "${parts[@]}")
	echo "Writing the trace's files alone, same names and sizes, no tracing (bench/fsprobe.c --replay, pinned, after each traced run): ${joined%; }."
}

{
	echo "| workload | mode | program s (pinned) | program ratio | target | until Trace saved s (pinned) | ratio | target (file floor + $SAVED_OVER_FLOOR) | until Trace saved s (unpinned) | ratio (unpinned) | peak RSS KiB | events recorded vs calls made |"
	echo "|---|---|---:|---:|---|---:|---:|---|---:|---:|---:|---|"
	while read -r w full quick target; do
		[ -n "$w" ] && selected "$w" || continue
		nat_p=$(median "$WORK/$w.native.pinned" 1)
		nat_prog=$(median "$WORK/$w.native.pinned" 6)
		floor_x=-
		[ -s "$WORK/$w.floor" ] && floor_x=$(awk -v f="$(median "$WORK/$w.floor" 1)" -v n="$nat_p" 'BEGIN {printf "%.2f", 1 + f / n}')
		nat_u=$(median "$WORK/$w.native.unpinned" 1)
		nat_rss=$(maxcol "$WORK/$w.native.pinned" 2)
		for m in $MODES; do
			p=$(median "$WORK/$w.$m.pinned" 1)
			prog=$(median "$WORK/$w.$m.pinned" 6)
			rprog=$(ratio "$prog" "$nat_prog") stgt=""
			u=$(median "$WORK/$w.$m.unpinned" 1)
			rss=$(cat "$WORK/$w.$m.pinned" "$WORK/$w.$m.unpinned" 2>/dev/null >"$WORK/both" || true; maxcol "$WORK/both" 2)
			rp=$(ratio "$p" "$nat_p") ru=$(ratio "$u" "$nat_u") tgt="" ev="calls $(median "$WORK/$w.$m.pinned" 3 | sed 's/\.000$//')"
			if [ "$m" = tcpsnitch ]; then
				tgt=$(awk -v r="$rprog" -v t="$target" 'BEGIN {print "≤ " t "× " ((r != "-" && r <= t) ? "ok" : "MISS")}')
				[ "$floor_x" != - ] && stgt=$(awk -v r="$rp" -v f="$floor_x" -v o="$SAVED_OVER_FLOOR" \
					'BEGIN {t = f + o; printf "≤ %.2f× %s", t, (r != "-" && r <= t) ? "ok" : "MISS"}')
				[ "$rss" != - ] && [ "$nat_rss" != - ] && [ $((rss - nat_rss)) -gt $RSS_TARGET_KB ] &&
					rss="$rss (MISS: > native + 32 MiB)"
			fi
			case $m in tcpsnitch | original) ev=$(events_vs_calls "$WORK/$w.$m.pinned") ;; esac
			echo "| $w | $m | $prog | $rprog | $tgt | $p | $rp | $stgt | $u | $ru | $rss | $ev |"
		done
	done <<<"$WORKLOADS"
	echo
	echo "Machine: $(nproc) CPUs, $(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -1), kernel $(uname -r); $(date -u '+%Y-%m-%d %H:%M UTC')."
	echo "Load average (1/5/15 min) at start: $LOAD_START; at end: $(cut -d' ' -f1-3 /proc/loadavg)."
	echo "Creating a small file in the trace root ($(df --output=fstype "$TRACES" | tail -1 | tr -d ' ')) cost $FS_START µs at start, $(fs_probe end) µs at end (bench/fsprobe.c: open, write 300 B, close); caches dropped at start: $DROPPED."
	floor_line
	echo "Runs: $RUNS pinned (strace: $STRACE_RUNS), $UNPINNED_RUNS unpinned (strace: $STRACE_UNPINNED_RUNS); sizes: $([ "$QUICK" = 1 ] && echo quick || echo full); tcpsnitch via $TRACER, traces in ${BENCH_TRACE_ROOT:-/tmp}; tree $(git -C "$ROOT" describe --always --dirty 2>/dev/null || echo unknown)."
} >"$WORK/results.md"
mkdir -p "$(dirname "$OUT")" && cp "$WORK/results.md" "$OUT"
cat "$OUT"
