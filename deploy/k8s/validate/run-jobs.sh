#!/usr/bin/env bash
# Runs run-jobs.js (the rendered backup CronJob and restore Jobs against the
# rendered data services) in network and mount namespaces of its own:
#   run-jobs.sh WORK_DIR RENDERED_DIR rcp-registryd=PATH ... rcp-admin=PATH
# There, loopback is its own (the rendered ports cannot clash with anything
# running here) and /etc/hosts names rcp-registry, rcp-events and
# rcp-documents 127.0.0.1, as the cluster's DNS would name their pods. Needs
# unshare (util-linux) and ip (iproute2), and user namespaces when not root;
# fails, never skips, without them.
set -euo pipefail
work="${1:?usage: run-jobs.sh WORK_DIR RENDERED_DIR PROGRAM=PATH...}"
rendered="${2:?usage: run-jobs.sh WORK_DIR RENDERED_DIR PROGRAM=PATH...}"
shift 2
here="$(cd "$(dirname "$0")" && pwd)"
node="${NODE:-node}"
for tool in unshare ip "$node"; do
  command -v "$tool" >/dev/null 2>&1 || { echo "run-jobs.sh: $tool is not installed" >&2; exit 1; }
done
mkdir -p "$work"
hosts="$work/hosts"
printf '127.0.0.1 localhost rcp-registry rcp-events rcp-documents\n::1 localhost\n' > "$hosts"
unshare_args=(--mount --net)
[ "$(id -u)" -eq 0 ] || unshare_args=(--user --map-root-user "${unshare_args[@]}")
exec unshare "${unshare_args[@]}" -- bash -c '
  set -euo pipefail
  ip link set lo up
  mount --bind "$1" /etc/hosts
  shift
  exec "$@"' run-jobs "$hosts" \
  "$node" "$here/run-jobs.js" "$work/run" "$rendered/base.yaml" "$rendered/restore.yaml" \
  "$here/../../make-certs.sh" "$@"
