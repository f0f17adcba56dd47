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
gateway_addr="127.0.0.1:${RCP_GATEWAY_PORT:-7100}"
calendar_addr="127.0.0.1:${RCP_CALENDAR_PORT:-7180}"
keys_file="$data/demo-keys.tsv"
calendar_secret="$data/calendar-secret"
if [ ! -s "$calendar_secret" ]; then
  (umask 077; openssl rand -hex 32 > "$calendar_secret")
fi
# Seals the deployment's federation signing keys, which the registry keeps
# for the gateways: every gateway replica needs the same one.
keyring_key="$data/keyring-key"
if [ ! -s "$keyring_key" ]; then
  (umask 077; openssl rand -hex 32 > "$keyring_key")
fi
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
  --internal_token_file="$token_file" --metrics_listen=127.0.0.1:9101 --deployment_id="$deployment_id" \
  --seed_file=deploy/seed/registry.textproto --seed_keys_out="$keys_file" &
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

build/services/gateway/rcp-gatewayd \
  --listen="$gateway_addr" --registry="$registry_addr" --events="$events_addr" \
  --documents="$documents_addr" --internal_token_file="$token_file" \
  --deployment_id="$deployment_id" --metrics_listen=127.0.0.1:9100 \
  --calendar_listen="$calendar_addr" --calendar_secret_file="$calendar_secret" \
  --keyring_key_file="$keyring_key" &
pids+=($!)
wait_listening "${pids[-1]}" "$gateway_addr" rcp-gatewayd

key() { awk -F'\t' -v n="$1" '$1 == n { print $2 }' "$keys_file" | tail -n 1; }

cat <<MSG

RCP Exchange is running (data in $data). The public door:
  rcp-gatewayd   grpc://$gateway_addr   calendar feeds http://$calendar_addr
Internal services (only the gateway may call them):
  rcp-registryd  $registry_addr   rcp-eventsd $events_addr   rcp-documentsd $documents_addr
Metrics: http://127.0.0.1:9100/metrics (gateway), 9101..9103 (services)

Demo API keys (also in $keys_file):
  export RCP_ADDRESS=$gateway_addr
  admin              RCP_KEY=$(key admin)
  Bali secretariat   RCP_KEY=$(key bali-secretariat)
  Indonesia          RCP_KEY=$(key indonesia)
  UNHCR (observer)   RCP_KEY=$(key unhcr-observer)
Try:  RCP_KEY=$(key indonesia) build/tools/rcpctl/rcpctl meeting list
Press Ctrl-C to stop.
MSG
wait
