#!/usr/bin/env bash
# Event-loop servers under load, traced and untraced (issue 19; see the
# "Servers" section of bench/README.md): nginx under wrk (ab when wrk is
# missing) and redis-server under redis-benchmark. The server is pinned to
# CPU 0, the load generator to CPU 1. Prints throughput and p99 latency,
# their ratios traced / untraced, and whether the trace is complete (the
# bytes it recorded on the accepted connections are the bytes the server
# itself counted). The table is also saved to build/bench/servers.md.
#
# Environment:
#   BENCH_SERVER_RUNS=3     runs per server and mode (quick: 1)
#   BENCH_WRK_SECONDS=5     length of each wrk run (quick: 2)
#   BENCH_REDIS_REQUESTS=100000  redis-benchmark requests per test, SET and GET (quick: 20000)
#   BENCH_QUICK=1           the quick sizes above
#   BENCH_ONLY_SERVERS="redis"  run only these servers (nginx, redis)
#   BENCH_TRACE_ROOT=/tmp   where traces are written
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
OUT=$ROOT/build/bench/servers.md
die() { echo "bench/servers: $*" >&2; exit 1; }

if [ "${BENCH_QUICK:-0}" = 1 ]; then
	RUNS=${BENCH_SERVER_RUNS:-1} SECS=${BENCH_WRK_SECONDS:-2} REQS=${BENCH_REDIS_REQUESTS:-20000}
else
	RUNS=${BENCH_SERVER_RUNS:-3} SECS=${BENCH_WRK_SECONDS:-5} REQS=${BENCH_REDIS_REQUESTS:-100000}
fi
for n in "$RUNS" "$SECS" "$REQS"; do
	[[ $n =~ ^[1-9][0-9]*$ ]] || die "BENCH_SERVER_RUNS, BENCH_WRK_SECONDS and BENCH_REDIS_REQUESTS must be positive whole numbers, got '$n'"
done
SERVERS=${BENCH_ONLY_SERVERS:-nginx redis}
for s in $SERVERS; do
	case $s in nginx | redis) ;; *) die "unknown server '$s' in BENCH_ONLY_SERVERS (nginx, redis)" ;; esac
done
THROUGHPUT_TARGET=0.75 # traced / untraced

# --- tools ---------------------------------------------------------------------
export PATH=$PATH:/usr/sbin:/sbin # nginx lives in /usr/sbin
need=(taskset python3)
[[ $SERVERS == *redis* ]] && need+=(redis-server redis-benchmark redis-cli)
[[ $SERVERS == *nginx* ]] && need+=(nginx)
for c in "${need[@]}"; do
	command -v "$c" >/dev/null || die "$c is missing: run scripts/deps.sh (scripts/packages/realprogs.txt)"
done
LOADGEN=wrk
command -v wrk >/dev/null || LOADGEN=ab
[[ $SERVERS == *nginx* ]] && ! command -v $LOADGEN >/dev/null &&
	die "neither wrk nor ab is installed: run scripts/deps.sh (scripts/packages/realprogs.txt)"
[ "$(nproc)" -ge 2 ] || die "needs 2 CPUs (the server on CPU 0, the load generator on CPU 1), this machine has $(nproc)"

WORK=$(mktemp -d /tmp/tcpsnitch-servers.XXXXXX)
chmod 755 "$WORK" # nginx's workers (nobody) read its files
TRACES=$(mktemp -d -p "${BENCH_TRACE_ROOT:-/tmp}" tcpsnitch-servers-traces.XXXXXX) ||
	die "cannot create a directory in BENCH_TRACE_ROOT=${BENCH_TRACE_ROOT:-/tmp}"
chmod 755 "$TRACES"
SERVER_PID=
cleanup() {
	[ -n "$SERVER_PID" ] && kill -KILL -- "-$SERVER_PID" 2>/dev/null
	rm -rf "$WORK" "$TRACES"
}
trap cleanup EXIT

# Run from a snapshot of the CLI and the shims (as bench/run.sh does).
mkdir -p "$WORK/bin" "$WORK/lib"
if [ ! -x "$ROOT/bin/tcpsnitch" ] || [ ! -d "$ROOT/lib/tcpsnitch" ]; then
	die "bin/tcpsnitch or lib/tcpsnitch is missing: run make"
