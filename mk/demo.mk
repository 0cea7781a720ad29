# `make demo`: on a fresh machine too, install the build dependencies, build,
# then trace curl against a local HTTP server and show the trace's report. The
# steps run one after the other (as prerequisites, `all` would be built before
# `deps` had installed what it needs).
.PHONY: demo
demo:
	@$(MAKE) --no-print-directory deps
	@$(MAKE) --no-print-directory all
	@scripts/demo.sh
