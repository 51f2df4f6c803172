#!/usr/bin/env bash
# Runs every test Heapwise has; this is the README's test command and what CI (.ci/run) calls.
#   1. swift test on this machine (model, CLI, memfd and mocked error paths; kernel tests skip),
#      libheapwise as C programs meet it (scripts/test-c.sh: make install into a temporary prefix,
#      pkg-config, exported symbols, size, the cmocka tests under valgrind, the README's C examples),
#      the GStreamer plugin (scripts/test-gst.sh: meson against the installed library, gst/check,
#      gst-inspect-1.0, videotestsrc ! heapwisepool ! fakesink),
#      the DocC catalog of the Heapwise module (swift package generate-documentation, warnings as errors),
#      then the buffer pool's and the broker's tests again under ThreadSanitizer (scripts/sanitize.sh thread),
#      the broker's and the IOVA allocator's under AddressSanitizer (scripts/sanitize.sh address), the
#      residency model under spin (scripts/model-check.sh), and a minute of libFuzzer on the
#      profile/pipeline readers and the broker's decoder (scripts/fuzz.sh)
#   2. the kernel lab matrix (Lab/matrix.sh): the same payload (test bundle and CLI) inside each
#      kernel of Lab/kernels under qemu (5.10 with ION, 6.1, 6.12), with dma-buf heaps, udmabuf,
#      vkms, vgem and vivid, where the kernel tests must run; one line per kernel, then the total.
# HEAPWISE_SKIP_LAB=1 runs only step 1 (for a quick edit-test loop; CI never sets it).
set -euo pipefail
cd "$(dirname "$0")/.."
mkdir -p lab-out
# HeapwiseCore reads YAML with the system's libyaml (found through pkg-config).
# shellcheck source=../Lab/lib.sh
(. Lab/lib.sh && lab_ensure_packages libyaml-dev pkg-config)

echo "== swift test (host)"
set +e
# Serially: several tests count this process's open file descriptors.
swift test --no-parallel 2>&1 | tee lab-out/host-tests.log | grep -vE '^\[[0-9]+/[0-9]+\]|(started|passed after [0-9.]+ seconds)\.$'
status=${PIPESTATUS[0]}
set -e
host_summary=$(grep -E 'Test run with [0-9]+ tests' lab-out/host-tests.log | tail -n 1 || true)
host_count=$(sed -nE 's/.*Test run with ([0-9]+) tests.*/\1/p' <<<"$host_summary")
if [ "$status" -ne 0 ] || [ -z "$host_count" ]; then
  echo "host tests failed (swift test exit $status)"
  echo "0 passed, 1 failed"
  exit 1
fi

# counted_step PREFIX SCRIPT: runs a test script that ends with "PREFIX: N passed, 0 failed",
# showing its PREFIX lines (the whole log in lab-out/PREFIX-tests.log), and adds N to the count.
counted_step() {
  local prefix=$1 script=$2 count
  if ! "$script" 2>&1 | tee "lab-out/$prefix-tests.log" | grep -E "^$prefix: "; then
    echo "0 passed, 1 failed"
    exit 1
  fi
  count=$(sed -nE "s/^$prefix: ([0-9]+) passed, 0 failed\$/\\1/p" "lab-out/$prefix-tests.log")
  if [ -z "$count" ]; then
    echo "0 passed, 1 failed"
    exit 1
  fi
  host_count=$((host_count + count))
}

echo "== libheapwise (the C library: install, pkg-config, exports, size, cmocka under valgrind, README examples)"
counted_step c scripts/test-c.sh

echo "== GStreamer plugin (meson against pkg-config heapwise, gst/check, gst-inspect, gst-launch on this machine)"
counted_step gst scripts/test-gst.sh

echo "== DocC (the Heapwise module's catalog; a warning is an error)"
if ! swift package --disable-sandbox generate-documentation --target Heapwise --warnings-as-errors \
    --output-path lab-out/Heapwise.doccarchive >lab-out/docc.log 2>&1; then
  grep -E 'error|warning' lab-out/docc.log || tail -n 20 lab-out/docc.log
  echo "0 passed, 1 failed"
  exit 1
fi
echo "docc: Heapwise.doccarchive built without warnings"

echo "== ThreadSanitizer (the buffer pool, shared across threads, and the broker)"
if ! scripts/sanitize.sh thread; then
  echo "0 passed, 1 failed"
  exit 1
fi

echo "== AddressSanitizer (the broker and its socket shim, the IOVA allocator)"
if ! scripts/sanitize.sh address; then
  echo "0 passed, 1 failed"
  exit 1
fi

echo "== spin (Models/residency.pml: batched binding, and the variants that must fail)"
# shellcheck source=../Lab/lib.sh
(. Lab/lib.sh && lab_ensure_packages spin gcc)
if ! scripts/model-check.sh; then
  echo "0 passed, 1 failed"
  exit 1
fi

echo "== libFuzzer (profile, pipeline, catalog and hint readers, /proc parsers, the broker decoder)"
if ! scripts/fuzz.sh 60; then
  echo "0 passed, 1 failed"
  exit 1
fi

if [ "${HEAPWISE_SKIP_LAB:-0}" = 1 ]; then
  echo "kernel lab skipped (HEAPWISE_SKIP_LAB=1)"
  echo "$host_count passed, 0 failed"
  exit 0
fi

echo "== kernel lab (every kernel of Lab/kernels, one after another)"
rm -f "${HEAPWISE_LAB_OUT:-lab-out}/matrix.txt"
Lab/payloads/heapwise/build.sh lab-out/payload
set +e
Lab/matrix.sh lab-out/payload 2>&1 | tee lab-out/matrix.log
lab_status=${PIPESTATUS[0]}
set -e
lab_line=$(grep -aE '^[0-9]+ passed, [0-9]+ failed$' lab-out/matrix.log | tail -n 1 || true)
lab_passed=$(sed -nE 's/^([0-9]+) passed.*/\1/p' <<<"$lab_line")
lab_failed=$(sed -nE 's/.* ([0-9]+) failed.*/\1/p' <<<"$lab_line")
if [ "$lab_status" -ne 0 ] && [ "${lab_failed:-0}" -eq 0 ]; then lab_failed=1; fi

echo "host: $host_summary"
sed 's/^/lab: /' "${HEAPWISE_LAB_OUT:-lab-out}/matrix.txt" 2>/dev/null || echo "lab: no result"
echo "$((host_count + ${lab_passed:-0})) passed, ${lab_failed:-1} failed"
[ "$lab_status" -eq 0 ]
