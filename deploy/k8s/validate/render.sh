#!/usr/bin/env bash
# Renders the base, the restore Jobs and every overlay with `kubectl
# kustomize` (offline):
#   render.sh OUT_DIR [K8S_DIR]
# writes OUT_DIR/<name>.yaml for base, restore and each overlays/<name>, and
# OUT_DIR/index.txt listing them for the checks that read them. Fails, never
# skips, when kubectl is missing or any kustomization does not render.
# KUBECTL names the kubectl to run (default: kubectl on PATH).
set -euo pipefail
out="${1:?usage: render.sh OUT_DIR [K8S_DIR]}"
k8s="${2:-$(cd "$(dirname "$0")/.." && pwd)}"
kubectl="${KUBECTL:-kubectl}"
if ! command -v "$kubectl" >/dev/null 2>&1; then
  echo "render.sh: $kubectl is not installed (deploy/install-deps.sh installs it): cannot render the manifests" >&2
  exit 1
fi
rm -rf "$out"
mkdir -p "$out"
targets=(base restore)
for k in "$k8s"/overlays/*/kustomization.yaml; do
  [ -e "$k" ] || continue
  targets+=("overlays/$(basename "$(dirname "$k")")")
done
[ ${#targets[@]} -gt 2 ] || { echo "render.sh: no overlay under $k8s/overlays" >&2; exit 1; }
failed=0
for t in "${targets[@]}"; do
  name="$(basename "$t")"
  if "$kubectl" kustomize "$k8s/$t" > "$out/$name.yaml" 2> "$out/$name.err"; then
    count="$(grep -c '^kind: ' "$out/$name.yaml" || true)"
    if [ "$count" -eq 0 ]; then
      echo "FAILED $t: rendered no object" >&2
      failed=1
      continue
    fi
    echo "rendered $t: $count objects"
    echo "$name.yaml" >> "$out/index.txt"
    rm -f "$out/$name.err"
  else
    echo "FAILED $t:" >&2
    cat "$out/$name.err" >&2
    failed=1
  fi
done
exit "$failed"
