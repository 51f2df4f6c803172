#!/usr/bin/env bash
# Usage: Lab/run.sh [--payload DIR] [--timeout SECS] [--append "kernel args"]
#                   [--kernel BZIMAGE] [--qemu-arg ARG]...
#
# Boots the lab kernel under qemu with PAYLOAD (default: Lab/smoke) as
# /payload and exits 0 only if the guest reported `lab: result PASS` through
# isa-debug-exit. The serial console is shown live and saved to
# lab-out/serial.log in the repo (gitignored).
set -euo pipefail

lab_dir=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
repo_dir=$(cd "$lab_dir/.." && pwd)
# shellcheck source=lib.sh
. "$lab_dir/lib.sh"

usage() {
  sed -n '2,3s/^# \{0,1\}//p' "${BASH_SOURCE[0]}" >&2
  exit "$1"
}

payload=$lab_dir/smoke
timeout_s=300
extra_append=
kernel=
qemu_extra=()
while (($# > 0)); do
  case $1 in
    --payload) payload=${2:?--payload needs a directory}; shift 2 ;;
    --timeout) timeout_s=${2:?--timeout needs seconds}; shift 2 ;;
    --append) extra_append=${2?--append needs a string}; shift 2 ;;
    --kernel) kernel=${2:?--kernel needs a bzImage path}; shift 2 ;;
    --qemu-arg) qemu_extra+=("${2:?--qemu-arg needs an argument}"); shift 2 ;;
    -h | --help) usage 0 ;;
    *) printf 'unknown argument: %s\n' "$1" >&2; usage 2 ;;
  esac
done
[[ $timeout_s =~ ^[1-9][0-9]*$ ]] || lab_die "--timeout wants whole seconds, got '$timeout_s'"

started=$(lab_now_us)
lab_ensure_packages qemu-system-x86 coreutils
[[ -n $kernel ]] || kernel=$("$lab_dir/build-kernel.sh" | tail -n 1)
[[ -s $kernel ]] || lab_die "no kernel at '$kernel'"

# HEAPWISE_LAB_OUT lets several labs run side by side (each its own initrd and log).
out_dir=${HEAPWISE_LAB_OUT:-$repo_dir/lab-out}
initrd=$out_dir/initrd.cpio.gz
log=$out_dir/serial.log
mkdir -p "$out_dir"
"$lab_dir/build-initramfs.sh" "$initrd" "$payload"

# The guest's own time limit for /payload/run sits below the host timeout so
# that a slow payload still ends in a reported FAIL (with its output) rather
# than a killed VM: boot takes ~3 s under TCG, and init allows 5 s between
# TERM and KILL, hence 15 s of headroom (a third of short timeouts).
if ((timeout_s > 45)); then
  guest_limit=$((timeout_s - 15))
else
  guest_limit=$((timeout_s * 2 / 3))
  ((guest_limit > 0)) || guest_limit=1
fi

# KERNEL-LAB.md: quiet loglevel=4 keeps the console to errors and test
# output; panic=-1 plus -no-reboot turns a panic into a qemu exit instead of a
# hang; vivid gets two capture-only instances, single-planar (video7) and
# multi-planar (video8, vivid.multiplanar=2) for disjoint-plane capture; cma=128M
# doubles the CONFIG_CMA_SIZE_MBYTES default so CMA-heap tests have room.
# clocksource=tsc tsc=reliable: under TCG the guest's TSC follows the host's,
# but the kernel distrusts it and falls back to the HPET, which makes every
# clock_gettime a syscall plus an emulated MMIO read instead of a vDSO rdtsc;
# `bench alloc` reads the clock twice per sample.
# lab.timeout is read by /init; an --append'ed lab.timeout wins (last one).
append="console=ttyS0 panic=-1 quiet loglevel=4 cma=128M clocksource=tsc tsc=reliable"
append+=" vivid.n_devs=2 vivid.node_types=0x1,0x1 vivid.multiplanar=1,2 lab.timeout=$guest_limit"
# Device address spaces (KernelVFIOTests): VT-d on, and VFIO type1 without interrupt
# remapping (QEMU's intel-iommu has it off unless intremap=on with a split irqchip, and
# VFIO_SET_IOMMU then fails with EPERM unless unsafe interrupts are allowed).
append+=" intel_iommu=on vfio_iommu_type1.allow_unsafe_interrupts=1"
[[ -z $extra_append ]] || append+=" $extra_append"

# TCG only, never -enable-kvm: this host's /dev/kvm is a paravirtual KVM
# (kvm_pvm) on which a normal guest dies with an emulation failure and qemu
# may hang (KERNEL-LAB.md). isa-debug-exit carries the verdict: qemu exits
# with (code << 1) | 1, so 1 = pass, 3 = fail, 0 = the guest never wrote one.
# q35 with QEMU's emulated VT-d IOMMU (created before the PCI devices it translates for)
# and two of its educational PCI devices (hw/misc/edu.c) at fixed addresses: 00:08.0 with
# edu's default 28-bit DMA mask, 00:09.0 with 32 bits. The payload binds both to vfio-pci.
qemu=(
  qemu-system-x86_64 -accel tcg -cpu max -m 1G -smp 2 -M q35
  -kernel "$kernel" -initrd "$initrd" -append "$append"
  -nographic -no-reboot -nodefaults -serial stdio -display none
  -device intel-iommu
  -device "edu,addr=08.0,dma_mask=0xfffffff" -device "edu,addr=09.0,dma_mask=0xffffffff"
  -device "isa-debug-exit,iobase=0xf4,iosize=0x04"
  ${qemu_extra[@]+"${qemu_extra[@]}"}
)

lab_log "booting $(basename "$(dirname "$kernel")" | cut -c1-12)/bzImage with payload $payload (timeout ${timeout_s} s)"
boot_started=$(lab_now_us)
# --foreground keeps qemu in our process group so Ctrl-C stops it too (qemu
# has no children for timeout to reap). stdin from /dev/null: the guest needs
# no input, and qemu then leaves the terminal's modes alone.
# sed -u (unbuffered, so output stays live) strips the console's CRs and
# SeaBIOS's screen-control sequences: with no VGA it draws on the serial port
# and starts with ESC c, a full terminal reset.
set +e
timeout --foreground -k 10 "$timeout_s" "${qemu[@]}" </dev/null 2>&1 |
  sed -u -E 's/\x1bc/\n/g; s/\x1b\[[0-9;?]*[A-Za-z]//g; s/\r$//' | tee "$log"
qemu_status=${PIPESTATUS[0]}
set -e
finished=$(lab_now_us)

boot_time=$(lab_format_us $((finished - boot_started)))
total_time=$(lab_format_us $((finished - started)))
log_rel=${log#"$repo_dir"/}
if ((qemu_status == 1)) && grep -q 'lab: result PASS' "$log"; then
  printf 'lab: PASS in %s s (qemu %s s; log %s)\n' "$total_time" "$boot_time" "$log_rel"
  exit 0
fi
case $qemu_status in
  3) reason="guest reported: $(grep -o 'lab: result FAIL.*' "$log" | tail -n 1)" ;;
  124) reason="no verdict: killed after the ${timeout_s} s timeout" ;;
  0) reason="no verdict: the guest stopped without reporting (panic, poweroff or Ctrl-C)" ;;
  1) reason="qemu exited 1 but the log has no 'lab: result PASS'" ;;
  *) reason="qemu exited $qemu_status" ;;
esac
printf 'lab: FAIL in %s s (%s; qemu %s s; log %s)\n' "$total_time" "$reason" "$boot_time" "$log_rel"
exit 1
