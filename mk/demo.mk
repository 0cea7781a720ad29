# `make demo`: trace curl against a local HTTP server and show the trace.
demo: all
	@scripts/demo.sh
