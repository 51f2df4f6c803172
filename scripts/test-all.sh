#!/usr/bin/env bash
# Runs every test Heapwise has: the Swift test suites on this machine, then (where the
# kernel lab is present) the kernel-facing tests inside a real Linux kernel under qemu.
# This is the README's test command and what CI (.ci/run) calls.
set -euo pipefail
cd "$(dirname "$0")/.."

echo "== swift test (host)"
swift test 2>&1 | tee /tmp/heapwise-swift-test.log | grep -vE '^\[[0-9]+/[0-9]+\]|^Test .* (started|passed after)'
status=${PIPESTATUS[0]}
[ "$status" -eq 0 ] || { echo "swift test failed (exit $status)"; exit "$status"; }
