#!/usr/bin/env bash
# Runs the tests of code that several threads share (the buffer pool) under ThreadSanitizer,
# in a build folder of its own (.build-tsan), and fails on any data race report.
# scripts/test-all.sh runs it; it can also be run alone.
set -euo pipefail
cd "$(dirname "$0")/.."
log=$(mktemp)
trap 'rm -f "$log"' EXIT
set +e
TSAN_OPTIONS="halt_on_error=1 second_deadlock_stack=1" \
  swift test --scratch-path .build-tsan --sanitize=thread --no-parallel --filter 'BufferPoolTests' >"$log" 2>&1
status=$?
set -e
grep -E 'Test run with|WARNING: ThreadSanitizer|SUMMARY: ThreadSanitizer' "$log" || true
if [ "$status" -ne 0 ] || grep -q 'WARNING: ThreadSanitizer' "$log"; then
  tail -n 60 "$log"
  echo "tsan: FAIL (swift test exit $status)"
  exit 1
fi
passed=$(grep -cE '✔ Test [A-Za-z]+\(.*\) passed' "$log" || true)
if [ "$passed" -eq 0 ]; then
  tail -n 20 "$log"
  echo "tsan: FAIL (no pool test ran)"
  exit 1
fi
echo "tsan: no data race in $passed pool tests"
