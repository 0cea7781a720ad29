# `make demo`: trace curl against a local HTTP server and show its report.
demo: all
	@scripts/demo.sh
