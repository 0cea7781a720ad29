# Benchmark of issue 4 (bench/README.md): `make bench` runs every workload
# natively, under tcpsnitch and under strace and prints a table;
# `make bench-quick` does the same with small sizes as a smoke run.
# BENCH_RUNS / BENCH_UNPINNED_RUNS / BENCH_ONLY are passed to bench/run.sh.
# Both then run bench/servers.sh: nginx and redis-server under load, traced
# and untraced (`make bench-servers` runs it alone).

BENCH_DIR := build/bench
BENCH_WORKLOADS := pingpong bulk shortconn udp pingpong_mt churn_mt fileio eventloop
BENCH_BINS := $(addprefix $(BENCH_DIR)/,$(BENCH_WORKLOADS) rsswrap fsprobe)
BENCH_CFLAGS := -std=gnu11 -O2 -g -Wall -Wextra -D_GNU_SOURCE -pthread

.PHONY: bench bench-quick bench-build bench-tracer bench-servers

bench-build: $(BENCH_BINS)

$(BENCH_DIR)/rsswrap $(BENCH_DIR)/fsprobe: $(BENCH_DIR)/%: bench/%.c
	@mkdir -p $(@D)
	$(CC) $(BENCH_CFLAGS) -o $@ $<

$(BENCH_DIR)/%: bench/%.c bench/common.c bench/common.h
	@mkdir -p $(@D)
	$(CC) $(BENCH_CFLAGS) -o $@ $< bench/common.c

# The CLI and the shim are built first but may fail while they are being
# written: run.sh then falls back to the shim alone (LD_PRELOAD), or skips the
# tcpsnitch rows and says so.
bench-tracer:
	-@$(MAKE) --no-print-directory cli
	-@$(MAKE) --no-print-directory shims

bench: bench-build bench-tracer
	bench/run.sh
	bench/servers.sh

bench-quick: bench-build bench-tracer
	BENCH_QUICK=1 bench/run.sh
	BENCH_QUICK=1 bench/servers.sh

bench-servers: bench-tracer
	bench/servers.sh

# `tcpsnitch report` on a trace of a million events (bench/report.sh).
.PHONY: bench-report
bench-report: bench-build bench-tracer
	bench/report.sh
bench: bench-report

# Dataset statistics over 100 traces / 5 M events (bench/stats.sh).
.PHONY: bench-stats
bench-stats: bench-build bench-tracer
	bench/stats.sh
bench: bench-stats