fi
cp "$ROOT/bin/tcpsnitch" "$WORK/bin/"
cp -a "$ROOT/lib/tcpsnitch" "$WORK/lib/"
CLI=$WORK/bin/tcpsnitch
TRACESUM=$ROOT/bench/tracesum.py

free_port() { python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }

# start_server MODE TRACE CMD...: the server, pinned to CPU 0, in a session of
# its own (so a hung one is killed whole); under tcpsnitch when MODE says so.
start_server() {
	local mode=$1 trace=$2
	shift 2
	local prefix=(taskset -c 0)
	[ "$mode" = tcpsnitch ] && prefix+=("$CLI" -n -d "$trace")
	setsid "${prefix[@]}" "$@" >"$WORK/server.out" 2>&1 &
	SERVER_PID=$!
}

# wait_for FILE TEXT SECONDS: true once FILE holds TEXT, false if the server
# exits or the time runs out.
wait_for() {
	local i
	for ((i = 0; i < $3 * 20; i++)); do
		grep -qs -- "$2" "$1" && return 0
		kill -0 "$SERVER_PID" 2>/dev/null || return 1
		sleep 0.05
	done
	return 1
}

# stop_wait SECONDS: waits for the server to exit; kills it past the time.
stop_wait() {
	local i
	for ((i = 0; i < $1 * 20; i++)); do
		kill -0 "$SERVER_PID" 2>/dev/null || { wait "$SERVER_PID" 2>/dev/null || true; SERVER_PID=; return 0; }
		sleep 0.05
	done
	kill -KILL -- "-$SERVER_PID" 2>/dev/null || true
	wait "$SERVER_PID" 2>/dev/null || true
	SERVER_PID=
	return 1
}

# result SERVER MODE "rps p99_ms trace": one line per run in $WORK/SERVER.MODE.
result() { echo "$3" >>"$WORK/$1.$2"; }

