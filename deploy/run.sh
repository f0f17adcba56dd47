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
events_addr="127.0.0.1:${RCP_EVENTS_PORT:-7102}"
documents_addr="127.0.0.1:${RCP_DOCUMENTS_PORT:-7103}"
deployment_id="${RCP_DEPLOYMENT_ID:-rcp-exchange.local}"

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

# Waits until $2 (host:port) accepts connections, or fails if pid $1 died.
wait_listening() {
  for _ in $(seq 1 200); do
    kill -0 "$1" 2>/dev/null || { echo "$3 failed to start; see its log above" >&2; stop; }
    (exec 3<>/dev/tcp/127.0.0.1/"${2##*:}") 2>/dev/null && return 0
    sleep 0.05
  done
  echo "$3 did not start listening on $2" >&2
  stop
}

build/services/registry/rcp-registryd \
  --listen="$registry_addr" --data_dir="$data/registry" \
  --internal_token_file="$token_file" --metrics_listen=127.0.0.1:9101 \
  --seed_file=deploy/seed/registry.textproto &
pids+=($!)
wait_listening "${pids[-1]}" "$registry_addr" rcp-registryd

build/services/events/rcp-eventsd \
  --listen="$events_addr" --data_dir="$data/events" --deployment_id="$deployment_id" \
  --internal_token_file="$token_file" --metrics_listen=127.0.0.1:9102 \
  --seed_file=deploy/seed/events.textproto &
pids+=($!)
wait_listening "${pids[-1]}" "$events_addr" rcp-eventsd

build/services/documents/rcp-documentsd \
  --listen="$documents_addr" --data_dir="$data/documents" \
  --internal_token_file="$token_file" --metrics_listen=127.0.0.1:9103 \
  --seed_file=deploy/seed/documents.textproto &
pids+=($!)
wait_listening "${pids[-1]}" "$documents_addr" rcp-documentsd

cat <<MSG

RCP Exchange is running (data in $data):
  rcp-registryd  grpc://$registry_addr   metrics http://127.0.0.1:9101/metrics
  rcp-eventsd    grpc://$events_addr   metrics http://127.0.0.1:9102/metrics
  rcp-documentsd grpc://$documents_addr   metrics http://127.0.0.1:9103/metrics
Internal services require the token in $token_file as metadata
  x-rcp-internal-token: \$(cat $token_file)
Press Ctrl-C to stop.
MSG
wait
