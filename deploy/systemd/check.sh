#!/usr/bin/env bash
# Checks the systemd units offline, as a test: `systemd-analyze verify`,
# an exposure score of at most 2.0 for each unit (`systemd-analyze security
# --offline`), the settings the daemons rely on, and that a unit stripped of
# its hardening fails the same check.
#   deploy/systemd/check.sh BUILD_DIR
set -euo pipefail
build="$(cd "${1:?usage: check.sh BUILD_DIR}" && pwd)"
here="$(cd "$(dirname "$0")" && pwd)"
command -v systemd-analyze >/dev/null || { echo "FAIL: systemd-analyze is missing (Debian's systemd package)"; exit 1; }
max_exposure=20  # tenths: 2.0
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
fail() { echo "FAIL: $*"; exit 1; }

# verify checks that each ExecStart binary exists: point the units at ./build.
for f in "$here"/*.service "$here"/*.target; do
  sed -e "s|/usr/local/bin/rcp-registryd|$build/services/registry/rcp-registryd|" \
      -e "s|/usr/local/bin/rcp-eventsd|$build/services/events/rcp-eventsd|" \
      -e "s|/usr/local/bin/rcp-documentsd|$build/services/documents/rcp-documentsd|" \
      -e "s|/usr/local/bin/rcp-gatewayd|$build/services/gateway/rcp-gatewayd|" "$f" >"$tmp/$(basename "$f")"
done
out="$(cd "$tmp" && systemd-analyze verify ./*.service ./*.target 2>&1)" || fail "systemd-analyze verify: $out"
[ -z "$out" ] || fail "systemd-analyze verify complained: $out"
echo "verify: ok"

exposure() {  # prints the unit's score line; fails when over the bound
  systemd-analyze security --offline=true --threshold="$max_exposure" "$1" 2>&1 | grep "Overall exposure"
  return "${PIPESTATUS[0]}"
}
for unit in "$tmp"/*.service; do
  exposure "$unit" || fail "$(basename "$unit") is exposed beyond 2.0"
done

# What the daemons rely on, beyond what the score weighs.
setting() { grep -qx -- "$2" "$1" || fail "$(basename "$1") lacks $2"; }
for unit in "$here"/*.service; do
  for line in Type=notify NotifyAccess=main 'WatchdogSec=30s' LimitNOFILE=65536 UMask=0077 \
      NoNewPrivileges=yes ProtectSystem=strict CapabilityBoundingSet= SystemCallFilter=@system-service \
      User=rcp-exchange PrivateTmp=yes PrivateDevices=yes PrivateUsers=yes \
      'LoadCredential=internal-token:/etc/rcp-exchange/internal-token' 'WantedBy=rcp-exchange.target'; do
    setting "$unit" "$line"
  done
  name="$(basename "$unit" .service)"
  name="${name#rcp-}"
  name="${name%d}"
  env="$here/env/$name.env"
  [ -f "$env" ] || fail "no example settings $env"
  # TimeoutStopSec covers the shutdown delay, the drain and 5 s.
  seconds() { local v; v="$(sed -n "s/^$1=\([0-9]*\)s$/\1/p" "$2")"; [ -n "$v" ] || fail "$(basename "$2") lacks $1 in seconds"; echo "$v"; }
  stop="$(seconds TimeoutStopSec "$unit")"
  need=$(($(seconds RCP_SHUTDOWN_DELAY "$env") + $(seconds RCP_GRACE_PERIOD "$env") + 5))
  [ "$stop" -ge "$need" ] || fail "$(basename "$unit"): TimeoutStopSec=${stop}s < shutdown delay + grace period + 5 s = ${need}s"
done
for data in registry events documents; do
  setting "$here/rcp-${data}d.service" "StateDirectory=rcp-exchange/$data"
  setting "$here/rcp-${data}d.service" "ReadWritePaths=/var/lib/rcp-exchange/$data"
done
echo "settings: ok"

# The check can fail: the registry's unit without its hardening.
sed -n '1,/^# Hardening/p' "$tmp/rcp-registryd.service" | grep -v '^# Hardening' >"$tmp/unhardened.service"
printf '\n[Install]\nWantedBy=rcp-exchange.target\n' >>"$tmp/unhardened.service"
if exposure "$tmp/unhardened.service" >/dev/null; then fail "an unhardened unit passed the exposure check"; fi
echo "an unhardened unit is refused: ok"
