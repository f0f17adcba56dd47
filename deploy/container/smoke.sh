#!/usr/bin/env bash
# The container image's test (deploy/test.sh runs it after ctest). From the
# binaries already built in ./build, in minutes:
#   1. the runtime image: a Debian 12 minbase made with mmdebstrap, then the
#      Containerfile's `prebuilt` target (the same runtime base as the build
#      from source) with ./build's binaries stripped into it; every program
#      finds its libraries and answers --version inside it;
#   2. the suite as four containers on the host's network, on 127.0.0.1 and
#      unusual ports (RCP_SMOKE_PORT, default 27300, and the offsets of
#      deploy/lib/deployment.sh), TLS everywhere (mTLS and the internal token
#      between the gateway and the services), each data service's database
#      in its own named volume, owned by the image's user 10001; the seed
#      and the demo keys as deploy/run.sh makes them;
#   3. three user flows with ./build's rcpctl against the gateway: the Bali
#      Process secretariat creates and confirms a meeting; Indonesia, a
#      member, subscribed, receives both changes; UNHCR, an observer, pulls
#      the public summary report (SHA-256 compared with the seed's file) and
#      does not see the members-only meeting;
#   4. rcp-eventsd's container killed (SIGKILL) and started again: the
#      meeting as last written before the kill is there, a subscriber that
#      ran through the kill and one resumed from its saved cursor both
#      receive the change made after the restart, and the resumed one
#      exactly what it missed.
# Prints its wall time. Removes every container, volume and image it made,
# also on failure; exits non-zero with the reason on any failure.
set -Eeuo pipefail
cd "$(dirname "$0")/../.."
repo="$PWD"
source deploy/container/lib.sh
# secret_file and demo_key, as deploy/run.sh makes and reads them.
source deploy/lib/deployment.sh
start=$SECONDS

say() { echo "smoke [$((SECONDS - start))s]: $*"; }
fail() {
  echo "smoke: FAIL: $*" >&2
  exit 1
}

id="rcp-smoke-$$"
base_port="${RCP_SMOKE_PORT:-27300}"
deployment_id=rcp-exchange.local
rcpctl="$repo/build/tools/rcpctl/rcpctl"
tmp="$(mktemp -d /tmp/rcp-smoke.XXXXXX)"
image="localhost/$id:latest"
base_image="localhost/$id/debian:bookworm"
containers=()
volumes=()
images=()
background=()

