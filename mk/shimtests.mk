# Shim test suite (tests/shim drives the C programs of shim/tests under the
# shim). `make test-shim` for the default target; the 32-bit and aarch64
# variants build their shim first.

.PHONY: test-shim test-shim-i386 test-shim-aarch64

test-shim: shims
	$(GO) test ./internal/tracefile ./tests/shim

test-shim-i386: shims shim-i386
	TCPSNITCH_TEST_TARGET=linux-i386 $(GO) run ./tests/gotest -count=1 ./tests/shim

test-shim-aarch64: shim-aarch64
	TCPSNITCH_TEST_TARGET=linux-aarch64 $(GO) run ./tests/gotest -count=1 ./tests/shim
