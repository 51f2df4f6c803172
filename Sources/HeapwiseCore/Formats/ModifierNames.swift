// Names of format modifiers, both ways, after Linux 6.1 `include/uapi/drm/drm_fourcc.h`.
//
// Canonical spelling: the header's macro name without `DRM_FORMAT_MOD_` (`LINEAR`,
// `BROADCOM_VC4_T_TILED`); Intel's keep `I915_FORMAT_MOD_` because that is their macro name.
// Parametrized macros print as a call with the header's own argument names, without their
// `AFBC_FORMAT_MOD_`-style prefixes:
//   ARM_AFBC(BLOCK_SIZE_16x16|YTR|SPARSE)       flags in bit order; ARM_AFBC(0) if none
//   ARM_AFRC(CU_SIZE_P0(16)|CU_SIZE_P12(24)|LAYOUT_SCAN)   sizes in bytes
//   NVIDIA_16BX2_BLOCK(h)                        when c, s, g and k are 0
//   NVIDIA_BLOCK_LINEAR_2D(c,s,g,k,h)            k in hex (0xfe), as page kinds are written
//   BROADCOM_SAND128_COL_HEIGHT(v)               v decimal; v = 0 prints BROADCOM_SAND128
//   AMLOGIC_FBC(BASIC,MEM_SAVING)                AMLOGIC_FBC(SCATTER,0)
//   AMD(GFX10,64K_R_X,DCC,DCC_MAX_COMPRESSED_BLOCK=64B,PIPE_XOR_BITS=3)
// Anything else prints as `0x%016x`. Parsing accepts all of these case-insensitively, plus the
// full macro names, the prefixed argument names, Intel's short names and any integer literal.

/// Why a modifier given by a person or a config file was rejected.
public enum ModifierError: Error, Hashable, Sendable, CustomStringConvertible {
    /// Not a name from `drm_fourcc.h`; `suggestion` is the closest one, if any is close.
    case unknownModifier(String, suggestion: String?)
    /// A known parametrized name (`ARM_AFBC(…)`) with arguments that do not fit it.
    case invalidArguments(String, expected: String)

    public var description: String {
        switch self {
        case let .unknownModifier(text, suggestion):
            let hint = suggestion.map { ": did you mean \($0)?" } ?? ""
            return "unknown modifier '\(text)'\(hint) (a value such as 0x0100000000000001 is also accepted)"
        case let .invalidArguments(text, expected):
            return "invalid modifier '\(text)': expected \(expected)"
        }
    }
}

extension Modifier {
    /// The canonical name (see the top of ModifierNames.swift), or `0x%016x` for a value
    /// `drm_fourcc.h` does not describe. `Modifier.parse(m.name) == m` for every value.
    public var name: String {
        if let entry = ModifierTable.byValue[rawValue] { return entry.name }
        if let name = ModifierFamilies.family(of: self)?.name(value) { return name }
        return Modifier.hex(rawValue)
    }

    /// Parses a name or an integer literal; nil where `parse(_:)` throws.
    public init?(name: String) {
        guard let modifier = try? Modifier.parse(name) else { return nil }
        self = modifier
    }

    /// Parses, ignoring case: canonical names, full macro names (`DRM_FORMAT_MOD_LINEAR`),
    /// Intel short names (`X_TILED`), parametrized names as `name` prints them, and integers
    /// (`0x0100000000000001`, `72057594037927937`).
    public static func parse(_ text: String) throws(ModifierError) -> Modifier {
        let trimmed = ModifierSyntax.trim(Substring(text))
        if let value = ModifierSyntax.integer(trimmed) { return Modifier(rawValue: value) }
        let key = ModifierSyntax.dropPrefix("DRM_FORMAT_MOD_", from: Substring(trimmed.uppercased()))
        if let value = ModifierNameIndex.byName[String(key)] { return Modifier(rawValue: value) }
        guard let call = ModifierSyntax.call(key) else {
            throw .unknownModifier(text, suggestion: ModifierNameIndex.suggestion(for: String(key)))
        }
        guard let family = ModifierNameIndex.byHead[call.head] else {
            throw .unknownModifier(text, suggestion: ModifierNameIndex.suggestion(for: call.head))
        }
        guard let value = family.parse(head: call.head, arguments: call.arguments) else {
            throw .invalidArguments(text, expected: family.usage)
        }
        return Modifier(rawValue: ModifierTable.code(family.vendor, value))
    }

