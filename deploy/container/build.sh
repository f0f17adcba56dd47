#!/usr/bin/env bash
# Builds the RCP Exchange image from source, both stages of the
# Containerfile, without pulling from any registry:
#   1. a Debian 12 minbase image made here with mmdebstrap from the machine's
#      apt sources, imported into podman;
#   2. podman build: the `build` stage compiles the committed tree (git
#      archive of RCP_IMAGE_REF, default HEAD: what is built is what a commit
#      holds, not the work tree's edits), the runtime stage takes the
#      stripped binaries.
# Then checks that every binary finds its libraries and answers --version,
# and prints the image's size and the wall time.
#
# Environment: RCP_IMAGE (default localhost/rcp-exchange:latest),
# RCP_BASE_IMAGE (localhost/rcp-exchange/debian:bookworm), RCP_IMAGE_REF
# (HEAD), RCP_BUILD_TYPE (RelWithDebInfo), RCP_BUILD_JOBS (2),
# RCP_REUSE_BASE=1 (keep an existing base image), RCP_PODMAN_FLAGS (see
# lib.sh). Podman's flags: README.md beside this.
set -euo pipefail
cd "$(dirname "$0")/../.."
source deploy/container/lib.sh
start=$SECONDS

image="${RCP_IMAGE:-localhost/rcp-exchange:latest}"
base="${RCP_BASE_IMAGE:-localhost/rcp-exchange/debian:bookworm}"
ref="${RCP_IMAGE_REF:-HEAD}"

if ! pod info >/dev/null 2>&1; then
  pod info >&2 || true
  echo "deploy/container/build.sh: podman is not usable here (podman ${rcp_podman_flags[*]} info failed)" >&2
  exit 1
fi

if [ "${RCP_REUSE_BASE:-}" = 1 ] && pod image exists "$base"; then
  echo "reusing the base image $base" >&2
else
  rcp_make_base "$base"
fi

context="$(mktemp -d)"
trap 'rm -rf "$context"' EXIT
git archive --format=tar "$ref" | tar -x -C "$context"
revision="$(git rev-parse "$ref")"

read -r -a ulimits <<< "$(rcp_ulimit_flags)"
# --network=host: the build's apt reaches the mirror as the machine does.
# --layers=false: with the vfs driver every layer is a full copy of the
# tree below it, and the build stage's would be gigabytes.
pod build "${ulimits[@]}" --network=host --layers=false \
  --build-arg BASE_IMAGE="$base" \
  --build-arg BUILD_TYPE="${RCP_BUILD_TYPE:-RelWithDebInfo}" \
  --build-arg JOBS="${RCP_BUILD_JOBS:-2}" \
  --label org.opencontainers.image.revision="$revision" \
  -f "$context/deploy/container/Containerfile" -t "$image" "$context"

rcp_check_image "$image"
size="$(pod image inspect --format '{{.Size}}' "$image")"
echo "built $image from $ref ($revision): $((size / 1000000)) MB, in $((SECONDS - start)) s"
