#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# libheapwise as a C programmer meets it. Installs with `make install` into a temporary
# prefix; everything after finds the library through pkg-config only (proving the install and
# heapwise.pc):
#   1. the library exports exactly heapwise.h's functions, is self-contained (no Swift library
#      needed at run time) and at most 15 MB stripped
#   2. the header compiles as C11 (-Wall -Wextra -Werror -pedantic) and as C++ (-Wall -Werror)
#   3. Tests/C/test_heapwise.c (cmocka) under valgrind: no leak, no error, the same
#      descriptors open before and after
#   4. the README's C examples, extracted, built and run
#   5. a DESTDIR install holds every file packagers expect, and `make uninstall` removes them
# Prints "c: N passed, 0 failed" last.
set -euo pipefail
cd "$(dirname "$0")/.."
repo=$PWD
# shellcheck source=../Lab/lib.sh
(. Lab/lib.sh && lab_ensure_packages gcc g++ make pkg-config libcmocka-dev valgrind libegl-dev libvulkan-dev libdrm-dev libyaml-dev)

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
prefix=$work/usr
passed=0
pass() { echo "c: ok: $*"; passed=$((passed + 1)); }
fail() { echo "c: FAILED: $*"; echo "$passed passed, 1 failed" | sed 's/^/c: /'; exit 1; }

make -s >"$work/install.log" 2>&1 && make -s install PREFIX="$prefix" >>"$work/install.log" 2>&1 ||
  { cat "$work/install.log"; fail "make && make install"; }
export PKG_CONFIG_PATH="$prefix/lib/pkgconfig"
pkg-config --validate heapwise || fail "heapwise.pc does not validate"
[ "$(pkg-config --modversion heapwise)" = "$(sed -n 's/^#define HEAPWISE_VERSION_\(MAJOR\|MINOR\|MICRO\) //p' include/heapwise/heapwise.h | paste -sd.)" ] ||
  fail "heapwise.pc's version is not the header's"
libdir=$(pkg-config --variable=libdir heapwise)
cflags=$(pkg-config --cflags heapwise)
libs=$(pkg-config --libs heapwise)
pass "installed in $prefix, found by pkg-config ($cflags $libs)"

# 1. Exports, dependencies, size.
library=$(readlink -f "$libdir/libheapwise.so")
[ "$(readelf -d "$library" | sed -n 's/.*SONAME.*\[\(.*\)\]/\1/p')" = libheapwise.so.0 ] || fail "SONAME is not libheapwise.so.0"
scripts/check-c-exports.sh "$library" include/heapwise/heapwise.h || fail "exports"
# The checker fails when the header and the library disagree either way.
{ echo 'int heapwise_not_in_the_library(void);'; grep -v '^heapwise_status heapwise_pool_acquire' include/heapwise/heapwise.h; } >"$work/skewed.h"
if scripts/check-c-exports.sh "$library" "$work/skewed.h" >"$work/skewed.log"; then fail "the export check passed a skewed header"; fi
grep -q -- '-heapwise_not_in_the_library' "$work/skewed.log" && grep -q -- '+heapwise_pool_acquire' "$work/skewed.log" ||
  fail "the export check did not name both differences"
pass "exports: exactly the header's functions (and a skewed header is caught both ways)"
needed=$(readelf -d "$library" | sed -n 's/.*NEEDED.*\[\(.*\)\]/\1/p' | sort | paste -sd' ')
for lib in $needed; do
  case $lib in libc.so.* | libm.so.* | libstdc++.so.* | libgcc_s.so.* | libyaml-0.so.* | ld-linux-*) ;;
  *) fail "libheapwise needs $lib at run time (only libc, libm, libstdc++, libgcc_s, libyaml may be)" ;;
  esac
done
strip -o "$work/stripped.so" "$library"
size=$(stat -c %s "$work/stripped.so")
[ "$size" -le $((15 * 1000 * 1000)) ] || fail "libheapwise is $size bytes stripped, over 15 MB"
pass "self-contained (NEEDED: $needed), $((size / 1000)) kB stripped (limit 15000 kB)"

# 2. The header, in C and C++.
printf '#include <heapwise/heapwise.h>\nint main(void) { return heapwise_version() == HEAPWISE_VERSION ? 0 : 1; }\n' >"$work/header.c"
cc -std=c11 -Wall -Wextra -Werror -pedantic $cflags "$work/header.c" -o "$work/header-c" $libs || fail "the header as C11"
cp "$work/header.c" "$work/header.cpp"
c++ -std=c++17 -Wall -Wextra -Werror -pedantic $cflags "$work/header.cpp" -o "$work/header-cxx" $libs || fail "the header as C++"
LD_LIBRARY_PATH=$libdir "$work/header-c" && LD_LIBRARY_PATH=$libdir "$work/header-cxx" || fail "version mismatch at run time"
pass "heapwise.h compiles as C11 and C++17 with -Wall -Wextra -Werror -pedantic"

# 3. The C tests under valgrind. Valgrind 3.19 cannot read the DWARF 5 of Swift's clang, so
#    it runs against a stripped copy of the same library.
cc -std=c11 -Wall -Wextra -Werror $cflags $(pkg-config --cflags cmocka libdrm) Tests/C/test_heapwise.c Tests/C/devices.c -o "$work/test_heapwise" \
  $libs $(pkg-config --libs cmocka) || fail "building Tests/C/test_heapwise.c"