    /// `0x%016x`: always 16 lowercase hex digits, so unnamed values line up and parse back.
    static func hex(_ value: UInt64) -> String {
        let digits = String(value, radix: 16)
        return "0x" + String(repeating: "0", count: 16 - digits.count) + digits
    }
}

/// Dictionaries built once from the tables, so parsing is O(1) for fixed names.
private enum ModifierNameIndex {
    /// Upper-cased canonical names and aliases → raw value.
    static let byName: [String: UInt64] = {
        var names: [String: UInt64] = [:]
        for entry in ModifierTable.named {
            for spelling in [entry.name] + entry.aliases { names[spelling.uppercased()] = entry.rawValue }
        }
        for alias in ModifierFamilies.aliases { names[alias.name] = alias.rawValue }
        return names
    }()

    static let byHead: [String: any ModifierFamily] = {
        var heads: [String: any ModifierFamily] = [:]
        for family in ModifierFamilies.all {
            for head in family.heads { heads[head] = family }
        }
        return heads
    }()

    /// Upper-cased spelling → what to print after "did you mean", in table order.
    static let suggestions: [(key: String, display: String)] =
        ModifierTable.named.flatMap { entry in
            ([entry.name] + entry.aliases).map { ($0.uppercased(), entry.name) }
        }
        + ModifierFamilies.aliases.map { ($0.name, $0.name) }
        + ModifierFamilies.all.flatMap { family in family.heads.map { ($0, $0 + "(…)") } }

    static func suggestion(for key: String) -> String? {
        guard let match = NameMatch.closest(to: key, among: suggestions.map(\.key)) else { return nil }
        return suggestions.first { $0.key == match }?.display
    }
}

/// The small grammar shared by names and their arguments; works on upper-cased text.
enum ModifierSyntax {
    static func trim(_ text: Substring) -> Substring {
        let start = text.drop { $0.isWhitespace }
        var end = start
        while let last = end.last, last.isWhitespace { end = end.dropLast() }
        return end
    }

    static func dropPrefix(_ prefix: String, from text: Substring) -> Substring {
        text.hasPrefix(prefix) ? text.dropFirst(prefix.count) : text
    }

    /// `0x…` (1 to 16 hex digits, either case) or plain decimal that fits 64 bits.
    static func integer(_ text: Substring) -> UInt64? {
        let text = trim(text)
        if text.hasPrefix("0x") || text.hasPrefix("0X") {
            let digits = text.dropFirst(2)
            guard (1...16).contains(digits.count), digits.allSatisfy(\.isHexDigit) else { return nil }
            return UInt64(digits, radix: 16)
        }
        guard !text.isEmpty, text.allSatisfy({ $0.isASCII && $0.isNumber }) else { return nil }
        return UInt64(text)
    }

    /// An integer that must not exceed `limit`.
    static func integer(_ text: Substring, max limit: UInt64) -> UInt64? {
        integer(text).flatMap { $0 <= limit ? $0 : nil }
    }

    /// Splits `HEAD(ARGS)` into its parts; nil unless the text is of that shape.
    static func call(_ text: Substring) -> (head: String, arguments: Substring)? {
        guard let open = text.firstIndex(of: "("), text.last == ")" else { return nil }
        let head = trim(text[..<open])
        let arguments = text[text.index(after: open)..<text.index(before: text.endIndex)]
        return head.isEmpty ? nil : (String(head), arguments)
    }

    /// Splits on `separator` and trims each piece; nil if any piece is empty.
    static func split(_ text: Substring, on separator: Character) -> [Substring]? {
        let parts = text.split(separator: separator, omittingEmptySubsequences: false).map { trim($0) }
        return parts.contains(where: \.isEmpty) ? nil : parts
    }
}
