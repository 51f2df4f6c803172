#!/usr/bin/env python3
"""Generate Sources/HeapwiseCore/Formats/FormatTable.swift from a Linux source tree.

Usage: scripts/gen-format-table.py /path/to/linux-source > Sources/HeapwiseCore/Formats/FormatTable.swift

Reads the `formats[]` table of `__drm_format_info()` in drivers/gpu/drm/drm_fourcc.c (rows,
kernel order) and the `fourcc_code(...)` definitions in include/uapi/drm/drm_fourcc.h (the four
characters of each code). Rows under `#ifdef __BIG_ENDIAN` are left out: they only exist in
big-endian kernel builds, and Heapwise describes the little-endian table.

Zero block sizes, and zero sub-sampling factors, mean 1 (as in the kernel's
drm_format_info_block_width/height), so they are written as 1. Fails loudly on anything it does
not understand rather than guessing.
"""
import os
import re
import sys

C_PATH = "drivers/gpu/drm/drm_fourcc.c"
H_PATH = "include/uapi/drm/drm_fourcc.h"


def die(msg):
    sys.exit("gen-format-table: " + msg)


def kernel_version(root):
    try:
        with open(os.path.join(root, "Makefile")) as f:
            head = f.read(2000)
    except OSError:
        return None
    fields = dict(re.findall(r"^(VERSION|PATCHLEVEL|SUBLEVEL) = (\d+)", head, re.M))
    if len(fields) != 3:
        return None
    return "{VERSION}.{PATCHLEVEL}.{SUBLEVEL}".format(**fields)


def fourcc_codes(header):
    """DRM_FORMAT_<NAME> -> 4-character code, from `#define ... fourcc_code('a', 'b', 'c', 'd')`."""
    pattern = re.compile(
        r"^#define\s+DRM_FORMAT_(\w+)\s+fourcc_code\(\s*'(.)'\s*,\s*'(.)'\s*,\s*'(.)'\s*,\s*'(.)'\s*\)",
        re.M)
    codes = {}
    for m in pattern.finditer(header):
        codes[m.group(1)] = "".join(m.group(2, 3, 4, 5))
    if not codes:
        die("no fourcc_code() definitions found in " + H_PATH)
    return codes


def table_body(source):
    """The text between `formats[] = {` and its closing `};` inside __drm_format_info()."""
    start = source.find("__drm_format_info(")
    if start < 0:
        die("__drm_format_info() not found in " + C_PATH)
    m = re.compile(r"formats\[\]\s*=\s*\{").search(source, start)
    if not m:
        die("formats[] table not found in " + C_PATH)
    end = source.find("\n\t};", m.end())
    if end < 0:
        die("end of formats[] table not found")
    return source[m.end():end]


def drop_big_endian(body):
    """Remove `#ifdef __BIG_ENDIAN ... #endif` blocks; reject any other preprocessor line."""
    out, skipping = [], False
    for line in body.splitlines():
        stripped = line.strip()
        if stripped.startswith("#ifdef __BIG_ENDIAN"):
            skipping = True
        elif stripped.startswith("#endif") and skipping:
            skipping = False
        elif stripped.startswith("#"):
            die("unexpected preprocessor line in formats[]: " + stripped)
        elif not skipping:
            out.append(line)
    return "\n".join(out)


def split_rows(body):
    """Top-level `{ ... }` groups of the table."""
    rows, depth, current = [], 0, []
    for ch in body:
        if ch == "{":
            depth += 1
            if depth == 1:
                current = []
                continue
        elif ch == "}":
            depth -= 1
            if depth == 0:
                rows.append("".join(current))
                continue
        if depth >= 1:
            current.append(ch)
    if depth != 0:
        die("unbalanced braces in formats[]")
    return rows


FIELD = re.compile(r"\.(\w+)\s*=\s*(\{[^}]*\}|[^,]+)")


def parse_row(text):
    fields = {}
    for name, value in FIELD.findall(text):
        value = value.strip()
        if value.startswith("{"):
            items = [v.strip() for v in value.strip("{}").split(",") if v.strip()]
            fields[name] = [int(v, 0) for v in items]
        else:
            fields[name] = value
    return fields


def swift_bool(value):
    if value not in ("true", "false"):
        die("unexpected boolean " + value)
    return value == "true"


def row_to_swift(fields, codes):
    fmt = fields.get("format", "")
    if not fmt.startswith("DRM_FORMAT_"):
        die("unexpected format expression " + fmt)
    name = fmt[len("DRM_FORMAT_"):]
    if name not in codes:
        die("no fourcc_code() for " + fmt)
    planes = int(fields["num_planes"])
    if "cpp" in fields and "char_per_block" in fields:
        die(name + " sets both cpp and char_per_block")
    cpp = fields.get("cpp", fields.get("char_per_block", []))
    if any(cpp[planes:]):
        die(name + ": bytes set for a plane beyond num_planes")

    def per_plane(key):
        values = fields.get(key, [])
        values = values + [0] * (planes - len(values))
        return [v or 1 for v in values[:planes]]

    cpp = (cpp + [0] * planes)[:planes]
    block_w, block_h = per_plane("block_w"), per_plane("block_h")
    hsub = int(fields.get("hsub", "1"), 0) or 1
    vsub = int(fields.get("vsub", "1"), 0) or 1
    is_yuv = swift_bool(fields.get("is_yuv", "false"))
    has_alpha = swift_bool(fields.get("has_alpha", "false"))

    args = ['name: "%s"' % name, 'fourcc: "%s"' % codes[name], "planes: %d" % planes,
            "cpp: [%s]" % ", ".join(map(str, cpp))]
    if any(v != 1 for v in block_w) or any(v != 1 for v in block_h):
        args.append("blockWidth: [%s]" % ", ".join(map(str, block_w)))
        args.append("blockHeight: [%s]" % ", ".join(map(str, block_h)))
    if hsub != 1:
        args.append("hsub: %d" % hsub)
    if vsub != 1:
        args.append("vsub: %d" % vsub)
    if is_yuv:
        args.append("isYUV: true")
    if has_alpha:
        args.append("hasAlpha: true")
    return "        FormatInfo(%s)," % ", ".join(args)


def main():
    if len(sys.argv) != 2:
        die("usage: gen-format-table.py <linux source dir>")
    root = sys.argv[1]
    try:
        with open(os.path.join(root, C_PATH)) as f:
            source = f.read()
        with open(os.path.join(root, H_PATH)) as f:
            header = f.read()
    except OSError as e:
        die(str(e))
    codes = fourcc_codes(header)
    rows = [parse_row(r) for r in split_rows(drop_big_endian(table_body(source)))]
    lines = [row_to_swift(r, codes) for r in rows]
    version = kernel_version(root) or "unknown"

    print("// Generated by scripts/gen-format-table.py from Linux %s" % version)
    print("// drivers/gpu/drm/drm_fourcc.c (formats[] in __drm_format_info()) and")
    print("// include/uapi/drm/drm_fourcc.h (fourcc_code() of each name). Do not edit by hand:")
    print("// rerun the script on a kernel tree instead.")
    print("//")
    print("// %d rows, in kernel order; the two __BIG_ENDIAN-only rows are left out." % len(lines))
    print("// Unset block sizes are written as 1, as drm_format_info_block_width/height read them.")
    print()
    print("extension FormatInfo {")
    print("    /// Every format `drm_format_info()` knows, in the kernel's table order.")
    print("    public static let drmFormats: [FormatInfo] = [")
    print("\n".join(lines))
    print("    ]")
    print("}")


if __name__ == "__main__":
    main()