# --- redis-server under redis-benchmark -------------------------------------------
run_redis() {
	local mode=$1 port dir trace
	port=$(free_port) dir=$WORK/redis.$RANDOM trace=$TRACES/redis.$RANDOM
	mkdir -p "$dir"
	start_server "$mode" "$trace" redis-server --port "$port" --bind 127.0.0.1 --save "" --appendonly no \
		--daemonize no --protected-mode no --dir "$dir" --logfile "$dir/redis.log"
	if ! wait_for "$dir/redis.log" "Ready to accept connections" 20; then
		echo "bench/servers: redis-server ($mode) did not start within 20 s: $(tail -c 300 "$WORK/server.out")" >&2
		stop_wait 1 || true
		result redis "$mode" "fail fail did-not-start"
		return
	fi
	taskset -c 1 redis-benchmark -h 127.0.0.1 -p "$port" -c 50 -n "$REQS" -t set,get --csv >"$WORK/load.out" 2>&1 || true
	# Throughput over SET and GET together (2 REQS requests in the sum of
	# both tests' times); p99: the larger of the two tests'.
	local perf
	perf=$(awk -F'"' -v n="$REQS" '$2 == "SET" || $2 == "GET" {t += n / $4; if ($14 > p) p = $14; k++}
		END {if (k == 2) printf "%.0f %s", 2 * n / t, p; else print "fail fail"}' "$WORK/load.out")
	# The server's own byte counts, then SHUTDOWN (18 bytes on the wire):
	# INFO's reply is not in the output count it carries.
	redis-cli -h 127.0.0.1 -p "$port" INFO stats >"$dir/info" 2>&1 || true
	local in out info_len
	in=$(sed -n 's/^total_net_input_bytes:\([0-9]*\).*/\1/p' "$dir/info")
	out=$(sed -n 's/^total_net_output_bytes:\([0-9]*\).*/\1/p' "$dir/info")
	info_len=$(wc -c <"$dir/info") # redis-cli prints the bulk reply's body as is
	redis-cli -h 127.0.0.1 -p "$port" SHUTDOWN >/dev/null 2>&1 || true
	local complete=-
	if ! stop_wait 30; then
		complete=no-exit
	elif [ "$mode" = tcpsnitch ]; then
		complete=$(trace_vs "$trace" "$((in + 18))" "$((out + info_len + 2 + 3 + ${#info_len}))")
	fi
	result redis "$mode" "$perf $complete"
	rm -rf "$dir"
}

# trace_vs TRACE RECV SENT: "complete" when the accepted sockets in TRACE
# read RECV bytes and wrote SENT, else what differs.
trace_vs() {
	local got
	got=$(python3 "$TRACESUM" "$1" 2>&1) || { echo "unreadable"; return; }
	local r s
	r=$(sed -n 's/.*recv=\([0-9]*\).*/\1/p' <<<"$got") s=$(sed -n 's/.*sent=\([0-9]*\).*/\1/p' <<<"$got")
	if [ "$r" = "$2" ] && [ "$s" = "$3" ]; then
		echo complete
	else
		echo "INCOMPLETE:read-$r/$2,sent-$s/$3"
	fi
}

# --- nginx under wrk (or ab) ---------------------------------------------------------
run_nginx() {
	local mode=$1 port dir trace user=""
	port=$(free_port) dir=$WORK/nginx.$RANDOM trace=$TRACES/nginx.$RANDOM
	mkdir -p "$dir/www" && chmod 755 "$dir" "$dir/www"
	head -c 4096 /dev/zero | tr '\0' 'x' >"$dir/www/index.html"
	# As root, the workers switch to nobody, as nginx is usually run.
	[ "$(id -u)" = 0 ] && user="user nobody nogroup;"
	cat >"$dir/nginx.conf" <<-EOF
		$user
		worker_processes 1;
		daemon off;
		pid $dir/nginx.pid;
		error_log $dir/error.log;
		events { worker_connections 1024; }
		http {
		  log_format counts '\$request_length \$bytes_sent';
		  access_log $dir/access.log counts;
		  client_body_temp_path $dir/body;
		  proxy_temp_path $dir/proxy;
		  fastcgi_temp_path $dir/fastcgi;
		  scgi_temp_path $dir/scgi;
		  uwsgi_temp_path $dir/uwsgi;
		  default_type text/plain;
		  server { listen 127.0.0.1:$port; root $dir/www; }
		}
	EOF
	local nginx=(nginx -p "$dir" -e "$dir/error.log" -c "$dir/nginx.conf")
	start_server "$mode" "$trace" "${nginx[@]}"
	if ! wait_for "$dir/nginx.pid" "" 20; then
		echo "bench/servers: nginx ($mode) did not start within 20 s: $(tail -c 300 "$WORK/server.out")" >&2
		stop_wait 1 || true
		result nginx "$mode" "fail fail did-not-start"
		return
	fi
	local url=http://127.0.0.1:$port/index.html perf
	if [ "$LOADGEN" = wrk ]; then
		taskset -c 1 wrk -t1 -c50 -d"${SECS}s" --latency "$url" >"$WORK/load.out" 2>&1 || true
		perf=$(awk '/^Requests\/sec:/ {r = $2}
			$1 == "99%" {v = $2; u = v; sub(/[0-9.]+/, "", u); sub(/[a-z]+$/, "", v)
				p = v * (u == "us" ? 0.001 : u == "s" ? 1000 : 1)}
			END {if (r && p) printf "%.0f %.3f", r, p; else print "fail fail"}' "$WORK/load.out")
	else
		taskset -c 1 ab -q -k -c 50 -t "$SECS" -n 10000000 "$url" >"$WORK/load.out" 2>&1 || true
		perf=$(awk '/^Requests per second:/ {r = $4} $1 == "99%" {p = $2}
			END {if (r && p != "") printf "%.0f %s", r, p; else print "fail fail"}' "$WORK/load.out")
	fi
	"${nginx[@]}" -s quit 2>/dev/null || true
	local complete=-
	if ! stop_wait 30; then
		complete=no-exit
	elif [ "$mode" = tcpsnitch ]; then
		local in out
		in=$(awk '{s += $1} END {print s + 0}' "$dir/access.log")
		out=$(awk '{s += $2} END {print s + 0}' "$dir/access.log")
		complete=$(trace_vs "$trace" "$in" "$out")
	fi
	result nginx "$mode" "$perf $complete"
	rm -rf "$dir"
}

# --- runs ------------------------------------------------------------------------
LOAD_START=$(cut -d' ' -f1-3 /proc/loadavg)
for s in $SERVERS; do
	for ((i = 1; i <= RUNS; i++)); do
		for mode in native tcpsnitch; do # alternating, so drift hits both
			echo "bench/servers: $s $mode run $i" >&2
			"run_$s" "$mode"
			rm -rf "${TRACES:?}"/* # a few files per run: nothing to keep
		done
	done
done

# --- table ---------------------------------------------------------------------------
median() { # FILE COLUMN
	[ -s "$1" ] || { echo -; return; }
	awk -v c="$2" '{print $c}' "$1" | sort -n | awk '
		/fail/ {bad = 1} {v[NR] = $1}
		END {if (bad || NR == 0) print "fail"; else if (NR % 2) print v[(NR + 1) / 2];
		     else printf "%.3f\n", (v[NR / 2] + v[NR / 2 + 1]) / 2}'
}
ratio() { awk -v a="$1" -v b="$2" 'BEGIN {if (a !~ /^[0-9.]+$/ || b !~ /^[0-9.]+$/ || b == 0) print "-"; else printf "%.2f", a / b}'; }
# trace column: "complete" when every run's was, else the first other verdict.
verdict() { [ -s "$1" ] || { echo -; return; }; awk '$3 != "complete" {print $3; bad = 1; exit} END {if (!bad) print "complete"}' "$1"; }

{
	echo "| server | load | mode | throughput req/s (median) | ratio | target | p99 ms (median) | p99 ratio | trace |"
	echo "|---|---|---|---:|---:|---|---:|---:|---|"
	for s in $SERVERS; do
		load="redis-benchmark -c 50 -n $REQS -t set,get"
		[ "$s" = nginx ] && load=$([ "$LOADGEN" = wrk ] && echo "wrk -t1 -c50 -d${SECS}s" || echo "ab -k -c 50 -t $SECS")
		nat_r=$(median "$WORK/$s.native" 1) nat_p=$(median "$WORK/$s.native" 2)
		for mode in native tcpsnitch; do
			r=$(median "$WORK/$s.$mode" 1) p=$(median "$WORK/$s.$mode" 2) tgt="" tr=-
			rr=$(ratio "$r" "$nat_r") pr=$(ratio "$p" "$nat_p")
			if [ "$mode" = tcpsnitch ]; then
				tr=$(verdict "$WORK/$s.$mode")
				# A server whose work went untraced costs nothing to trace:
				# its ratio says nothing until its trace is complete.
				tgt=$(awk -v x="$rr" -v t="$THROUGHPUT_TARGET" -v tr="$tr" 'BEGIN {
					if (tr != "complete") print "≥ " t "× MISS (trace not complete)";
					else print "≥ " t "× " ((x != "-" && x >= t) ? "ok" : "MISS")}')
			fi
			echo "| $s | $load | $mode | $r | $rr | $tgt | $p | $pr | $tr |"
		done
	done
	echo
	nginx_how=""
	[[ $SERVERS == *nginx* ]] && nginx_how=" nginx: $([ "$(id -u)" = 0 ] && echo "root master, one worker as nobody" || echo "one worker, same user"), a 4 KiB file."
	echo "Server pinned to CPU 0 (with the tcpsnitch CLI when traced), load generator to CPU 1; $RUNS run(s) per mode, alternating.$nginx_how Trace: the bytes the trace recorded on accepted connections equal the server's own counts (redis: INFO total_net_input/output_bytes; nginx: access log \$request_length and \$bytes_sent)."
	echo "Machine: $(nproc) CPUs, $(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -1), kernel $(uname -r); $(date -u '+%Y-%m-%d %H:%M UTC'). Load average at start: $LOAD_START; at end: $(cut -d' ' -f1-3 /proc/loadavg); tree $(git -C "$ROOT" describe --always --dirty 2>/dev/null || echo unknown)."
} >"$WORK/servers.md"
mkdir -p "$(dirname "$OUT")" && cp "$WORK/servers.md" "$OUT"
cat "$OUT"
