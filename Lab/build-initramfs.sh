#!/usr/bin/env bash
# Usage: build-initramfs.sh OUT.cpio.gz PAYLOAD_DIR
#
# Packs the lab's initramfs: busybox-static with its applet symlinks, /init
# from Lab/init, the static hw-exit helper, and PAYLOAD_DIR copied to
# /payload (which must contain an executable `run`, see README.md).
set -euo pipefail

lab_dir=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=lib.sh
. "$lab_dir/lib.sh"

if (($# != 2)); then
  printf 'usage: %s OUT.cpio.gz PAYLOAD_DIR\n' "${0##*/}" >&2
  exit 2
fi
out=$1
payload=$2

[[ -d $payload ]] || lab_die "payload directory $payload does not exist"
[[ -f $payload/run && -x $payload/run ]] ||
  lab_die "$payload/run is missing or not executable: the guest runs /payload/run"

# busybox-static, not busybox: the initramfs has no shared libc.
# libc6-dev provides the static libc.a for hw-exit.
lab_ensure_packages busybox-static gcc libc6-dev cpio gzip
readonly busybox=/bin/busybox

# hw-exit is cached by its source and compiler, like the kernel, so that
# repeated runs do not pay for a static link.
hw_exit_src=$lab_dir/hw-exit.c
hw_exit_cflags=(-static -O2 -s -Wall -Wextra)
hw_exit_key=$({
  cat "$hw_exit_src"
  printf '%s\n' "${hw_exit_cflags[*]}"
  gcc --version | head -n 1
} | sha256sum | cut -d' ' -f1)
hw_exit=$(lab_cache_root)/hw-exit/$hw_exit_key/hw-exit
if [[ ! -x $hw_exit ]]; then
  lab_log "compiling hw-exit"
  mkdir -p "${hw_exit%/*}"
  gcc "${hw_exit_cflags[@]}" -o "$hw_exit.tmp.$$" "$hw_exit_src"
  mv -f "$hw_exit.tmp.$$" "$hw_exit"
fi

root=$(mktemp -d "${TMPDIR:-/tmp}/heapwise-initramfs.XXXXXXXX")
trap 'rm -rf "$root"' EXIT
# mktemp -d makes 0700; as the guest's / that would lock out the uid 1000 user.
chmod 0755 "$root"

mkdir -p "$root"/{bin,sbin,usr/bin,usr/sbin,dev,proc,sys,tmp,etc,root,payload}
cp "$busybox" "$root/bin/busybox"
# The equivalent of `busybox --install -s`, done on the host so /bin/sh
# exists before /init starts. Skipped: busybox itself, and linuxrc/sbin/init
# because the kernel must run our /init, not busybox's init.
while IFS= read -r applet; do
  case $applet in
    bin/busybox | linuxrc | sbin/init) continue ;;
  esac
  ln -s /bin/busybox "$root/$applet"
done < <("$busybox" --list-full)

install -m 0755 "$lab_dir/init" "$root/init"
install -m 0755 "$hw_exit" "$root/bin/hw-exit"
cp -a "$payload/." "$root/payload/"

# Sorted for reproducible archives; --owner 0:0 so files are root's in the
# guest even when built by a normal user. gzip -1: the payload (a ~10 MB
# static Swift binary) dominates, and faster packing beats a smaller file.
mkdir -p "$(dirname "$out")"
tmp_out=$out.tmp.$$
(cd "$root" && find . -print0 | LC_ALL=C sort -z |
  cpio --null --create --format=newc --owner=0:0 --quiet) | gzip -1 >"$tmp_out"
mv -f "$tmp_out" "$out"
lab_log "initramfs $out: $(stat -c %s "$out") bytes (payload $(du -sh "$payload" | cut -f1))"
