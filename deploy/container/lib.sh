# What deploy/container/build.sh and deploy/container/smoke.sh share: podman
# with the flags this kind of machine needs, the ulimits its containers get,
# and the Debian 12 base image made locally with mmdebstrap (no registry is
# reachable, so nothing is pulled). Source it; see README.md beside it.

# Podman runs as root here, on cgroup v1 without systemd, on a filesystem
# without overlay support: the cgroupfs manager, the vfs storage driver and
# runc. RCP_PODMAN_FLAGS overrides them on a machine that needs others.
read -r -a rcp_podman_flags <<< "${RCP_PODMAN_FLAGS:---cgroup-manager=cgroupfs --storage-driver=vfs --runtime=runc}"
pod() { podman "${rcp_podman_flags[@]}" "$@"; }

# A hard limit of this shell ($1: -n or -u), "unlimited" read as $2.
_hard_limit() {
  local value
  value="$(ulimit -H "$1")"
  [ "$value" != unlimited ] || value="$2"
  echo "$value"
}

# Podman's default ulimits (nofile 1048576) lie above this machine's hard
# limits, and runc then refuses to start the container ("error setting
# rlimit … operation not permitted"): every container, and every RUN of a
# build, gets the hard limits this shell has. Podman itself lowers its own
# nproc limit to kernel.pid_max at start (seen with strace: it reads
# /proc/sys/kernel/pid_max, then setrlimit(RLIMIT_NPROC)), so no container
# can be given more than that.
rcp_ulimit_flags() {
  local nofile nproc pid_max
  pid_max="$(cat /proc/sys/kernel/pid_max)"
  nofile="$(_hard_limit -n "$(cat /proc/sys/fs/nr_open)")"
  nproc="$(_hard_limit -u "$pid_max")"
  [ "$nproc" -le "$pid_max" ] || nproc="$pid_max"
  echo "--ulimit=nofile=$nofile:$nofile --ulimit=nproc=$nproc:$nproc"
}

# The machine's enabled apt sources, one file a line: what mmdebstrap
# pastes into the image's sources (files renamed *.disabled* are skipped).
_apt_source_files() {
  local f
  for f in /etc/apt/sources.list /etc/apt/sources.list.d/*.list /etc/apt/sources.list.d/*.sources; do
    [ -f "$f" ] || continue
    grep -qE '^[[:space:]]*(deb|Types:)' "$f" || continue
    echo "$f"
  done
}

# rcp_make_base IMAGE: a Debian 12 (bookworm) minbase image from the
# machine's apt sources, imported into podman as IMAGE. Its dpkg leaves out
# manuals, documentation (copyright files kept) and translations, in the
# packages installed later too; its apt keeps the machine's date checks.
# /usr is merged by mmdebstrap's hook rather than by the usrmerge package,
# which would bring perl (47 MB) into every image.
rcp_make_base() {
  local image="$1" sources=() opts=() line
  mapfile -t sources < <(_apt_source_files)
  if [ ${#sources[@]} -eq 0 ]; then
    echo "no enabled apt sources in /etc/apt/sources.list*: mmdebstrap has nowhere to download from" >&2
    return 1
  fi
  # A machine whose mirror serves a snapshot turns the Release files' date
  # checks off; the image's apt needs the same, or apt-get update fails.
  while read -r line; do
    opts+=(--aptopt="$line")
  done < <(apt-config dump | grep -E '^Acquire::Check-(Valid-Until|Date) ' || true)
  echo "mmdebstrap: bookworm minbase from ${sources[*]}" >&2
  local log previous
  log="$(mktemp)"
  previous="$(pod image inspect --format '{{.Id}}' "$image" 2>/dev/null || true)"
  if ! mmdebstrap --variant=minbase --mode=root --format=tar --quiet \
    --hook-dir=/usr/share/mmdebstrap/hooks/merged-usr \
    "${opts[@]}" \
    --dpkgopt='path-exclude=/usr/share/man/*' \
    --dpkgopt='path-exclude=/usr/share/locale/*' \
    --dpkgopt='path-exclude=/usr/share/doc/*' \
    --dpkgopt='path-include=/usr/share/doc/*/copyright' \
    --dpkgopt='path-exclude=/usr/share/info/*' \
    bookworm - "${sources[@]}" 2>"$log" |
    pod import --quiet --change 'CMD ["/bin/bash"]' - "$image" >/dev/null; then
    cat "$log" >&2
    rm -f "$log"
    echo "could not make the base image $image (mmdebstrap's log above)" >&2
    return 1
  fi
  rm -f "$log"
  # The image this one replaced, now untagged (kept while a build uses it).
  if [ -n "$previous" ] && [ "$previous" != "$(pod image inspect --format '{{.Id}}' "$image")" ]; then
    pod rmi "$previous" >/dev/null 2>&1 || true
  fi
}

# The image's programs, as the runtime stage installs them in /usr/local/bin.
rcp_programs=(rcp-registryd rcp-eventsd rcp-documentsd rcp-gatewayd rcpctl rcp-admin)

# rcp_check_image IMAGE: every program finds all its shared libraries, and
# answers --version as the image's user, with the version it was built as.
# Fails, saying which, if one does not; prints each with its wall time.
rcp_check_image() {
  local image="$1" ulimits out p began
  read -r -a ulimits <<< "$(rcp_ulimit_flags)"
  out="$(pod run --rm "${ulimits[@]}" --network=none "$image" ldd "${rcp_programs[@]/#//usr/local/bin/}" 2>&1)" || {
    echo "$out" >&2
    echo "ldd failed in $image" >&2
    return 1
  }
  if grep -q "not found" <<< "$out"; then
    grep -E "^/|not found" <<< "$out" >&2
    echo "$image lacks shared libraries its programs need (above)" >&2
    return 1
  fi
  for p in "${rcp_programs[@]}"; do
    began=$(date +%s%N)
    if ! out="$(pod run --rm "${ulimits[@]}" --network=none "$image" "$p" --version 2>&1)"; then
      echo "$out" >&2
      echo "$p --version failed in $image" >&2
      return 1
    fi
    if ! grep -q "^$p " <<< "$out"; then
      echo "$out" >&2
      echo "$p --version in $image does not name the program" >&2
      return 1
    fi
    echo "$(head -n 1 <<< "$out") ($(( ($(date +%s%N) - began) / 1000000 )) ms, container start included)"
  done
}
