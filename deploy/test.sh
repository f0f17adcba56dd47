#!/usr/bin/env bash
# The Test command: installs what is missing, builds, runs every test: ctest,
# then the container image's smoke test from the binaries just built
# (deploy/container/smoke.sh; it fails, never skips, where podman is not
# usable).
set -euo pipefail
cd "$(dirname "$0")/.."
deploy/install-deps.sh
deploy/build.sh
(cd build && ctest --output-on-failure -j2 --timeout 900)
deploy/container/smoke.sh
