# tcpsnitch — top-level build. `make` builds the CLI and the Linux shims into
# bin/ and lib/tcpsnitch/ (the same layout as an installed PREFIX, so the CLI
# finds its shims next to itself with no install step).
#
# Pieces owned by other parts of the tree live in mk/*.mk (included below).

PREFIX  ?= /usr/local
GO      ?= go
CC      ?= gcc
LIBDIR  := lib/tcpsnitch
VERSION := $(shell git describe --tags --always --dirty 2>/dev/null || echo dev)
GITHASH := $(shell git rev-parse HEAD 2>/dev/null || echo unknown)

SHIM_SRC := $(wildcard shim/*.c)
SHIM_HDR := $(wildcard shim/*.h) shim/libtcpsnitch.map
SHIM_CFLAGS := -std=gnu11 -O2 -g -Wall -Wextra -fPIC -fvisibility=hidden \
	-D_GNU_SOURCE -DTCPSNITCH_VERSION='"$(VERSION)"' -DTCPSNITCH_GIT_HASH='"$(GITHASH)"'
SHIM_LDFLAGS := -shared -Wl,--version-script=shim/libtcpsnitch.map -Wl,-z,defs
# libpcap (-c) is loaded with dlopen when a capture starts (shim/pcap_api.h):
# linked, it loaded ten libraries into every traced process.
SHIM_LIBS := -ldl -lpthread
SHIM_CFLAGS += -DTCPSNITCH_PCAP_DLOPEN

.PHONY: all cli shims test test-i386 install clean deps

all: cli shims
	@if echo 'int main(void){return 0;}' | $(CC) -m32 -x c -o /dev/null - 2>/dev/null; then \
	  $(MAKE) --no-print-directory shim-i386 || echo "make: warning: the i386 shim did not build (32-bit programs will not be traced)" >&2; \
	else echo "make: no 32-bit toolchain (gcc-12-multilib): skipping the i386 shim" >&2; fi

# Build and test dependencies (Debian/Ubuntu packages), installed if missing.
deps:
	scripts/deps.sh

cli:
	$(GO) build -ldflags "-X main.version=$(VERSION) -X main.gitHash=$(GITHASH)" -o bin/tcpsnitch ./cmd/tcpsnitch

shims: $(LIBDIR)/linux-x86_64/libtcpsnitch.so preload-aliases

$(LIBDIR)/linux-x86_64/libtcpsnitch.so: $(SHIM_SRC) $(SHIM_HDR)
	@mkdir -p $(@D)
	$(CC) $(SHIM_CFLAGS) -o $@ $(SHIM_SRC) $(SHIM_LDFLAGS) $(SHIM_LIBS)

# glibc expands $LIB in LD_PRELOAD to the loader's own library directory name,
# so one LD_PRELOAD value picks the right shim for 64- and 32-bit programs.
# Debian: lib/x86_64-linux-gnu and lib32; other distributions: lib64 and lib.
preload-aliases:
	@mkdir -p $(LIBDIR)/lib
	@ln -sfn ../linux-x86_64 $(LIBDIR)/lib/x86_64-linux-gnu
	@ln -sfn linux-x86_64 $(LIBDIR)/lib64
	@if [ -f $(LIBDIR)/linux-i386/libtcpsnitch.so ]; then \
	  ln -sfn ../linux-i386 $(LIBDIR)/lib/i386-linux-gnu; \
	  ln -sfn linux-i386 $(LIBDIR)/lib32; \
	  ln -sfn ../linux-i386/libtcpsnitch.so $(LIBDIR)/lib/libtcpsnitch.so; fi

# Every Go test (unit, CLI end to end, shim per call, Android simulation),
# then the shim suite again against the i386 shim when it was built.
# deps runs first, on its own: make builds a rule's prerequisites before its
# recipe, and the build needs what deps installs. tests/gotest prints every
# skipped test with its reason and fails on a skip not in tests/skips.txt.
test:
	@$(MAKE) --no-print-directory deps
	@$(MAKE) --no-print-directory all shim-android-sim
	$(GO) run ./tests/gotest -count=1 ./...
	@if [ -f $(LIBDIR)/linux-i386/libtcpsnitch.so ]; then $(MAKE) --no-print-directory test-i386; fi

test-i386:
	TCPSNITCH_TEST_TARGET=linux-i386 $(GO) run ./tests/gotest -count=1 ./tests/shim/

install: all
	install -d $(DESTDIR)$(PREFIX)/bin $(DESTDIR)$(PREFIX)/lib/tcpsnitch
	install -m 755 bin/tcpsnitch $(DESTDIR)$(PREFIX)/bin/tcpsnitch
	cp -a $(LIBDIR)/. $(DESTDIR)$(PREFIX)/lib/tcpsnitch/

clean:
	rm -rf bin lib build

-include mk/*.mk