cleanup() {
  local rc=$? c
  trap - ERR EXIT
  set +e
  for pid in "${background[@]}"; do kill "$pid" 2>/dev/null; done
  for pid in "${background[@]}"; do wait "$pid" 2>/dev/null; done
  if [ "$rc" -ne 0 ]; then
    for c in "${containers[@]}"; do
      pod container exists "$c" 2>/dev/null || continue
      echo "----- last lines of $c's log" >&2
      pod logs --tail 30 "$c" >&2 2>&1
    done
    for f in "$tmp"/*.err; do
      [ -s "$f" ] || continue
      echo "----- $(basename "$f")" >&2
      tail -n 20 "$f" >&2
    done
  fi
  for c in "${containers[@]}"; do pod rm -f -v -t 0 "$c" >/dev/null 2>&1; done
  for v in "${volumes[@]}"; do pod volume rm -f "$v" >/dev/null 2>&1; done
  for i in "${images[@]}"; do pod rmi -f "$i" >/dev/null 2>&1; done
  rm -rf "$tmp"
  if [ "$rc" -eq 0 ]; then
    echo "smoke: passed in $((SECONDS - start)) s"
  else
    echo "smoke: FAILED (exit $rc) after $((SECONDS - start)) s" >&2
  fi
  exit "$rc"
}
trap cleanup EXIT
# A command that fails unexpectedly says where; in a subshell (a $(…)) it
# only ends that, and the script goes on as its caller decides.
on_error() {
  [ "$BASHPID" = "$$" ] || exit "$3"
  fail "line $1: \`$2\` exited with $3"
}
trap 'on_error "$LINENO" "$BASH_COMMAND" "$?"' ERR

# --- preconditions ----------------------------------------------------------
if ! pod info >/dev/null 2>"$tmp/podman-info.log"; then
  cat "$tmp/podman-info.log" >&2
  fail "podman is not usable (podman ${rcp_podman_flags[*]} info failed); deploy/install-deps.sh installs podman, mmdebstrap and runc"
fi
for tool in mmdebstrap strip openssl python3 sha256sum; do
  command -v "$tool" >/dev/null || fail "$tool is missing (deploy/install-deps.sh installs it)"
done
declare -A built=(
  [rcp-registryd]=build/services/registry/rcp-registryd
  [rcp-eventsd]=build/services/events/rcp-eventsd
  [rcp-documentsd]=build/services/documents/rcp-documentsd
  [rcp-gatewayd]=build/services/gateway/rcp-gatewayd
  [rcpctl]=build/tools/rcpctl/rcpctl
  [rcp-admin]=build/tools/rcp-admin/rcp-admin
)
for p in "${rcp_programs[@]}"; do
  [ -x "${built[$p]}" ] || fail "${built[$p]} is not built: run deploy/build.sh first"
done
gateway_port=$base_port
registry_port=$((base_port + 1)) events_port=$((base_port + 2)) documents_port=$((base_port + 3))
http_port=$((base_port + 80))
ports=("$gateway_port" "$registry_port" "$events_port" "$documents_port" "$http_port"
  $((base_port + 2000)) $((base_port + 2001)) $((base_port + 2002)) $((base_port + 2003)))
for port in "${ports[@]}"; do
  if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
    fail "127.0.0.1:$port is in use: give RCP_SMOKE_PORT another base port"
  fi
done
read -r -a ulimits <<< "$(rcp_ulimit_flags)"

# --- 1. the image -------------------------------------------------------------
say "making the Debian 12 base image $base_image with mmdebstrap"
images+=("$image" "$base_image")
rcp_make_base "$base_image"
mkdir -p "$tmp/context/bin"
for p in "${rcp_programs[@]}"; do
  strip --strip-all -o "$tmp/context/bin/$p" "${built[$p]}"
done
cp deploy/container/Containerfile "$tmp/context/"
say "building $image: the Containerfile's prebuilt target with ./build's binaries"
if ! pod build "${ulimits[@]}" --network=host --layers=false --target prebuilt \
  --build-arg BASE_IMAGE="$base_image" -t "$image" -f "$tmp/context/Containerfile" \
  "$tmp/context" >"$tmp/image-build.log" 2>&1; then
  tail -n 40 "$tmp/image-build.log" >&2
  fail "podman build --target prebuilt failed (its log's end above)"
fi
size="$(pod image inspect --format '{{.Size}}' "$image")"
say "image $image: $((size / 1000000)) MB"
rcp_check_image "$image" | sed 's/^/  /'

# --- 2. the suite in containers -------------------------------------------------
say "certificates (deploy/make-certs.sh), the internal token and the other secrets"
deploy/make-certs.sh "$tmp/pki" gateway registry events documents
mkdir -p "$tmp/secrets" "$tmp/out"
cp "$tmp/pki/ca.pem" "$tmp/secrets/"
for name in gateway registry events documents; do cp "$tmp/pki/$name.pem" "$tmp/pki/$name.key" "$tmp/secrets/"; done
secret_file "$tmp/secrets/internal-token"
secret_file "$tmp/secrets/calendar-secret"
secret_file "$tmp/secrets/keyring-key"
# Read inside the containers by the image's user.
chown -R 10001:10001 "$tmp/secrets"

container_ok() { [ "$(pod inspect --format '{{.State.Running}}' "$1" 2>/dev/null)" = true ]; }

# wait_port CONTAINER PORT: until 127.0.0.1:PORT accepts connections, while
# CONTAINER runs.
wait_port() {
  local i
  for i in $(seq 1 300); do
    container_ok "$1" || fail "$1 exited: $(pod inspect --format '{{.State.Status}} (exit {{.State.ExitCode}})' "$1")"
    (exec 3<>"/dev/tcp/127.0.0.1/$2") 2>/dev/null && return 0
    sleep 0.1
  done
  fail "$1 is not listening on 127.0.0.1:$2 after 30 s"
}

# data_service NAME PORT FLAG...: rcp-NAMEd with its database in the named
# volume $id-NAME, TLS (the gateway must present a certificate of the test
# CA) and the internal token required.
data_service() {
  local name="$1" port="$2"
  shift 2
  local c="$id-$name"
  containers+=("$c")
  volumes+=("$c")
  pod volume create "$c" >/dev/null
  pod run -d --name "$c" --network=host "${ulimits[@]}" \
    -v "$c:/var/lib/rcp" -v "$tmp/secrets:/etc/rcp:ro" -v "$repo/deploy/seed:/etc/rcp-seed:ro" \
    "$image" "rcp-${name}d" --listen="127.0.0.1:$port" --deployment_id="$deployment_id" \
    --tls_cert="/etc/rcp/$name.pem" --tls_key="/etc/rcp/$name.key" --tls_client_ca=/etc/rcp/ca.pem \
    --internal_token_file=/etc/rcp/internal-token --metrics_listen="127.0.0.1:$((port + 2000))" "$@" >/dev/null
  wait_port "$c" "$port"
  local owner
  owner="$(stat -c %u:%g "$(pod volume inspect --format '{{.Mountpoint}}' "$c")")"
  [ "$owner" = 10001:10001 ] || fail "volume $c is owned by $owner, not by the image's user 10001:10001"
}

say "starting rcp-registryd, rcp-eventsd, rcp-documentsd (seeded) and rcp-gatewayd"
data_service registry "$registry_port" \
  --seed_file=/etc/rcp-seed/registry.textproto --seed_keys_out=/var/lib/rcp/demo-keys.tsv
data_service events "$events_port" --seed_file=/etc/rcp-seed/events.textproto
data_service documents "$documents_port" --seed_file=/etc/rcp-seed/documents.textproto
gateway="$id-gateway"
containers+=("$gateway")
pod run -d --name "$gateway" --network=host "${ulimits[@]}" -v "$tmp/secrets:/etc/rcp:ro" \
  "$image" rcp-gatewayd --listen="127.0.0.1:$gateway_port" --deployment_id="$deployment_id" \
  --tls_cert=/etc/rcp/gateway.pem --tls_key=/etc/rcp/gateway.key \
  --registry="127.0.0.1:$registry_port" --events="127.0.0.1:$events_port" \
  --documents="127.0.0.1:$documents_port" --upstream_ca=/etc/rcp/ca.pem \
  --upstream_cert=/etc/rcp/gateway.pem --upstream_key=/etc/rcp/gateway.key \
  --internal_token_file=/etc/rcp/internal-token --metrics_listen="127.0.0.1:$((gateway_port + 2000))" \
  --http_listen="127.0.0.1:$http_port" --calendar_secret_file=/etc/rcp/calendar-secret \
  --keyring_key_file=/etc/rcp/keyring-key >/dev/null
wait_port "$gateway" "$gateway_port"

# The seed's keys, in the registry's volume as in deploy/run.sh's data dir.
keys_dir="$(pod volume inspect --format '{{.Mountpoint}}' "$id-registry")"
key() {
  local k
  k="$(demo_key "$keys_dir" "$1")"
  [ -n "$k" ] || fail "no demo key $1 in the registry's demo-keys.tsv"
  echo "$k"
}
export RCP_ADDRESS="127.0.0.1:$gateway_port" RCP_CA_FILE="$tmp/pki/ca.pem"
unset RCP_KEY
# as NAME ARG...: rcpctl with the seed's key NAME.
as() {
  local who="$1"
  shift
  RCP_KEY="$(key "$who")" "$rcpctl" "$@"
}

# The gateway answers for a seeded key once it reaches the services.
for i in $(seq 1 100); do
  as admin whoami >/dev/null 2>"$tmp/whoami.err" && break
  container_ok "$gateway" || fail "rcp-gatewayd exited"
  [ "$i" -lt 100 ] || fail "the gateway does not answer whoami after 20 s: $(cat "$tmp/whoami.err")"
  sleep 0.2
done
say "the suite is up: gateway 127.0.0.1:$gateway_port (TLS), services on :$registry_port-:$documents_port (mTLS, internal token)"

# --- subscribers ------------------------------------------------------------------
# events FILE: the JSON lines rcpctl subscribe printed, one event a line:
# service, revision, operation, name, status (a line being written is skipped).
events_py='
import json, sys
for line in open(sys.argv[1], encoding="utf-8"):
    try:
        e = json.loads(line)
    except ValueError:
        continue
    c = e.get("change", {})
    v = c.get("value") or {}
    print("\t".join([e.get("service", ""), str(c.get("revision", "")), c.get("operation", ""),
                     c.get("name", ""), v.get("status", "")]))
'
events() { python3 -c "$events_py" "$1"; }

# subscribe NAME [CURSOR]: Indonesia's `rcpctl subscribe --json --kind
# meeting` in the background, output in $tmp/NAME.jsonl, cursor in
# $tmp/CURSOR.cursor (default NAME); sets sub_pid. A new subscription
# returns once the gateway confirmed it (its first message carries the
# cursor, which rcpctl saves); one resuming from a saved cursor at once.
subscribe() {
  local name="$1" cursor="$tmp/${2:-$1}.cursor" i resuming=false
  [ -s "$cursor" ] && resuming=true
  RCP_KEY="$(key indonesia)" "$rcpctl" subscribe --json --kind meeting --cursor-file "$cursor" \
    >"$tmp/$name.jsonl" 2>"$tmp/$name.err" &
  sub_pid=$!
  background+=("$sub_pid")
  $resuming && return 0
  for i in $(seq 1 100); do
    kill -0 "$sub_pid" 2>/dev/null || fail "subscriber $name exited: $(cat "$tmp/$name.err")"
    [ -s "$cursor" ] && return 0
    sleep 0.2
  done
  fail "subscriber $name was not confirmed by the gateway within 20 s"
}

# wait_event NAME MEETING OPERATION STATUS: until subscriber NAME received it.
wait_event() {
  local i
  for i in $(seq 1 150); do
    events "$tmp/$1.jsonl" | awk -F'\t' -v n="$2" -v o="$3" -v s="$4" '$4 == n && $3 == o && $5 == s { f = 1 } END { exit !f }' &&
      return 0
    sleep 0.2
  done
  echo "subscriber $1 received:" >&2
  events "$tmp/$1.jsonl" >&2
  fail "subscriber $1 did not receive $3 $2 ($4) within 30 s"
}

# stop_subscriber PID: SIGTERM (a background job of a script ignores
# Ctrl-C's SIGINT); rcpctl saved its cursor after each message.
stop_subscriber() {
  kill -TERM "$1" 2>/dev/null || true
  wait "$1" 2>/dev/null || true
}

# meeting_status MEETING (as the secretariat).
meeting_status() {
  as bali-secretariat meeting show --json "$1" | python3 -c 'import json, sys; print(json.load(sys.stdin).get("status", ""))'
}

# --- 3. the three flows -------------------------------------------------------------
say "Indonesia subscribes to meeting changes (one subscriber to stop and resume, one left running)"
subscribe resumed
resumed_pid=$sub_pid
subscribe live
live_pid=$sub_pid

meeting=processes/bali-process/meetings/smoke-som-2031
say "the Bali Process secretariat creates $meeting (members only) and confirms it"
as bali-secretariat meeting create --json --process bali-process --id smoke-som-2031 \
  --title "Senior Officials' Meeting (container smoke test)" --kind senior-officials-meeting \
  --start 2031-03-10T09:00:00+08:00 --end 2031-03-11T17:00:00+08:00 --tz Asia/Makassar \
  --city Denpasar --country IDN --visibility members >"$tmp/created.json"
created_name="$(python3 -c 'import json, sys; print(json.load(open(sys.argv[1]))["name"])' "$tmp/created.json")"
[ "$created_name" = "$meeting" ] || fail "meeting create answered $created_name, not $meeting"
as bali-secretariat meeting confirm "$meeting" >/dev/null
[ "$(meeting_status "$meeting")" = CONFIRMED ] || fail "$meeting is not CONFIRMED after meeting confirm"

say "Indonesia's subscriptions receive the creation and the confirmation"
for s in resumed live; do
  wait_event "$s" "$meeting" CREATED PLANNED
  wait_event "$s" "$meeting" UPDATED CONFIRMED
done

say "UNHCR (observer) downloads the public summary report; the members-only meeting does not exist for it"
report=processes/igc/documents/gcim-iom-workshop-2005-summary
as unhcr-observer doc download "$report" -o "$tmp/report.txt" >/dev/null
want="$(sha256sum < deploy/seed/gcim-iom-workshop-2005-summary-report.txt | cut -d' ' -f1)"
got="$(sha256sum < "$tmp/report.txt" | cut -d' ' -f1)"
[ "$got" = "$want" ] || fail "the downloaded report's SHA-256 is $got, the seed file's $want"
say "  sha256 $got matches deploy/seed/gcim-iom-workshop-2005-summary-report.txt"
rc=0
as unhcr-observer meeting show "$meeting" >/dev/null 2>"$tmp/observer.err" || rc=$?
[ "$rc" -eq 3 ] || fail "the observer's meeting show of a members-only meeting exited $rc, not 3 (NOT_FOUND): $(cat "$tmp/observer.err")"

# --- 4. a data service killed ----------------------------------------------------------
say "the resumed subscriber stops; the secretariat postpones the meeting meanwhile"
stop_subscriber "$resumed_pid"
as bali-secretariat meeting postpone "$meeting" --start 2031-04-14T09:00:00+08:00 \
  --end 2031-04-15T17:00:00+08:00 --reason "venue unavailable" >/dev/null
wait_event live "$meeting" UPDATED POSTPONED

events_c="$id-events"
say "podman kill $events_c (SIGKILL), then podman start"
pod kill "$events_c" >/dev/null
# podman kill returns before the container is marked exited ("stopped"
# for a moment): wait for its exit code.
code="$(pod wait "$events_c")"
[ "$code" = 137 ] || fail "$events_c after podman kill: exited $code, not 137 (SIGKILL)"
pod start "$events_c" >/dev/null
wait_port "$events_c" "$events_port"
for i in $(seq 1 100); do
  status="$(meeting_status "$meeting" 2>"$tmp/show.err")" && break
  [ "$i" -lt 100 ] || fail "the gateway cannot read $meeting 20 s after rcp-eventsd restarted: $(cat "$tmp/show.err")"
  sleep 0.2
done
[ "$status" = POSTPONED ] || fail "after the restart $meeting is $status, not POSTPONED as written before the kill"
say "  $meeting persisted across the kill: POSTPONED"

say "after the restart the secretariat confirms the meeting again"
for i in $(seq 1 20); do
  rc=0
  as bali-secretariat meeting confirm "$meeting" >/dev/null 2>"$tmp/confirm.err" || rc=$?
  [ "$rc" -eq 0 ] && break
  # Unavailable while the gateway reconnects: try again (a confirm that was
  # applied but not answered shows in the status).
  [ "$rc" -eq 6 ] || [ "$(meeting_status "$meeting")" = CONFIRMED ] ||
    fail "meeting confirm after the restart exited $rc: $(cat "$tmp/confirm.err")"
  [ "$(meeting_status "$meeting")" = CONFIRMED ] && break
  [ "$i" -lt 20 ] || fail "meeting confirm is still unavailable 20 tries after the restart"
  sleep 0.5
done
[ "$(meeting_status "$meeting")" = CONFIRMED ] || fail "$meeting is not CONFIRMED after the confirm"

say "the subscriber left running receives it; the stopped one resumes from its cursor"
wait_event live "$meeting" UPDATED CONFIRMED
cp "$tmp/resumed.jsonl" "$tmp/resumed-1.jsonl"
subscribe resumed-2 resumed
resumed_pid=$sub_pid
wait_event resumed-2 "$meeting" UPDATED CONFIRMED
grep -q "resuming from the cursor saved in" "$tmp/resumed-2.err" ||
  fail "the second rcpctl subscribe did not resume from its cursor: $(cat "$tmp/resumed-2.err")"
stop_subscriber "$resumed_pid"
stop_subscriber "$live_pid"

# What each saw of the meeting, in order: the live one everything, once; the
# resumed one before the stop the creation and the confirmation, after it
# exactly what it missed (the postponement, the confirmation after the
# restart), nothing twice.
seen() { events "$tmp/$1.jsonl" | awk -F'\t' -v n="$meeting" '$4 == n { printf "%s %s\n", $3, $5 }' | paste -sd, -; }
live_seen="$(seen live)" before="$(seen resumed-1)" after="$(seen resumed-2)"
expect_all="CREATED PLANNED,UPDATED CONFIRMED,UPDATED POSTPONED,UPDATED CONFIRMED"
[ "$live_seen" = "$expect_all" ] ||
  fail "the subscriber left running saw [$live_seen], not [$expect_all]"
[ "$before" = "CREATED PLANNED,UPDATED CONFIRMED" ] ||
  fail "the stopped subscriber saw [$before] before its stop"
[ "$after" = "UPDATED POSTPONED,UPDATED CONFIRMED" ] ||
  fail "the resumed subscriber saw [$after], not exactly what it missed [UPDATED POSTPONED,UPDATED CONFIRMED]"
cat "$tmp/resumed-1.jsonl" "$tmp/resumed-2.jsonl" >"$tmp/resumed-all.jsonl"
dups="$(events "$tmp/resumed-all.jsonl" | cut -f1,2 | sort | uniq -d)"
[ -z "$dups" ] || fail "the resumed subscriber got these (service, revision) twice: $dups"
dups="$(events "$tmp/live.jsonl" | cut -f1,2 | sort | uniq -d)"
[ -z "$dups" ] || fail "the subscriber left running got these (service, revision) twice: $dups"
if grep -q "subscription interrupted" "$tmp/live.err"; then
  say "  the subscriber left running reconnected by itself: $(grep -m1 "subscription interrupted" "$tmp/live.err")"
fi
say "  live: [$live_seen]; resumed: [$before] + [$after]"
