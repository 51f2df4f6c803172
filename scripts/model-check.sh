#!/usr/bin/env bash
# Model-checks Models/residency.pml with spin: batched, first-come-first-served binding has
# no deadlock and every client keeps completing (weak fairness); binding one granule at a
# time deadlocks, and batched binding without the queue starves a client. Each expected
# counterexample must be found, so the check can fail in both directions.
set -euo pipefail
repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
command -v spin >/dev/null || { echo "model-check: spin is missing (apt-get install spin)" >&2; exit 2; }
work=$(mktemp -d "${TMPDIR:-/tmp}/heapwise-spin.XXXXXXXX")
trap 'rm -rf "$work"' EXIT
cp "$repo/Models/residency.pml" "$work/"
cd "$work"

failed=0
# check VARIANT-FLAGS SIZE-FLAGS PROPERTY EXPECTED-ERRORS
check() {
  local variant=$1 size=$2 property=$3 expected=$4 output errors states
  # shellcheck disable=SC2086 # the flags are words
  spin $variant $size -a residency.pml >/dev/null
  if [[ $property == deadlock ]]; then
    gcc -O2 -DNOCLAIM -o pan pan.c
    output=$(./pan -m1000000 2>&1)
  else
    gcc -O2 -DNFAIR=3 -o pan pan.c
    output=$(./pan -m1000000 -a -f -N "$property" 2>&1)
  fi
  errors=$(sed -n 's/.*errors: \([0-9]*\).*/\1/p' <<<"$output")
  states=$(sed -n 's/^ *\([0-9]*\) states, stored.*/\1/p' <<<"$output")
  local found=none
  if grep -q 'pan:1: invalid end state' <<<"$output"; then found="invalid end state (deadlock)"; fi
  if grep -q 'pan:1: acceptance cycle' <<<"$output"; then found="acceptance cycle (a client never completes)"; fi
  local verdict=ok
  if [[ $expected == 0 && $errors != 0 ]] || [[ $expected != 0 && $errors == 0 ]]; then verdict=FAILED; failed=1; fi
  printf 'model-check: %-14s %-22s %-8s states %-6s errors %s, counterexample: %s: %s\n' \
    "${variant:-batched}" "$size" "$property" "$states" "$errors" "$found" "$verdict"
}

for size in "-DAPERTURE=8 -DWORKING=5" "-DAPERTURE=32 -DWORKING=17"; do
  check "" "$size" deadlock 0
  check "" "$size" live 0
  check "" "$size" safe 0
  check -DINCREMENTAL "$size" deadlock 1
  check -DINCREMENTAL "$size" live 1
  check -DNOQUEUE "$size" deadlock 0
  check -DNOQUEUE "$size" live 1
done
exit $failed
