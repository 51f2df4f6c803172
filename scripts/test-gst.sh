#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# The GStreamer plugin (plugins/gstreamer) as a GStreamer user meets it, on this machine: no
# dma-buf heaps needed (buffers are then CPU-only memfd).
#   1. libheapwise installed with `make install` into a temporary prefix; the plugin built with
#      meson against it through `pkg-config heapwise` only, and installed beside it
#   2. its gst/check tests (caps, no-plan errors, ALLOCATION, state changes and descriptors)
#   3. gst-inspect-1.0 on the installed plugin: loads, no warning or critical
#   4. gst-launch-1.0 videotestsrc ! heapwisepool ! fakesink on this machine's heaps (memfd
#      when it has none), and a size no plan satisfies failing with the plan's explanation
# Prints "gst: N passed, 0 failed" last. (The lab payload builds the plugin the same way, into
# its own prefix: Lab/payloads/heapwise/build.sh.)
set -euo pipefail
cd "$(dirname "$0")/.."
repo=$PWD
# shellcheck source=../Lab/lib.sh
(. Lab/lib.sh && lab_ensure_packages gcc make pkg-config meson ninja-build libyaml-dev libgstreamer1.0-dev \
  libgstreamer-plugins-base1.0-dev gstreamer1.0-tools gstreamer1.0-plugins-base gstreamer1.0-plugins-good gstreamer1.0-plugins-bad)

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
prefix=$work/usr
passed=0
pass() { echo "gst: ok: $*"; passed=$((passed + 1)); }
fail() { echo "gst: FAILED: $*"; echo "$passed passed, 1 failed" | sed 's/^/gst: /'; exit 1; }

# 1. Build and install.
make -s >"$work/make.log" 2>&1 && make -s install PREFIX="$prefix" >>"$work/make.log" 2>&1 ||
  { cat "$work/make.log"; fail "make && make install"; }
export PKG_CONFIG_PATH="$prefix/lib/pkgconfig"
build=$work/gst-build
meson setup "$build" plugins/gstreamer --prefix="$prefix" --libdir=lib >"$work/meson.log" 2>&1 ||
  { cat "$work/meson.log"; fail "meson setup plugins/gstreamer"; }
ninja -C "$build" >"$work/ninja.log" 2>&1 && meson install -C "$build" >>"$work/ninja.log" 2>&1 ||
  { cat "$work/ninja.log"; fail "building plugins/gstreamer"; }
plugin=$prefix/lib/gstreamer-1.0/libgstheapwise.so
[ -f "$plugin" ] || fail "meson install did not install $plugin"
pass "plugin built with meson against pkg-config heapwise $(pkg-config --modversion heapwise), installed as $plugin"

export GST_PLUGIN_PATH=$prefix/lib/gstreamer-1.0
export GST_REGISTRY=$work/registry.bin
# No LD_LIBRARY_PATH: the installed plugin finds the installed libheapwise by its RUNPATH.

# 2. gst/check.
set +e
HEAPWISE_REPO=$repo G_DEBUG=fatal-criticals "$build/check-heapwisepool" >"$work/check.log" 2>&1
status=$?
set -e
cat "$work/check.log"
[ "$status" -eq 0 ] || fail "gst/check tests (exit $status)"
checks=$(sed -nE 's/^100%: Checks: ([0-9]+), Failures: 0, Errors: 0$/\1/p' "$work/check.log")
[ -n "$checks" ] || fail "gst/check tests printed no summary"
passed=$((passed + checks))
pass "gst/check: $checks tests"

# 3. gst-inspect-1.0.
gst-inspect-1.0 heapwisepool >"$work/inspect.out" 2>"$work/inspect.err" || fail "gst-inspect-1.0 heapwisepool: $(cat "$work/inspect.err")"
if grep -qE 'WARNING|CRITICAL|ERROR' "$work/inspect.err" "$work/inspect.out"; then fail "gst-inspect-1.0 complained: $(cat "$work/inspect.err")"; fi
grep -q 'MIT/X11' "$work/inspect.out" && grep -q 'participants' "$work/inspect.out" || fail "gst-inspect-1.0 output lacks the licence or the properties"
pass "gst-inspect-1.0 heapwisepool: clean"

# 4. gst-launch-1.0 on this machine's heaps, then a pipeline no plan satisfies.
elements="heapwisepool participants=hantro-decoder:write,vop2-display:scanout profile-directories=$repo/Profiles hints=none broker=never"
GST_DEBUG=heapwisepool:4 gst-launch-1.0 -q videotestsrc num-buffers=30 ! video/x-raw,format=NV12,width=1280,height=720 ! \
  $elements ! fakesink >"$work/launch.log" 2>&1 || fail "videotestsrc ! heapwisepool ! fakesink: $(tail -n 5 "$work/launch.log")"
source=$(sed -nE 's/.*pool_start.*buffers of NV12 from ([a-z0-9_-]+),.*/\1/p' "$work/launch.log" | head -n 1)
[ -n "$source" ] || fail "the pool never started: $(tail -n 5 "$work/launch.log")"
if [ ! -d /dev/dma_heap ]; then [ "$source" = memfd ] || fail "no heaps here, but buffers came from $source"; fi
pass "gst-launch-1.0 videotestsrc num-buffers=30 ! 1280x720 NV12 ! heapwisepool ! fakesink: EOS, buffers from $source"
if gst-launch-1.0 videotestsrc num-buffers=3 ! video/x-raw,format=NV12,width=7680,height=4320 ! $elements ! fakesink >"$work/none.log" 2>&1; then
  fail "a 7680x4320 pipeline the decoder cannot take ran"
fi
grep -q 'no buffer layout satisfies every device of this pipeline at 7680x4320' "$work/none.log" &&
  grep -q 'hantro-decoder: NV12/LINEAR: max width' "$work/none.log" || fail "the 7680x4320 failure lacks the explanation: $(cat "$work/none.log")"
pass "a size no plan satisfies fails at negotiation with the plan's explanation"

echo "gst: $passed passed, 0 failed"
