#!/usr/bin/env bash
# Configures and builds everything into ./build (ccache when present, 2 jobs:
# the project's machines have 2 cores).
set -euo pipefail
cd "$(dirname "$0")/.."
jobs="${RCP_BUILD_JOBS:-2}"
cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE="${RCP_BUILD_TYPE:-RelWithDebInfo}" >/dev/null
ninja -C build -j"$jobs"
