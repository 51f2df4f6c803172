#!/usr/bin/env bash
# Usage: Lab/matrix.sh PAYLOAD_DIR [SERIES...]
#
# Runs the Heapwise payload on every kernel of Lab/kernels (or the SERIES given), one after
# another: builds (or takes from the cache) each kernel, declares what that kernel has, boots
# it with the payload, and prints one line per kernel,
#   linux 5.10.223: N passed, M failed, K not applicable
# then the totals as "N passed, M failed". Exits non-zero if any kernel failed.
#
# HEAPWISE_LAB_ONLY=REGEX runs only the Swift tests whose names match (and no CLI checks): a
# quick look at the suites a change touched, on one kernel (SERIES); CI never sets it.
#
# The features are declared from the kernel's build, never from the guest: the payload fails
# a test skipped for a feature its kernel was declared to have (Lab/payloads/heapwise/run).
#   ion                       CONFIG_ION=y in the kernel's .config (staging; gone in 5.11)
#   cma-sysfs                 CONFIG_CMA_SYSFS=y
#   dmabuf-sysfs-stats        CONFIG_DMABUF_SYSFS_STATS=y
#   sync-file                 release 6.0 or later (DMA_BUF_IOCTL_EXPORT/IMPORT_SYNC_FILE)
#   fdinfo-ino                release 5.14 or later (fs/proc/fd.c prints ino:)
#   udmabuf-limit-parameters  release 6.1 or later: udmabuf.c has list_limit and size_limit_mb
#                             as module_param in 6.1, as constants in 5.10
#   vkms-shmem-gem            release 6.1 or later: 6.1's vkms is built on the shmem GEM helpers;
#                             5.10's has its own GEM code: no PRIME export, imports never
#                             released, imported pages put after a commit (KernelLab.Feature)
#   heap-exporter-names       release 6.1 or later: the heaps name the exporter after the heap;
#                             5.10's heap-helpers.c names every buffer's exporter heap_helpers
set -euo pipefail

lab_dir=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
repo_dir=$(cd "$lab_dir/.." && pwd)
# shellcheck source=lib.sh
. "$lab_dir/lib.sh"

payload=${1:?usage: Lab/matrix.sh PAYLOAD_DIR [SERIES...]}
shift
if (($# > 0)); then series_list=("$@"); else mapfile -t series_list < <(awk '!/^#/ && NF {print $1}' "$lab_dir/kernels"); fi
out_root=${HEAPWISE_LAB_OUT:-$repo_dir/lab-out}

# 1 if release $1 (e.g. 5.10.223) is at least major.minor $2.
at_least() {
  local IFS=.
  read -r a b _ <<<"$1"
  read -r x y <<<"$2"
  ((a > x || (a == x && b >= y)))
}

features_of() { # kernel cache directory
  local config=$1/config release features=()
  release=$(cat "$1/kernelrelease")
  grep -q '^CONFIG_ION=y' "$config" && features+=(ion)
  grep -q '^CONFIG_CMA_SYSFS=y' "$config" && features+=(cma-sysfs)
  grep -q '^CONFIG_DMABUF_SYSFS_STATS=y' "$config" && features+=(dmabuf-sysfs-stats)
  at_least "$release" 6.0 && features+=(sync-file)
  at_least "$release" 5.14 && features+=(fdinfo-ino)
  at_least "$release" 6.1 && features+=(udmabuf-limit-parameters vkms-shmem-gem heap-exporter-names)
  local IFS=,
  echo "${features[*]}"
}

lines=()
total_passed=0
total_failed=0
status=0
for series in "${series_list[@]}"; do
  started=$(lab_now_us)
  kernel=$("$lab_dir/build-kernel.sh" "$series" | tail -n 1)
  built=$(lab_now_us)
  entry=$(dirname "$kernel")
  release=$(cat "$entry/kernelrelease")
  features=$(features_of "$entry")
  lacks=$(paste -sd ' ' "$entry/not-in-kernel" 2>/dev/null || true)
  echo "== linux $release (series $series): features ${features:-none}; fragment options not in this kernel: ${lacks:-none}"
  out=$out_root/linux-$series
  set +e
  HEAPWISE_LAB_OUT=$out "$lab_dir/run.sh" --payload "$payload" --timeout 1500 --kernel "$kernel" \
    --append "lab.kernel=$series lab.features=${features:-none}${HEAPWISE_LAB_ONLY:+ lab.only=$HEAPWISE_LAB_ONLY}"
  run_status=$?
  set -e
  line=$(grep -aE '^linux [^ ]+: [0-9]+ passed, [0-9]+ failed, [0-9]+ not applicable' "$out/serial.log" | tail -n 1 || true)
  [[ -n $line ]] || line="linux $release: 0 passed, 1 failed, 0 not applicable (no result; exit $run_status)"
  passed=$(sed -nE 's/.*: ([0-9]+) passed.*/\1/p' <<<"$line")
  failed=$(sed -nE 's/.* ([0-9]+) failed.*/\1/p' <<<"$line")
  if ((run_status != 0 && failed == 0)); then failed=1; line+=" (lab exit $run_status)"; fi
  ((run_status == 0)) || status=1
  total_passed=$((total_passed + passed))
  total_failed=$((total_failed + failed))
  lines+=("$line [kernel $(((built - started) / 1000000)) s, run $((($(lab_now_us) - built) / 1000000)) s]")
done

echo "== kernel matrix"
printf '%s\n' "${lines[@]}" | tee "$out_root/matrix.txt"
echo "$total_passed passed, $total_failed failed"
exit "$status"
