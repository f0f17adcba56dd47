#!/usr/bin/env bash
# Applies each registry seed of deploy/k8s to a fresh rcp-registryd, as the
# registry pod does at start, with the homes the overlays give it:
#   seeds.sh RCP_REGISTRYD K8S_DIR
# Fails unless every seed is applied and issues the bootstrap key.
set -euo pipefail
registryd="$1" k8s="$2"
tmp="$(mktemp -d)"
pid=""
trap '[ -n "$pid" ] && kill "$pid" 2>/dev/null; rm -rf "$tmp"' EXIT
check() { # SEED HOMES
  local seed="$1" homes="$2" dir="$tmp/$RANDOM"
  mkdir -p "$dir"
  "$registryd" --listen=127.0.0.1:0 --data_dir="$dir/data" --seed_file="$seed" --seed_keys_out="$dir/keys.tsv" \
    --home_processes="$homes" --deployment_id=seed-check.rcp > "$dir/log" 2>&1 &
  pid=$!
  for _ in $(seq 1 100); do
    grep -q "msg=listening" "$dir/log" && break
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.1
  done
  kill "$pid" 2>/dev/null || true
  wait "$pid" 2>/dev/null || true
  pid=""
  if ! grep -q "msg=seeded" "$dir/log" || ! grep -q "bootstrap-admin" "$dir/keys.tsv" 2>/dev/null; then
    echo "FAILED ${seed#"$k8s"/} (homes: ${homes:-all}):" >&2
    cat "$dir/log" >&2
    exit 1
  fi
  echo "ok ${seed#"$k8s"/} (homes: ${homes:-all}): $(grep -o 'requests=[0-9]*' "$dir/log")"
}
check "$k8s/base/registry-seed.textproto" ""
check "$k8s/overlays/single-secretariat/registry-seed.textproto" "bali-process,apc"
for homes in bali-process,apc colombo-process igc,budapest-process; do
  check "$k8s/overlays/hosted/secretariat/registry-seed.textproto" "$homes"
done
