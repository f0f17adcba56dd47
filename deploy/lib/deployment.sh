# Starting one deployment of RCP Exchange on loopback: what deploy/run.sh and
# deploy/federation-demo.sh share. Source it, then call start_deployment.
#
#   start_deployment DATA_DIR DEPLOYMENT_ID HOME_PROCESSES BASE_PORT [GATEWAY_FLAG...]
#
# Ports from BASE_PORT (7100 for the Run): the gateway BASE, rcp-registryd
# BASE+1, rcp-eventsd BASE+2, rcp-documentsd BASE+3, calendar feeds BASE+80,
# the peer endpoint BASE+90, Prometheus metrics BASE+2000..BASE+2003. The
# secrets (internal token, calendar secret, keyring key) are made in
# DATA_DIR on the first start; the seed's keys are appended to
# DATA_DIR/demo-keys.tsv. Daemons' pids are appended to the array `pids`;
# stop_deployments stops them all.

pids=()

stop_deployments() {
  trap - INT TERM
  echo
  echo "stopping…"
  for pid in "${pids[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
  wait
  exit 0
}

# Waits until $2 (host:port) accepts connections, or fails if pid $1 died.
wait_listening() {
  for _ in $(seq 1 200); do
    kill -0 "$1" 2>/dev/null || { echo "$3 failed to start; see its log above" >&2; stop_deployments; }
    (exec 3<>/dev/tcp/127.0.0.1/"${2##*:}") 2>/dev/null && return 0
    sleep 0.05
  done
  echo "$3 did not start listening on $2" >&2
  stop_deployments
}

secret_file() {
  if [ ! -s "$1" ]; then
    (umask 077; openssl rand -hex 32 > "$1")
  fi
}

start_deployment() {
  local data="$1" id="$2" homes="$3" base="$4"
  shift 4
  mkdir -p "$data"
  # The credential the data services require of their callers (DESIGN.md §1).
  secret_file "$data/internal-token"
  secret_file "$data/calendar-secret"
  # Seals the deployment's federation signing keys, which the registry keeps
  # for the gateways: every gateway replica needs the same one.
  secret_file "$data/keyring-key"
  local token="--internal_token_file=$data/internal-token"
  local registry="127.0.0.1:$((base + 1))" events="127.0.0.1:$((base + 2))" documents="127.0.0.1:$((base + 3))"
  local common=(--deployment_id="$id" --home_processes="$homes" "$token")

  build/services/registry/rcp-registryd --listen="$registry" --data_dir="$data/registry" "${common[@]}" \
    --metrics_listen=127.0.0.1:$((base + 2001)) \
    --seed_file=deploy/seed/registry.textproto --seed_keys_out="$data/demo-keys.tsv" &
  pids+=($!)
  wait_listening "${pids[-1]}" "$registry" "rcp-registryd ($id)"

  build/services/events/rcp-eventsd --listen="$events" --data_dir="$data/events" "${common[@]}" \
    --metrics_listen=127.0.0.1:$((base + 2002)) --seed_file=deploy/seed/events.textproto &
  pids+=($!)
  wait_listening "${pids[-1]}" "$events" "rcp-eventsd ($id)"

  build/services/documents/rcp-documentsd --listen="$documents" --data_dir="$data/documents" "${common[@]}" \
    --metrics_listen=127.0.0.1:$((base + 2003)) --seed_file=deploy/seed/documents.textproto &
  pids+=($!)
  wait_listening "${pids[-1]}" "$documents" "rcp-documentsd ($id)"

  build/services/gateway/rcp-gatewayd --listen="127.0.0.1:$base" --registry="$registry" --events="$events" \
    --documents="$documents" "$token" --deployment_id="$id" --metrics_listen=127.0.0.1:$((base + 2000)) \
    --http_listen=127.0.0.1:$((base + 80)) --calendar_secret_file="$data/calendar-secret" \
    --keyring_key_file="$data/keyring-key" "$@" &
  pids+=($!)
  wait_listening "${pids[-1]}" "127.0.0.1:$base" "rcp-gatewayd ($id)"
}

# The secret of the seed's key NAME in DATA_DIR/demo-keys.tsv.
demo_key() { awk -F'\t' -v n="$2" '$1 == n { print $2 }' "$1/demo-keys.tsv" | tail -n 1; }
