#!/usr/bin/env bash
# The Test command: installs what is missing, builds, runs every test.
set -euo pipefail
cd "$(dirname "$0")/.."
deploy/install-deps.sh
deploy/build.sh
cd build
ctest --output-on-failure -j2 --timeout 900
