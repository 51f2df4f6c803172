#!/usr/bin/env bash
# Builds the Heapwise lab payload into OUT_DIR: the Swift test bundle (debug) and a release
# `heapwise` for the CLI checks and `bench alloc`, both dynamically linked, so the Swift
# runtime and glibc libraries they use are copied beside them (Swift Testing has no static
# form), the profiles and pipelines the checks use, and `run`, the guest-side script. And
# libheapwise as `make install-strip` installs it (c/: lib/, include/, the pkg-config file),
# with the C tests built against it through pkg-config (c/test_heapwise) and, in c/lib, only
# the C libraries they need: the guest runs them with no Swift library in reach. And the
# GStreamer plugin built against that library with meson, with Debian's GStreamer (gst/).
#
# Usage: Lab/payloads/heapwise/build.sh OUT_DIR
set -euo pipefail
out=${1:?usage: build.sh OUT_DIR}
mkdir -p "$out" && out=$(cd "$out" && pwd)
here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../../.." && pwd)
cd "$repo"

# HEAPWISE_SCRATCH: a separate build folder (.build-NAME), so parallel work does not share locks.
scratch=()
[ -n "${HEAPWISE_SCRATCH:-}" ] && scratch=(--scratch-path "$HEAPWISE_SCRATCH")
log=$(mktemp)
trap 'rm -f "$log"' EXIT
swift build "${scratch[@]}" --build-tests >"$log" 2>&1 || { cat "$log"; exit 1; }
swift build "${scratch[@]}" -c release --product heapwise >"$log" 2>&1 || { cat "$log"; exit 1; }
# shellcheck source=../../lib.sh
(. "$repo/Lab/lib.sh" && lab_ensure_packages make gcc pkg-config libcmocka-dev libdrm-dev)
bin_debug=$(swift build "${scratch[@]}" --show-bin-path)
bin_release=$(swift build "${scratch[@]}" -c release --show-bin-path)

rm -rf "$out"
mkdir -p "$out/lib" "$out/Profiles" "$out/Examples" "$out/lab"
cp "$bin_debug/HeapwisePackageTests.xctest" "$out/"
strip --strip-debug "$out/HeapwisePackageTests.xctest"
cp "$bin_release/heapwise" "$out/heapwise"
strip "$out/heapwise"

# Every shared library the test bundle needs, and the dynamic loader, by their real paths:
# the guest has no libraries of its own, and `run` points the loader at lib/.
ldd "$bin_debug/HeapwisePackageTests.xctest" "$bin_release/heapwise" | awk '/=> \//{print $3} /^\t\/lib/{print $1}' | sort -u |
  while read -r lib; do cp -L "$lib" "$out/lib/"; done

cp "$repo"/Profiles/*.yaml "$out/Profiles/"
cp -r "$repo"/Examples/. "$out/Examples/"
cp "$repo/README.md" "$out/README.md"  # the key-table test checks the README documents every key
mkdir -p "$out/docs" && cp "$repo/docs/json.md" "$out/docs/"  # the JSON output test checks against it
mkdir -p "$out/scripts" && cp -r "$repo/scripts/fuzz-seeds" "$out/scripts/"  # the broker seed test compares them
cp "$here"/lab/*.yaml "$out/lab/"
cp "$here/run" "$out/run"

# libheapwise, installed as a packager would, and the C tests built against it (scripts/test-c.sh
# runs the same tests on the host).
make -s SCRATCH="${HEAPWISE_SCRATCH:-.build}" >"$log" 2>&1 && make -s install-strip PREFIX="$out/c" SCRATCH="${HEAPWISE_SCRATCH:-.build}" >>"$log" 2>&1 ||
  { cat "$log"; exit 1; }
export PKG_CONFIG_PATH="$out/c/lib/pkgconfig"
# shellcheck disable=SC2046
cc -std=c11 -Wall -Wextra -Werror $(pkg-config --cflags heapwise cmocka libdrm) Tests/C/test_heapwise.c Tests/C/devices.c \
  -o "$out/c/test_heapwise" $(pkg-config --libs heapwise cmocka)
LD_LIBRARY_PATH="$out/c/lib" ldd "$out/c/test_heapwise" | awk '/=> \//{print $3}' | grep -v libheapwise | while read -r lib; do cp -L "$lib" "$out/c/lib/"; done
rm -rf "$out/c/bin" "$out/c/share/man" "$out/c/share/bash-completion" "$out/c/share/zsh" "$out/c/share/fish"

# GStreamer: the Heapwise plugin built with meson against that installed libheapwise through
# pkg-config (into c/lib/gstreamer-1.0), its gst/check tests, and Debian's GStreamer 1.22 as
# the guest runs it: gst-launch-1.0, gst-inspect-1.0, the plugins the lab's pipelines use, and
# every library they load that lib/ lacks (gst/lib).
(. "$repo/Lab/lib.sh" && lab_ensure_packages meson ninja-build libgstreamer1.0-dev libgstreamer-plugins-base1.0-dev \
  gstreamer1.0-tools gstreamer1.0-plugins-base gstreamer1.0-plugins-good gstreamer1.0-plugins-bad)
gst_build="${HEAPWISE_SCRATCH:-.build}/gst-lab"
{ meson setup --wipe "$gst_build" plugins/gstreamer --prefix="$out/c" --libdir=lib >"$log" 2>&1 ||
  meson setup "$gst_build" plugins/gstreamer --prefix="$out/c" --libdir=lib >"$log" 2>&1; } &&
  ninja -C "$gst_build" >>"$log" 2>&1 && meson install -C "$gst_build" >>"$log" 2>&1 || { cat "$log"; exit 1; }
gst_plugins=/usr/lib/x86_64-linux-gnu/gstreamer-1.0
mkdir -p "$out/gst/bin" "$out/gst/plugins" "$out/gst/lib"
cp /usr/bin/gst-launch-1.0 /usr/bin/gst-inspect-1.0 "$gst_build/check-heapwisepool" "$gst_build/bench-heapwisepool" "$out/gst/bin/"
for plugin in coreelements video4linux2 kms videotestsrc; do cp "$gst_plugins/libgst$plugin.so" "$out/gst/plugins/"; done
LD_LIBRARY_PATH="$out/c/lib" ldd "$out"/gst/bin/* "$out"/gst/plugins/*.so "$out/c/lib/gstreamer-1.0/libgstheapwise.so" |
  awk '/=> \//{print $3}' | sort -u | grep -v libheapwise | while read -r lib; do
    [ -e "$out/lib/$(basename "$lib")" ] || [ -e "$out/c/lib/$(basename "$lib")" ] || cp -L "$lib" "$out/gst/lib/"
  done
strip --strip-debug "$out"/gst/lib/*.so* "$out/gst/bin/check-heapwisepool" "$out/gst/bin/bench-heapwisepool" 2>/dev/null || true
chmod +x "$out/run" "$out/heapwise"
du -sh "$out" | awk '{print "payload: " $1}'
