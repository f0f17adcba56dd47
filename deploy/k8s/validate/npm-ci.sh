#!/usr/bin/env bash
# Installs the validators pinned in package-lock.json into node_modules
# beside this script (`npm ci`: exactly the locked versions, or nothing).
# Fails, never skips, when node or npm is missing. NPM and NODE name the
# programs to run (default: on PATH).
set -euo pipefail
cd "$(dirname "$0")"
npm="${NPM:-npm}"
node="${NODE:-node}"
for tool in "$node" "$npm"; do
  if ! command -v "$tool" >/dev/null 2>&1; then
    echo "npm-ci.sh: $tool is not installed (deploy/install-deps.sh installs nodejs, which brings npm): cannot validate the manifests" >&2
    exit 1
  fi
done
"$npm" ci --no-audit --no-fund --loglevel=error
"$node" -e 'for (const m of ["kubernetes-models", "@kubernetes-models/cert-manager", "@kubernetes-models/prometheus-operator", "typescript", "yaml"]) require.resolve(m); console.log("validators installed: node " + process.version)'
