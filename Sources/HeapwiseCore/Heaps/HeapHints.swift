/// Which heaps a device should get its buffers from, beyond what its constraints require.
///
/// The kernel has no way to say it: the proposed sysfs link from a device to its preferred
/// dma-buf heap never merged, so userspace hard-codes heaps per board (Android's gralloc
/// HALs, libcamera's per-pipeline allocators). Heapwise reads, per participant, the first of:
/// such a `dma_heap` link where a kernel provides one; a hints file
/// (`/etc/heapwise/heap-hints.yaml` or `--hints FILE`); else nothing, and the constraints
/// alone decide. A hint only ranks the heaps that already satisfy every participant: it can
/// never make a plan invalid.
public struct HeapHint: Hashable, Sendable {
    /// Heap names or kinds (`Heap.matches(preference:)`), most preferred first.
    public var heaps: [String]
    /// Where the hint came from, for the report: a hints file, or a sysfs link.
    public var source: String

    public init(heaps: [String], source: String) {
        self.heaps = heaps
        self.source = source
    }
}

/// The rules of a hints file, in file order.
///
///     hints:
///       - { device: "v4l2:unicam", heaps: [linux,cma] }
///       - { device: vc4-hvs-display, usage: scanout, heaps: [cma] }
public struct HeapHints: Hashable, Sendable {
    public struct Rule: Hashable, Sendable {
        /// A profile name, or a live device as `drm:DRIVER` / `v4l2:DRIVER`.
        public var device: String
        /// Only for this usage; nil for every usage of the device.
        public var usage: String?
        public var heaps: [String]

        public init(device: String, usage: String? = nil, heaps: [String]) {
            self.device = device
            self.usage = usage
            self.heaps = heaps
        }

        /// Whether the rule names `device`: by profile name, or by the live reference the
        /// probed profile is named after (`v4l2:vivid` is profile `v4l2-vivid`).
        func names(_ device: DeviceProfile) -> Bool {
            if self.device == device.name { return true }
            for kind in ["drm", "v4l2"] where self.device.hasPrefix(kind + ":") {
                return device.name == kind + "-" + self.device.dropFirst(kind.count + 1)
            }
            return false
        }
    }

    public var rules: [Rule]
    /// The file the rules came from.
    public var origin: String

    public init(rules: [Rule], origin: String) {
        self.rules = rules
        self.origin = origin
    }

    /// The hint for `device` in `usage`: the first rule naming both, else the first naming the
    /// device for every usage (the most specific rule wins, as in profiles).
    public func hint(for device: DeviceProfile, usage: String) -> HeapHint? {
        let rule = rules.first { $0.names(device) && $0.usage == usage } ?? rules.first { $0.names(device) && $0.usage == nil }
        return rule.map { HeapHint(heaps: $0.heaps, source: "hints file \(origin)") }
    }
}

/// Reads a hints file (`--hints FILE`, `/etc/heapwise/heap-hints.yaml`).
public enum HeapHintsParser {
    public static func parse(_ text: String, file: String? = nil) throws(InputError) -> HeapHints {
        let root = try YAMLValue.parse(text, file: file)
        let fields = try root.fields(allowed: ["hints"], required: ["hints"])
        guard let list = fields["hints"] else { throw root.error(.missingKey, "missing required key 'hints'") }
        var rules: [HeapHints.Rule] = []
        for item in try list.sequence() {
            let f = try item.fields(allowed: ["device", "usage", "heaps"], required: ["device", "heaps"])
            guard let device = f["device"], let heaps = f["heaps"] else {
                throw item.error(.missingKey, "a hint needs 'device' and 'heaps'")
            }
            let names = try heaps.strings()
            guard !names.isEmpty, !names.contains(where: \.isEmpty) else {
                throw heaps.error("a hint lists at least one heap name or kind, e.g. heaps: [reserved, cma]")
            }
            let deviceName = try device.string()
            guard !deviceName.isEmpty else { throw device.error("a hint names a device: a profile name, drm:DRIVER or v4l2:DRIVER") }
            rules.append(HeapHints.Rule(device: deviceName, usage: try f["usage"]?.string(), heaps: names))
        }
        return HeapHints(rules: rules, origin: file ?? "hints")
    }
}

/// What became of one participant's hint: the heaps it named that the plan could use, and
/// each one it named that does not exist or cannot serve the device (reported, never
/// silently dropped).
public struct HeapHintReport: Hashable, Sendable, CustomStringConvertible {
    public let device: String
    public let usage: String
    public let hint: HeapHint
    public let problems: [Problem]

    public enum Problem: Hashable, Sendable, CustomStringConvertible {
        /// No heap of the catalog has this name or kind.
        case unknownHeap(String, catalog: [String])
        /// Every heap matching the name breaks one of the device's rules.
        case cannotServe(String, reasons: [RejectionReason])

        public var description: String {
            switch self {
            case let .unknownHeap(name, catalog):
                "names heap '\(name)', which this catalog does not have (it has \(catalog.joined(separator: ", ")))"
            case let .cannotServe(name, reasons):
                "names heap '\(name)', which cannot serve the device: " + reasons.map(\.description).joined(separator: "; ")
            }
        }
    }

    public var description: String {
        "\(device) (\(usage)) prefers \(hint.heaps.joined(separator: ", ")), from \(hint.source)"
    }
}
