#!/usr/bin/env bash
# usage: ndk/lint-dockerfile.sh [DOCKERFILE]   (default: ./Dockerfile)
#
# hadolint cannot be installed here (not in Debian; the npm "hadolint"
# package downloads the binary from GitHub at run time), so this checks the
# Dockerfile for what matters to this pipeline, plus the hadolint rules that
# apply to it (ids in brackets). One line per problem; exit 1 if any.
#   pin-base     every base image is scratch, an earlier stage, or pinned by
#                @sha256 digest (no :latest)
#   pin-ndk      NDK_VERSION is an r27 LTS release; NDK_SHA256 is 64 hex digits
#   verify-ndk   the download is checked with sha256sum -c and an empty
#                checksum is refused
#   final-scratch  the last stage is FROM scratch (docker build --output)
#   copy-exists  every COPY source exists in the repository
#   [DL3020] ADD only for local files   [DL3027] apt-get, not apt
#   [DL3015] --no-install-recommends    [DL3009] apt lists removed in the same RUN
#   [DL4006] pipefail set before a RUN with a pipe   [DL3000] absolute WORKDIR
#   [DL4001/DL4006] no `curl | sh`
set -euo pipefail
df=${1:-Dockerfile}
[ -f "$df" ] || { echo "lint-dockerfile: no $df" >&2; exit 1; }
ctx=$(cd "$(dirname "$df")" && pwd)
problems=0
bad() { echo "$df: $1: $2" >&2; problems=$((problems + 1)); }

# Logical instructions: continuation lines joined, comments dropped.
mapfile -t ins < <(awk '/^[[:space:]]*#/ { next }
  { line = line $0 }
  /\\$/ { sub(/\\$/, "", line); next }
  { if (line ~ /[^[:space:]]/) print line; line = "" }' "$df")

declare -A arg stages
pipefail=0 last_from='' ndk_fetch=0
for i in "${ins[@]}"; do
  read -r kw rest <<<"$i"
  kw=${kw^^}
  case $kw in
  ARG)
    name=${rest%%=*}
    if [[ $rest == *=* ]]; then value=${rest#*=}; value=${value#\"}; arg[$name]=${value%\"}; fi ;;
  FROM)
    read -r image _ stage <<<"$rest"
    # ${NAME} and $NAME refer to an ARG default.
    if [[ $image =~ ^\$\{?([A-Za-z_][A-Za-z0-9_]*)\}?$ ]]; then image=${arg[${BASH_REMATCH[1]}]:-}; fi
    if [ "$image" != scratch ] && [ -z "${stages[$image]:-}" ]; then
      [[ $image =~ @sha256:[0-9a-f]{64}$ ]] || bad pin-base "base image '$image' is not pinned by @sha256 digest"
      [[ $image != *:latest* ]] || bad pin-base "base image '$image' uses :latest"
    fi
    [ -z "$stage" ] || stages[$stage]=1
    last_from=$image ;;
  SHELL)
    [[ $rest == *pipefail* ]] && pipefail=1 ;;
  WORKDIR)
    [[ $rest == /* ]] || bad DL3000 "WORKDIR $rest is not absolute" ;;
  ADD)
    [[ $rest != *://* ]] || bad DL3020 "ADD of a URL: download in a RUN and verify it" ;;
  COPY)
    if [[ $rest != *--from=* ]]; then
      read -r -a words <<<"$rest"
      for src in "${words[@]:0:${#words[@]}-1}"; do
        [[ $src == --* ]] && continue
        [ -e "$ctx/$src" ] || bad copy-exists "COPY source $src does not exist"
      done
    fi ;;
  RUN)
    [[ $rest =~ (^|[^-])apt[[:space:]] ]] && bad DL3027 "use apt-get, not apt: $rest"
    if [[ $rest == *"apt-get install"* ]]; then
      [[ $rest == *--no-install-recommends* ]] || bad DL3015 "apt-get install without --no-install-recommends"
      [[ $rest == *"rm -rf /var/lib/apt/lists"* ]] || bad DL3009 "apt lists not removed in the RUN that installs"
    fi
    if [[ $rest == *"|"* ]] && [ $pipefail = 0 ]; then bad DL4006 "RUN with a pipe before SHELL [... -o pipefail ...]"; fi
    [[ $rest =~ (curl|wget)[^|]*\|[[:space:]]*(sudo[[:space:]]+)?(ba)?sh([[:space:]]|$) ]] && bad DL4006 "piping a download into a shell"
    if [[ $rest == *android-ndk-* ]]; then
      ndk_fetch=1
      [[ $rest =~ sha256sum[[:space:]]+(-c|--check) ]] || bad verify-ndk "the NDK download is not checked with sha256sum -c"
      [[ $rest =~ \[[[:space:]]+-n[[:space:]]+\"?\$\{?NDK_SHA256 ]] || bad verify-ndk "an empty NDK_SHA256 is not refused"
    fi ;;
  esac
done

[ "$ndk_fetch" = 1 ] || bad verify-ndk "no RUN downloads android-ndk-*"
[[ ${arg[NDK_VERSION]:-} =~ ^r27[a-z]?$ ]] || bad pin-ndk "NDK_VERSION '${arg[NDK_VERSION]:-}' is not an r27 LTS release"
[[ ${arg[NDK_SHA256]:-} =~ ^[0-9a-f]{64}$ ]] || bad pin-ndk "NDK_SHA256 '${arg[NDK_SHA256]:-}' is not a SHA-256"
[ "$last_from" = scratch ] || bad final-scratch "the last stage is FROM $last_from, not scratch"

if [ $problems -gt 0 ]; then
  echo "lint-dockerfile: $problems problem(s) in $df" >&2
  exit 1
fi
echo "lint-dockerfile: $df ok (${#ins[@]} instructions)"
