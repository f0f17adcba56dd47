#!/usr/bin/env bash
# Three secretariats' deployments on loopback, federated as shared/DOMAIN.md
# has them (Ctrl-C stops them all):
#
#   bali-process.rcp     the Bali Process secretariat   home of bali-process, apc   gateway :7100
#   colombo-process.rcp  the Colombo Process secretariat home of colombo-process     gateway :7200
#   igc.rcp              the IGC secretariat            home of igc, budapest-process gateway :7300
#
# Each is seeded with its own processes only, then peered with the others:
# Colombo shares its process with Bali up to MEMBERS (Indonesia belongs to
# both), everything else is shared PUBLIC. Peers talk plaintext on loopback
# (--peer_insecure_loopback); production peers use mTLS (see the README).
# Data under ./data/federation/<deployment>.
set -euo pipefail
cd "$(dirname "$0")/.."
deploy/install-deps.sh
deploy/build.sh
source deploy/lib/deployment.sh

root="${RCP_DATA:-$PWD/data}/federation"
rcpctl=build/tools/rcpctl/rcpctl
trap stop_deployments INT TERM

declare -A base=([bali-process.rcp]=7100 [colombo-process.rcp]=7200 [igc.rcp]=7300)
declare -A homes=([bali-process.rcp]="bali-process,apc" [colombo-process.rcp]="colombo-process"
                  [igc.rcp]="igc,budapest-process")
for id in bali-process.rcp colombo-process.rcp igc.rcp; do
  start_deployment "$root/$id" "$id" "${homes[$id]}" "${base[$id]}" \
    --peer_listen=127.0.0.1:$((base[$id] + 90)) --peer_insecure_loopback
done

# peer AT PEER [rcpctl peer add flags...]: AT's administrator adds PEER.
peer() {
  local at="$1" other="$2"
  shift 2
  RCP_ADDRESS=127.0.0.1:${base[$at]} RCP_KEY="$(demo_key "$root/$at" admin)" \
    "$rcpctl" peer add "$other" --address 127.0.0.1:$((base[$other] + 90)) "$@" > /dev/null 2>&1 ||
    echo "(the peer $other was at $at already)"
}
peer bali-process.rcp colombo-process.rcp --display-name "Colombo Process secretariat" \
  --home colombo-process --share bali-process=public --share apc=public
peer bali-process.rcp igc.rcp --display-name "IGC secretariat" \
  --home igc --home budapest-process --share bali-process=public
peer colombo-process.rcp bali-process.rcp --display-name "Bali Process secretariat" \
  --home bali-process --home apc --share colombo-process=members
peer colombo-process.rcp igc.rcp --display-name "IGC secretariat" \
  --home igc --home budapest-process --share colombo-process=public
peer igc.rcp bali-process.rcp --display-name "Bali Process secretariat" \
  --home bali-process --home apc --share igc=public --share budapest-process=public
peer igc.rcp colombo-process.rcp --display-name "Colombo Process secretariat" \
  --home colombo-process --share igc=public

key() { demo_key "$root/$1" "$2"; }
cat <<MSG

Three federated deployments are running (data in $root):
  bali-process.rcp     grpc://127.0.0.1:7100   calendar http://127.0.0.1:7180   peers :7190
  colombo-process.rcp  grpc://127.0.0.1:7200   calendar http://127.0.0.1:7280   peers :7290
  igc.rcp              grpc://127.0.0.1:7300   calendar http://127.0.0.1:7380   peers :7390

Demo keys:
  at bali-process.rcp     admin               $(key bali-process.rcp admin)
                          Indonesia           $(key bali-process.rcp indonesia)
                          UNHCR (observer)    $(key bali-process.rcp unhcr-observer)
  at colombo-process.rcp  admin               $(key colombo-process.rcp admin)
                          Colombo secretariat $(key colombo-process.rcp colombo-secretariat)
  at igc.rcp              admin               $(key igc.rcp admin)
                          UNHCR (observer)    $(key igc.rcp unhcr-observer)

See "Federation in five minutes" in the README. Press Ctrl-C to stop.
MSG
wait
