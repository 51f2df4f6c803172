#!/usr/bin/env bash
# Usage: Lab/build-kernel.sh [SERIES]
#
# Builds the lab kernel of SERIES (a line of Lab/kernels: 5.10, 6.1 or 6.12;
# default 6.1), an x86_64 bzImage with everything built in and no modules,
# and prints its path as the last line of stdout. Beside the bzImage the cache
# entry keeps the final .config, the kernel release and `not-in-kernel`, the
# fragment's options this kernel does not have.
#
# Why a custom kernel: no Debian kernel image has dma-buf heaps (system and
# CMA), udmabuf, vgem, vkms and vivid all at once (see KERNEL-LAB.md), and a
# tinyconfig-based kernel with only those pieces builds in ~4 minutes.
#
# The result is cached under $HEAPWISE_CACHE (default ~/.cache/heapwise),
# keyed by the config fragment, the Debian source package version, the
# matrix line and this script, so a warm run only hashes a few inputs.
set -euo pipefail

lab_dir=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=lib.sh
. "$lab_dir/lib.sh"

series=${1:-6.1}
matrix_line=$(awk -v s="$series" '$1 == s' "$lab_dir/kernels")
[[ -n $matrix_line ]] ||
  lab_die "no kernel series '$series' in Lab/kernels (it has: $(awk '!/^#/ && NF {printf "%s ", $1}' "$lab_dir/kernels"))"
read -r _ source_package suite not_in_kernel <<<"$matrix_line"
readonly source_package suite
readonly fragment=$lab_dir/kernel.config
readonly this_script=$lab_dir/build-kernel.sh
readonly fragment_name=${fragment##*/}

[[ $(uname -m) == x86_64 ]] ||
  lab_die "the lab builds an x86_64 kernel natively; this host is $(uname -m)"

# Only the source package is needed to compute the cache key; the compilers
# are installed later, and only on a cache miss.
if [[ $suite == system ]]; then
  lab_ensure_packages "$source_package"
  # shellcheck disable=SC2016 # ${Version} is a dpkg-query format field
  source_version=$(dpkg-query -W -f='${Version}' "$source_package")
  source_tarball=/usr/src/$source_package.tar.xz
else
  fetched=$("$lab_dir/kernel-source.sh" "$source_package" "$suite")
  source_tarball=$(tail -n 2 <<<"$fetched" | head -n 1)
  source_version=$(tail -n 1 <<<"$fetched")
fi
[[ -r $source_tarball ]] || lab_die "$source_package $source_version has no $source_tarball"

key=$({
  printf 'fragment\n'
  cat "$fragment"
  printf 'source %s %s\n' "$source_package" "$source_version"
  printf 'matrix %s\n' "$matrix_line"
  printf 'script\n'
  cat "$this_script"
} | sha256sum | cut -d' ' -f1)
cache_dir=$(lab_cache_root)/kernel
dest=$cache_dir/$key

if [[ -s $dest/bzImage ]]; then
  lab_log "kernel cache hit: $dest"
  printf '%s\n' "$dest/bzImage"
  exit 0
fi

# Build dependencies of a 6.1 bzImage (checked with a first build):
# bc for timeconst, bison/flex for kconfig, libelf for objtool, libssl for
# sign-file/extract-cert, cpio for kheaders, xz-utils for the tarball.
lab_ensure_packages gcc make libc6-dev xz-utils bc bison flex libelf-dev libssl-dev cpio

work=$(mktemp -d "${TMPDIR:-/tmp}/heapwise-kernel.XXXXXXXX")
stage=
cleanup() {
  rm -rf "$work"
  if [[ -n $stage ]]; then rm -rf "$stage"; fi
}
trap cleanup EXIT

build_log=$work/build.log
# Runs a build step with its (long) output in build.log; on failure the tail
# of the log is what CI shows, since the work dir is removed on exit.
step() {
  if ! "$@" >>"$build_log" 2>&1; then
    tail -n 60 "$build_log" >&2
    lab_die "kernel build step failed: $*"
  fi
}

started=$(lab_now_us)
lab_log "kernel cache miss ($key); building in $work"
lab_log "extracting $source_tarball ($source_version)"
tar -xJf "$source_tarball" -C "$work"
src=$work/$source_package
[[ -d $src ]] || lab_die "$source_tarball did not unpack to $source_package/"

cd "$src"
lab_log "configuring: tinyconfig + $fragment_name"
step make ARCH=x86_64 tinyconfig
# -m: merge only; olddefconfig then resolves dependencies of the merged set.
step ./scripts/kconfig/merge_config.sh -m .config "$fragment"
step make ARCH=x86_64 olddefconfig

# merge_config.sh only warns when kconfig drops a requested option (unmet
# dependency, renamed symbol); a silently missing heap or driver would show
# up much later as a confusing test failure, so check every line here.
# Options that Lab/kernels says this series does not have are recorded in
# `not-in-kernel`; any other dropped option fails the build.
dropped=()
absent=()
expected_absent() {
  local opt
  for opt in $not_in_kernel; do [[ $opt == "$1" ]] && return 0; done
  return 1
}
while IFS= read -r line; do
  case $line in
    '# CONFIG_'*' is not set')
      opt=${line#\# }
      opt=${opt%% *}
      if grep -q "^$opt=" .config; then
        dropped+=("$line (final: $(grep "^$opt=" .config))")
      fi
      ;;
    '' | '#'*) ;;
    CONFIG_*=*)
      if ! grep -qxF -- "$line" .config; then
        opt=${line%%=*}
        final=$(grep -E "^$opt=|^# $opt is not set" .config || true)
        if expected_absent "$opt" && [[ -z $final ]]; then
          absent+=("$opt")
        else
          dropped+=("$line (final: ${final:-absent})")
        fi
      fi
      ;;
    *) lab_die "unrecognised line in $fragment_name: $line" ;;
  esac
done <"$fragment"
if ((${#dropped[@]} > 0)); then
  printf '[lab]   dropped: %s\n' "${dropped[@]}" >&2
  lab_die "${#dropped[@]} option(s) of $fragment_name did not survive olddefconfig"
fi
for opt in $not_in_kernel; do
  grep -qE "^$opt=" .config && lab_die "Lab/kernels says $series lacks $opt, but it is in .config: fix the matrix line"
done
lab_log "$(($(grep -c '^CONFIG_\|^# CONFIG_.* is not set' "$fragment") - ${#absent[@]})) fragment options present in .config;" \
  "not in Linux $series: ${absent[*]:-none}"

jobs=$(nproc)
lab_log "make -j$jobs bzImage (3 to 7 minutes on 2 cores)"
step make ARCH=x86_64 -j"$jobs" bzImage
release=$(make -s ARCH=x86_64 kernelrelease)

# Publish atomically: stage next to the destination, then rename, so a
# concurrent or interrupted build never leaves a half-written cache entry.
mkdir -p "$cache_dir"
stage=$(mktemp -d "$cache_dir/.stage.XXXXXXXX")
cp arch/x86/boot/bzImage "$stage/bzImage"
cp .config "$stage/config"
printf '%s\n' "$release" >"$stage/kernelrelease"
printf '%s\n' ${absent[@]+"${absent[@]}"} >"$stage/not-in-kernel"
if mv -T "$stage" "$dest" 2>/dev/null; then
  stage=
else
  lab_log "another build published $dest first; using it"
fi

elapsed=$(($(lab_now_us) - started))
lab_log "built Linux $release in $(lab_format_us "$elapsed") s, $(stat -c %s "$dest/bzImage") bytes"
printf '%s\n' "$dest/bzImage"
