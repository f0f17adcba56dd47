#!/usr/bin/env bash
# The Run command: installs what is missing, builds, and starts the suite on
# loopback with its data under ./data and the seed loaded. Ctrl-C stops it.
set -euo pipefail
cd "$(dirname "$0")/.."
deploy/install-deps.sh
deploy/build.sh

data="${RCP_DATA:-$PWD/data}"
mkdir -p "$data"
# The credential the data services require of their callers (DESIGN.md §1).
token_file="$data/internal-token"
if [ ! -s "$token_file" ]; then
  (umask 077; openssl rand -hex 32 > "$token_file")
fi

registry_addr="127.0.0.1:${RCP_REGISTRY_PORT:-7101}"

pids=()
stop() {
  trap - INT TERM
  echo
  echo "stopping…"
  for pid in "${pids[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
  wait
  exit 0
}
trap stop INT TERM

build/services/registry/rcp-registryd \
  --listen="$registry_addr" --data_dir="$data/registry" \
  --internal_token_file="$token_file" --metrics_listen=127.0.0.1:9101 \
  --seed_file=deploy/seed/registry.textproto &
pids+=($!)

# Wait until the daemon logs its address (or dies).
for _ in $(seq 1 100); do
  kill -0 "${pids[0]}" 2>/dev/null || { echo "rcp-registryd failed to start" >&2; exit 1; }
  (exec 3<>/dev/tcp/127.0.0.1/"${registry_addr##*:}") 2>/dev/null && break
  sleep 0.1
done

cat <<MSG

RCP Exchange is running (data in $data):
  rcp-registryd  grpc://$registry_addr   metrics http://127.0.0.1:9101/metrics
Internal services require the token in $token_file as metadata
  x-rcp-internal-token: \$(cat $token_file)
Press Ctrl-C to stop.
MSG
wait
