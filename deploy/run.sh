#!/usr/bin/env bash
# The Run command: installs what is missing, builds, and starts the suite on
# loopback with its data under ./data and the seed loaded. Ctrl-C stops it.
set -euo pipefail
cd "$(dirname "$0")/.."
deploy/install-deps.sh
deploy/build.sh
source deploy/lib/deployment.sh

data="${RCP_DATA:-$PWD/data}"
deployment_id="${RCP_DEPLOYMENT_ID:-rcp-exchange.local}"
base="${RCP_GATEWAY_PORT:-7100}"
trap stop_deployments INT TERM
# One deployment, the home of every process of the seed.
start_deployment "$data" "$deployment_id" "" "$base"

key() { demo_key "$data" "$1"; }
cat <<MSG

RCP Exchange is running (data in $data). The public door:
  rcp-gatewayd   grpc://127.0.0.1:$base   HTTP (calendar feeds, JSON API /v1) http://127.0.0.1:$((base + 80))
Internal services (only the gateway may call them):
  rcp-registryd  127.0.0.1:$((base + 1))   rcp-eventsd 127.0.0.1:$((base + 2))   rcp-documentsd 127.0.0.1:$((base + 3))
Metrics: http://127.0.0.1:$((base + 2000))/metrics (gateway), $((base + 2001))..$((base + 2003)) (services)

Demo API keys (also in $data/demo-keys.tsv):
  export RCP_ADDRESS=127.0.0.1:$base
  admin                RCP_KEY=$(key admin)
  Bali secretariat     RCP_KEY=$(key bali-secretariat)
  Colombo secretariat  RCP_KEY=$(key colombo-secretariat)
  Indonesia            RCP_KEY=$(key indonesia)
  UNHCR (observer)     RCP_KEY=$(key unhcr-observer)
Try:  RCP_KEY=$(key indonesia) build/tools/rcpctl/rcpctl meeting list
Press Ctrl-C to stop.
MSG
wait
