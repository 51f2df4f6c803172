# Shared helpers for the kernel lab scripts. Sourced, never executed.
# shellcheck shell=bash

# Host-side messages go to stderr: build-kernel.sh reserves stdout for the
# bzImage path, and run.sh's stdout carries the guest's serial console.
lab_log() {
  printf '[lab] %s\n' "$*" >&2
}

lab_die() {
  printf '[lab] error: %s\n' "$*" >&2
  exit 1
}

# Where built artefacts live between runs. Outside the repo so that a clean
# clone stays clean and several clones share one kernel build.
lab_cache_root() {
  printf '%s\n' "${HEAPWISE_CACHE:-${HOME:?HOME is not set}/.cache/heapwise}"
}

# Installs the Debian packages among "$@" that are missing. CI starts from a
# fresh bookworm image as root, so the scripts must bring their own tools;
# `apt-get update` runs only when something is actually missing, which keeps
# the warm path free of network access.
lab_ensure_packages() {
  local pkg
  local -a missing=()
  command -v dpkg-query >/dev/null ||
    lab_die "not a Debian-like host (no dpkg-query); install by hand: $*"
  for pkg in "$@"; do
    # shellcheck disable=SC2016 # ${Status} is a dpkg-query format field, not a shell expansion
    if ! dpkg-query -W -f='${Status}\n' "$pkg" 2>/dev/null | grep -qx 'install ok installed'; then
      missing+=("$pkg")
    fi
  done
  ((${#missing[@]} == 0)) && return 0

  local -a sudo=()
  if ((EUID != 0)); then
    command -v sudo >/dev/null ||
      lab_die "missing packages ${missing[*]} and not root (no sudo either)"
    sudo=(sudo)
  fi
  lab_log "installing ${missing[*]}"
  # apt's chatter goes to stderr for the same reason as lab_log.
  "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get update -qq >&2
  "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive \
    apt-get install -y -qq --no-install-recommends "${missing[@]}" >&2
}

# Microseconds since the epoch, from bash's own clock (no fork).
lab_now_us() {
  local t=${EPOCHREALTIME/[.,]/}
  printf '%s\n' "$t"
}

# Formats a microsecond duration as seconds with one decimal, e.g. "7.3".
lab_format_us() {
  local us=$1
  printf '%d.%d\n' $((us / 1000000)) $((us % 1000000 / 100000))
}
