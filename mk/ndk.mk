# NDK pipeline and cross-built shims: ndk/ scripts, toolchains/, Dockerfile.
# See docs/build.md. Each target below is cheap to re-run: the scripts skip
# work whose inputs did not change.
#
#   make android                  Docker: NDK r27c, every ABI, into lib/tcpsnitch/android-<abi>/
#   make android NDK=/path/ndk    the same scripts with a local NDK, no Docker
#   make android ANDROID_ABIS=arm64-v8a
#   make shim-i386 | shim-aarch64 | shim-android-sim   Linux targets (static deps inside)
#   make smoke-aarch64            run the aarch64 shim under qemu-aarch64

NDK          ?=
DOCKER       ?= docker
ANDROID_ABIS ?= arm64-v8a armeabi-v7a x86 x86_64
NDK_LIBDIR   := $(or $(LIBDIR),lib/tcpsnitch)
NDK_ENV      := TCPSNITCH_VERSION='$(VERSION)' TCPSNITCH_GIT_HASH='$(GITHASH)'

.PHONY: android shim-i386 shim-aarch64 shim-android-sim smoke-aarch64 ndk-ci

ifeq ($(NDK),)
android:
	$(DOCKER) build --build-arg ABIS="$(ANDROID_ABIS)" \
	  --build-arg TCPSNITCH_VERSION='$(VERSION)' --build-arg TCPSNITCH_GIT_HASH='$(GITHASH)' \
	  --output type=local,dest=dist .
	@for abi in $(ANDROID_ABIS); do \
	  mkdir -p $(NDK_LIBDIR)/android-$$abi && \
	  cp dist/android-$$abi/libtcpsnitch.so $(NDK_LIBDIR)/android-$$abi/ && \
	  echo "installed $(NDK_LIBDIR)/android-$$abi/libtcpsnitch.so"; done
else
android:
	NDK='$(NDK)' $(NDK_ENV) ndk/build.sh $(addprefix android-,$(ANDROID_ABIS))
endif

# The i386 shim also serves 32-bit programs through the $LIB aliases.
shim-i386:
	$(NDK_ENV) ndk/build.sh linux-i386
	$(MAKE) --no-print-directory preload-aliases

shim-aarch64:
	$(NDK_ENV) ndk/build.sh linux-aarch64

shim-android-sim:
	$(NDK_ENV) ndk/build.sh android-sim-x86_64

smoke-aarch64: shim-aarch64
	ndk/smoke-aarch64.sh

# What .ci/run calls: Linux cross targets, the qemu smoke test, Dockerfile lint.
ndk-ci:
	ndk/ci.sh
