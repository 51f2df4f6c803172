#!/usr/bin/env bash
# Runs tests again under a sanitizer, in a build folder of its own (.build-tsan, .build-asan),
# and fails on any report:
#   scripts/sanitize.sh thread    the buffer pool (shared across threads) and the broker
#   scripts/sanitize.sh address   the broker's wire format and policy, and the IOVA allocator
# The broker tests spawn this build's heapwise serve, so the daemon and its C socket shim run
# instrumented too. scripts/test-all.sh runs both.
set -euo pipefail
cd "$(dirname "$0")/.."
kind=${1:-}
case $kind in
  thread)
    name=tsan report='WARNING: ThreadSanitizer' finding='data race'
    export TSAN_OPTIONS="halt_on_error=1 second_deadlock_stack=1"
    filter='BufferPoolTests|BrokerServeTests' ;;
  address)
    name=asan report='ERROR: AddressSanitizer' finding='memory error'
    export ASAN_OPTIONS="halt_on_error=1 detect_leaks=0"
    filter='BrokerServeTests|BrokerProtocolTests|BrokerPolicyTests|IOVAAllocatorTests' ;;
  *) echo "usage: scripts/sanitize.sh thread|address" >&2; exit 2 ;;
esac
log=$(mktemp)
trap 'rm -f "$log"' EXIT
set +e
swift test --scratch-path ".build-$name" --sanitize="$kind" --no-parallel --filter "$filter" >"$log" 2>&1
status=$?
set -e
grep -E "Test run with|$report|SUMMARY: [A-Za-z]+Sanitizer" "$log" || true
if [ "$status" -ne 0 ] || grep -q "$report" "$log"; then
  tail -n 60 "$log"
  echo "$name: FAIL (swift test exit $status)"
  exit 1
fi
passed=$(grep -cE '✔ Test [A-Za-z0-9_]+\(.*\) (with [0-9]+ test cases? )?passed' "$log" || true)
if [ "$passed" -eq 0 ]; then
  tail -n 20 "$log"
  echo "$name: FAIL (no test ran)"
  exit 1
fi
echo "$name: no $finding in $passed tests ($filter)"
