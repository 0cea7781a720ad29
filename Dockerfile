# The NDK pipeline: builds libtcpsnitch.so for every Android ABI with a
# pinned NDK and the same ndk/ scripts as `make android NDK=/path`.
#
#   docker build --output type=local,dest=dist .
#     -> dist/android-<abi>/libtcpsnitch.so for each ABI in ABIS
#   docker build --build-arg ABIS=arm64-v8a --output type=local,dest=dist .
#
# `make android` runs this and copies dist/ into lib/tcpsnitch/ (docs/build.md).

# Debian 12.11 "bookworm" slim, by tag and digest (the digest is what counts).
ARG DEBIAN_IMAGE=debian:bookworm-20250520-slim@sha256:90522eeb7e5923ee2b871c639059537b30521272f10ca86fdbbbb2b75a8c40cd

FROM ${DEBIAN_IMAGE} AS ndk
SHELL ["/bin/bash", "-o", "pipefail", "-c"]
# flex, bison: libpcap's filter grammar.
RUN apt-get update \
 && apt-get install -y --no-install-recommends \
      bison ca-certificates curl flex make unzip \
 && rm -rf /var/lib/apt/lists/*
# NDK r27c (27.2.12479018), the r27 LTS line: android-ndk-r27c-linux.zip is
# 663987688 bytes; Google lists its SHA-1 090e8083a715fdb1a3e402d0763c388abb03fb4e.
# Another release needs both arguments; an empty checksum is refused.
ARG NDK_VERSION=r27c
ARG NDK_SHA256=59c2f6dc96743b5daf5d1626684640b20a6bd2b1d85b13156b90333741bad5cc
RUN [ -n "${NDK_SHA256}" ] || { echo "NDK_SHA256 is empty: refusing an unverified NDK" >&2; exit 1; } \
 && curl -fsSL -o /tmp/ndk.zip "https://dl.google.com/android/repository/android-ndk-${NDK_VERSION}-linux.zip" \
 && echo "${NDK_SHA256}  /tmp/ndk.zip" | sha256sum -c - \
 && unzip -q /tmp/ndk.zip -d /opt \
 && rm /tmp/ndk.zip \
 && mv "/opt/android-ndk-${NDK_VERSION}" /opt/ndk
ENV NDK=/opt/ndk

FROM ndk AS build
WORKDIR /src
# Only what the pipeline reads: the build context's bin/, lib/, build/ and
# .git stay out of the image.
COPY toolchains/ toolchains/
COPY ndk/ ndk/
COPY shim/ shim/
# No .git in here: make android passes what git says.
ARG TCPSNITCH_VERSION=dev
ARG TCPSNITCH_GIT_HASH=unknown
ARG ABIS="arm64-v8a armeabi-v7a x86 x86_64"
# The container's apt setup is disposable: the Debian source fallback may
# add deb-src lines to it (ndk/fetch.sh), if upstream cannot be reached.
ENV TCPSNITCH_ALLOW_DEB_SRC=1
RUN targets=(); for abi in ${ABIS}; do targets+=("android-${abi}"); done \
 && TCPSNITCH_VERSION="${TCPSNITCH_VERSION}" TCPSNITCH_GIT_HASH="${TCPSNITCH_GIT_HASH}" \
      ndk/build.sh "${targets[@]}" \
 && for t in "${targets[@]}"; do \
      mkdir -p "/out/${t}" && cp "lib/tcpsnitch/${t}/libtcpsnitch.so" "/out/${t}/"; \
    done

# Only the libraries: `--output type=local,dest=dist` writes this stage's files.
FROM scratch
COPY --from=build /out/ /
