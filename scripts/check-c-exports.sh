#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Fails unless LIBRARY exports exactly the functions HEADER declares: no Swift symbol, no
# runtime, nothing the header forgot, nothing it promises that is missing.
#   scripts/check-c-exports.sh LIBRARY [HEADER]
set -euo pipefail
library=$1
header=${2:-"$(dirname "$0")/../include/heapwise/heapwise.h"}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
# Global and weak definitions only (gold keeps some local symbols in .dynsym); the version
# node (HEAPWISE_0, type A) is not a function.
nm -D --defined-only "$library" | awk '$2 ~ /^[TDBRVWiu]$/ { sub(/@.*/, "", $3); print $3 }' | sort -u >"$tmp/exported"
# What the header declares: every name called as a function after preprocessing.
cc -E -P -x c "$header" | grep -oE '\bheapwise_[a-z0-9_]+[[:space:]]*\(' | tr -d ' (' | sort -u >"$tmp/declared"
if ! diff -u "$tmp/declared" "$tmp/exported" >"$tmp/diff"; then
  echo "exports: $library and $header disagree (- declared only, + exported only):"
  grep -E '^[-+][^-+]' "$tmp/diff"
  exit 1
fi
echo "exports: $(wc -l <"$tmp/exported") functions, exactly the header's"