mkdir -p "$work/stripped-lib"
cp "$work/stripped.so" "$work/stripped-lib/libheapwise.so.0"
# The C tests plan without hints (HEAPWISE_HINTS_NONE): so does the CLI here, whatever this
# machine's /etc/heapwise/heap-hints.yaml says.
printf 'hints: []\n' >"$work/no-hints.yaml"
"$prefix/bin/heapwise" plan --json --hints "$work/no-hints.yaml" --heaps "$repo/Examples/heaps/rpi4.yaml" \
  "$repo/Examples/video-playback.yaml" >"$work/expected.json" || fail "heapwise plan --json for the expected JSON"
set +e
HEAPWISE_REPO=$repo HEAPWISE_EXPECTED_JSON=$work/expected.json LD_LIBRARY_PATH=$work/stripped-lib \
  valgrind --quiet --leak-check=full --show-leak-kinds=definite,indirect --errors-for-leak-kinds=definite,indirect \
  --error-exitcode=99 "$work/test_heapwise" >"$work/cmocka.log" 2>&1
status=$?
set -e
cat "$work/cmocka.log"
[ "$status" -eq 0 ] || fail "Tests/C/test_heapwise.c under valgrind (exit $status)"
cmocka_passed=$(sed -nE 's/^\[  PASSED  \] ([0-9]+) test.*/\1/p' "$work/cmocka.log")
passed=$((passed + ${cmocka_passed:-0}))
pass "cmocka: ${cmocka_passed:-0} tests under valgrind, no leak or error"

# 4. The README's examples: each ```c block of "Using Heapwise from C", named by its first line.
mkdir -p "$work/examples"
awk -v dir="$work/examples" '
  /^## Using Heapwise from C/ { inside = 1; next }
  /^## / { inside = 0 }
  inside && /^```c$/ { block = 1; name = ""; next }
  block && /^```$/ { block = 0; close(file); next }
  block { if (name == "") { match($0, /[a-z]+\.c/); name = substr($0, RSTART, RLENGTH); file = dir "/" name }
          print > file }' README.md
examples=$(ls "$work/examples")
[ "$(echo "$examples" | wc -l)" -eq 4 ] || fail "expected 4 C examples in the README, found: $examples"
for example in $examples; do
  cc -std=c11 -Wall -Wextra -Werror $cflags "$work/examples/$example" -o "$work/examples/${example%.c}" $libs ||
    fail "README example $example does not build"
  (cd "$work" && cp -r "$repo/Examples" "$repo/Profiles" . 2>/dev/null || true
   LD_LIBRARY_PATH=$libdir "$work/examples/${example%.c}" Examples/video-playback.yaml >"$work/examples/${example%.c}.out") ||
    fail "README example $example failed: $(cat "$work/examples/${example%.c}.out")"
done
grep -q '^plane 1: buffer 0 offset 2088960 stride 1920 size 1044480$' "$work/examples/plan.out" || fail "plan.c printed: $(cat "$work/examples/plan.out")"
pass "README examples built and run: $(echo $examples)"

# 5. DESTDIR, then uninstall.
stage=$work/stage
make -s install PREFIX=/usr DESTDIR="$stage" >"$work/stage.log" 2>&1 || { cat "$work/stage.log"; fail "make install DESTDIR"; }
for file in usr/bin/heapwise usr/lib/libheapwise.so.0.1.0 usr/lib/libheapwise.so.0 usr/lib/libheapwise.so \
  usr/include/heapwise/heapwise.h usr/lib/pkgconfig/heapwise.pc usr/share/heapwise/profiles/vop2-display.yaml \
  usr/share/heapwise/examples/policy.yaml usr/lib/systemd/system/heapwise.service usr/lib/systemd/system/heapwise.socket \
  usr/share/man/man1/heapwise.1 usr/share/bash-completion/completions/heapwise usr/share/zsh/vendor-completions/_heapwise \
  usr/share/fish/vendor_completions.d/heapwise.fish; do
  [ -e "$stage/$file" ] || fail "make install DESTDIR did not install $file"
done
grep -q '^prefix=/usr$' "$stage/usr/lib/pkgconfig/heapwise.pc" || fail "heapwise.pc under DESTDIR names the staging directory"
grep -q '^ExecStart=/usr/bin/heapwise serve' "$stage/usr/lib/systemd/system/heapwise.service" || fail "heapwise.service's ExecStart"
# The installed CLI finds the installed profiles by itself, from any directory.
# Outside $work, whose Profiles/ (copied for the examples) the default lookup would find as ../Profiles.
elsewhere=$(mktemp -d)
trap 'rm -rf "$work" "$elsewhere"' EXIT
(cd "$elsewhere" && printf 'width: 640\nheight: 480\nparticipants:\n  - { device: vop2-display, usage: scanout }\n' >p.yaml &&
  PATH="$stage/usr/bin:$PATH" heapwise plan p.yaml >/dev/null) ||  # by a bare name, found on PATH
  fail "the installed heapwise did not find share/heapwise/profiles"
# So does a program linking the installed library (the README's plan.c): from where it was loaded.
(cd "$elsewhere" && LD_LIBRARY_PATH="$stage/usr/lib" "$work/examples/plan" p.yaml >/dev/null) ||
  fail "a program using the installed libheapwise did not find share/heapwise/profiles"
make -s uninstall PREFIX=/usr DESTDIR="$stage" >/dev/null
left=$(find "$stage" -type f -o -type l)
[ -z "$left" ] || fail "make uninstall left: $left"
pass "make install DESTDIR=... PREFIX=/usr installs every file; heapwise and libheapwise find its profiles; make uninstall removes them all"

echo "c: $passed passed, 0 failed"
