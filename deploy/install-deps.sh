#!/usr/bin/env bash
# Installs the Debian 12 packages RCP Exchange builds and runs with. Idempotent:
# does nothing when everything is present; runs apt-get only for what is missing.
set -euo pipefail

packages=(
  build-essential cmake ninja-build ccache pkg-config
  libgrpc++-dev protobuf-compiler-grpc libprotobuf-dev protobuf-compiler
  libabsl-dev librocksdb-dev libgtest-dev libgmock-dev
  libspdlog-dev libssl-dev prometheus-cpp-dev libcpp-httplib-dev libcli11-dev nlohmann-json3-dev
  libmstch-dev libcmark-gfm-dev libcmark-gfm-extensions-dev libicu-dev
  python3 python3-vobject python3-yaml openssl iso-codes tzdata
  libsystemd-dev systemd
  podman mmdebstrap runc
  kubectl nodejs prometheus wrk chromium
)
# prometheus brings promtool (deploy/observability's tests); python3-yaml, their rules parser.
# nodejs brings npm (the machines' Node.js 20 carries its own npm; Debian's npm package conflicts with it).

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -eq 0 ]; then
  exit 0
fi

echo "installing: ${missing[*]}" >&2
sudo=""
[ "$(id -u)" -eq 0 ] || sudo="sudo"
$sudo apt-get update -qq
DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >&2
