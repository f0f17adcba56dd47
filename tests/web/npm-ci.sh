#!/usr/bin/env bash
# Installs the checks' npm packages pinned in package-lock.json into
# node_modules beside this script (`npm ci`: exactly the locked versions,
# or nothing). Fails, never skips, when node or npm is missing.
set -euo pipefail
cd "$(dirname "$0")"
for tool in node npm; do
  if ! command -v "$tool" >/dev/null 2>&1; then
    echo "npm-ci.sh: $tool is not installed (deploy/install-deps.sh installs nodejs, which brings npm): cannot check the web side" >&2
    exit 1
  fi
done
npm ci --no-audit --no-fund --loglevel=error
node -e 'for (const m of ["@apidevtools/swagger-parser", "playwright-core", "@axe-core/playwright"]) require.resolve(m); console.log("web checks installed: node " + process.version)'
