/// Why a format given by a person or a config file was rejected.
public enum FormatError: Error, Hashable, Sendable, CustomStringConvertible {
    /// Neither a `drm_fourcc.h` name nor a four-character code of the kernel's table.
    /// `suggestion` is the closest known name, when one is close enough to be a likely typo.
    case unknownFormat(String, suggestion: String?)

    public var description: String {
        switch self {
        case let .unknownFormat(text, suggestion):
            let hint = suggestion.map { ": did you mean \($0)?" } ?? ""
            return "unknown format '\(text)'\(hint) (see 'heapwise formats')"
        }
    }
}

extension FormatInfo {
    /// Finds a format by name or by code, ignoring case.
    ///
    /// Accepts the `drm_fourcc.h` name with or without its prefix (`NV12`, `xrgb8888`,
    /// `DRM_FORMAT_NV12`) and the four-character code (`XR24`, `R8  `), where a code shorter
    /// than four characters is padded with spaces as the kernel's codes are (`R8` is `R8  `).
    /// Names win over codes; no name in the table is another format's code.
    public static func lookup(_ text: String) -> FormatInfo? {
        let key = text.uppercased()
        if let index = FormatIndex.byName[FormatIndex.stripPrefix(key)] {
            return drmFormats[index]
        }
        if key.utf8.count <= 4, let code = FourCC(key.paddedWithSpaces(to: 4)),
            let index = FormatIndex.byCode[code]
        {
            return drmFormats[index]
        }
        return nil
    }

    /// Finds a format by its exact code, as devices report it (`DRM_IOCTL_MODE_GETPLANE`,
    /// `IN_FORMATS`). Codes are case-sensitive here: they are numbers, not text.
    public static func lookup(_ fourcc: FourCC) -> FormatInfo? {
        FormatIndex.byCode[fourcc].map { drmFormats[$0] }
    }

    /// Like `lookup(_:)`, but the error names the closest known format.
    public static func parse(_ text: String) throws(FormatError) -> FormatInfo {
        if let info = lookup(text) { return info }
        let key = FormatIndex.stripPrefix(text.uppercased())
        let suggestion = NameMatch.closest(to: key, among: drmFormats.map(\.name))
        throw .unknownFormat(text, suggestion: suggestion)
    }
}

/// Dictionaries over `FormatInfo.drmFormats`, built once so lookups are O(1).
private enum FormatIndex {
    static let byName: [String: Int] = Dictionary(
        uniqueKeysWithValues: FormatInfo.drmFormats.enumerated().map { ($1.name.uppercased(), $0) })

    /// Every code in the kernel's table is upper case, so the upper-cased code of
    /// `lookup(_ text:)` finds it; `lookup(_ fourcc:)` uses the same dictionary exactly.
    static let byCode: [FourCC: Int] = Dictionary(
        uniqueKeysWithValues: FormatInfo.drmFormats.enumerated().map { ($1.fourcc, $0) })

    static func stripPrefix(_ upper: String) -> String {
        let prefix = "DRM_FORMAT_"
        return upper.hasPrefix(prefix) ? String(upper.dropFirst(prefix.count)) : upper
    }
}

extension String {
    fileprivate func paddedWithSpaces(to length: Int) -> String {
        self + String(repeating: " ", count: max(0, length - utf8.count))
    }
}

/// "Did you mean …?" for every name Heapwise reads: formats, modifiers, YAML keys, heap kinds,
/// allocators on the command line.
public enum NameMatch {
    /// The candidate with the smallest edit distance to `text` (ignoring case), if it is close
    /// enough to be a typo: a third of the longer name's length in edits, at least 2 and at most 3.
    /// Ties go to the earlier candidate, so table order decides.
    public static func closest(to text: String, among candidates: some Sequence<String>) -> String? {
        let query = Array(text.uppercased().utf8)
        var best: (name: String, distance: Int)?
        for candidate in candidates {
            let target = Array(candidate.uppercased().utf8)
            let limit = min(3, max(2, max(query.count, target.count) / 3))
            let distance = editDistance(query, target)
            if distance <= limit, distance < (best?.distance ?? .max) {
                best = (candidate, distance)
            }
        }
        return best?.name
    }

    /// Levenshtein distance over bytes, two rows of memory.
    static func editDistance(_ a: [UInt8], _ b: [UInt8]) -> Int {
        if a.isEmpty { return b.count }
        if b.isEmpty { return a.count }
        var previous = Array(0...b.count)
        var current = Array(repeating: 0, count: b.count + 1)
        for i in 1...a.count {
            current[0] = i
            for j in 1...b.count {
                let substitution = previous[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1)
                current[j] = min(substitution, previous[j] + 1, current[j - 1] + 1)
            }
            swap(&previous, &current)
        }
        return previous[b.count]
    }
}
