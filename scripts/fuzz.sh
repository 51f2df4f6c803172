#!/usr/bin/env bash
# Fuzzes the profile, pipeline, heap-catalog and hint readers, the /proc text parsers of
# heapwise stats and the broker's message decoder (seeds in scripts/fuzz-seeds), with libFuzzer (the toolchain's
# -sanitize=fuzzer, with AddressSanitizer), starting from the shipped profiles and examples,
# in a build folder of its own (.build-fuzz). A crash, a sanitizer report or a profile that
# does not read back from its own JSON fails the run, and the input is kept in lab-out/fuzz/.
#   scripts/fuzz.sh [SECONDS]     (default 60; scripts/test-all.sh runs 60)
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${1:-60}
[[ $seconds =~ ^[1-9][0-9]*$ ]] || { echo "usage: scripts/fuzz.sh [SECONDS]" >&2; exit 2; }
out=lab-out/fuzz
mkdir -p "$out/corpus" "$out/crashes"
cp Profiles/*.yaml Examples/*.yaml Examples/heaps/*.yaml scripts/fuzz-seeds/* "$out/corpus/"
log=$(mktemp)
trap 'rm -f "$log"' EXIT
swift build --scratch-path .build-fuzz --product heapwise-fuzz -Xswiftc -DFUZZING \
  --sanitize=fuzzer --sanitize=address >"$log" 2>&1 || { tail -n 40 "$log"; echo "fuzz: build failed"; exit 1; }
binary=$(swift build --scratch-path .build-fuzz --show-bin-path)/heapwise-fuzz
set +e
"$binary" -max_total_time="$seconds" -max_len=4096 -timeout=10 -rss_limit_mb=2048 \
  -artifact_prefix="$out/crashes/" "$out/corpus" >"$log" 2>&1
status=$?
set -e
runs=$(grep -oE '#[0-9]+' "$log" | tail -n 1 | tr -d '#')
if [ "$status" -ne 0 ]; then
  tail -n 40 "$log"
  echo "fuzz: FAIL after ${runs:-0} inputs; the input is in $out/crashes/"
  exit 1
fi
echo "fuzz: ${runs:-0} inputs in ${seconds} s, no crash (corpus $(ls "$out/corpus" | wc -l) files)"
