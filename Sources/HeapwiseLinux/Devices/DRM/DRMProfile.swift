import HeapwiseCore

extension DRMProbe {
    /// Facts about virtual drivers that their ioctls cannot say: they have no DMA engine, so
    /// the profile must not be read as a real display controller's rules.
    static let virtualDriverNotes: [String: String] = [
        "vkms": "vkms is a virtual KMS device (drivers/gpu/drm/vkms): it composes planes with the CPU through vmap and scans out nothing, so it has no real DMA constraints (contiguity, address mask, pitch or offset alignment) beyond the framebuffer size limits",
        "vgem": "vgem is a virtual GEM provider (drivers/gpu/drm/vgem): shmem-backed buffers shared through PRIME, no display engine and no real DMA constraints",
    ]

    /// The usages a plane type contributes to, in profile order.
    static let planeUsages: [(type: DRMPlaneType, usage: String)] = [(.primary, "scanout"), (.overlay, "overlay"), (.cursor, "cursor")]

    /// The probe as a Heapwise device profile: `scanout` from the primary planes, `overlay`
    /// and `cursor` from those planes when the device has them, `writeback` from the
    /// writeback connectors' formats. Limits come from `drm_mode_config` (framebuffer sizes)
    /// and the cursor capabilities.
    ///
    /// Planes of one type are merged by union in the order they are listed: a format any
    /// primary plane scans out is one the device can scan out. Formats missing from
    /// Heapwise's table are skipped and listed in `sources`.
    public func profile(name: String) -> DeviceProfile {
        var sources = [
            "DRM_IOCTL_VERSION on \(path): \(version.driver) \(version.major).\(version.minor).\(version.patch) (\(version.date))"
                + (kernelRelease.map { ", Linux \($0)" } ?? ""),
            "DRM_IOCTL_GET_CAP: " + capabilitySummary,
        ]
        if let note = Self.virtualDriverNotes[version.driver] { sources.append(note) }
        var constraints = Constraints()
        var usages: [Usage] = []
        var unknown: [FourCC] = []
        if let resources {
            constraints = Constraints(minWidth: resources.minWidth, minHeight: resources.minHeight,
                                      maxWidth: resources.maxWidth, maxHeight: resources.maxHeight)
            sources.append("DRM_IOCTL_MODE_GETRESOURCES: framebuffers \(resources.minWidth)x\(resources.minHeight) to \(resources.maxWidth)x\(resources.maxHeight)")
            for connector in connectors where !connector.isWriteback {
                let largest = connector.modes.max { $0.width * $0.height < $1.width * $1.height }
                let preferred = connector.modes.first(where: \.preferred)
                sources.append("connector \(connector.name) (\(connector.connected ? "connected" : "disconnected")): \(connector.modes.count) modes"
                               + (largest.map { ", largest \($0.width)x\($0.height)" } ?? "")
                               + (preferred.map { ", preferred \($0.width)x\($0.height)@\($0.refresh)" } ?? ""))
            }
            for (type, usageName) in Self.planeUsages {
                let planes = planes.filter { $0.type == type }
                guard !planes.isEmpty else { continue }
                // Planes of a type usually share one format table (vkms's 8 overlays do): one line per table.
                var described: [[DRMPlane]] = []
                for plane in planes {
                    if let index = described.firstIndex(where: { $0[0].formatModifiers == plane.formatModifiers && $0[0].hasInFormats == plane.hasInFormats }) {
                        described[index].append(plane)
                    } else {
                        described.append([plane])
                    }
                }
                for group in described {
                    let ids = group.map { String($0.id) }.joined(separator: ", ")
                    sources.append("plane\(group.count > 1 ? "s" : "") \(ids) (\(type)): " + (group[0].hasInFormats ? "IN_FORMATS " : "format list, no IN_FORMATS: ")
                                   + group[0].formatModifiers.map(\.description).joined(separator: " "))
                }
                sources += planes.flatMap(\.notes)
                let (entries, skipped) = Self.formatEntries(planes.flatMap(\.formatModifiers))
                unknown += skipped
                guard !entries.isEmpty else { continue }
                var usageConstraints = Constraints()
                if type == .cursor {
                    usageConstraints.maxWidth = capabilities.cursorWidth
                    usageConstraints.maxHeight = capabilities.cursorHeight
                }
                usages.append(Usage(name: usageName, constraints: usageConstraints, formats: entries))
            }
            let writeback = writebackPairs
            if !writeback.isEmpty {
                let (entries, skipped) = Self.formatEntries(writeback)
                unknown += skipped
                sources.append("writeback connector: WRITEBACK_PIXEL_FORMATS " + writeback.map(\.description).joined(separator: " "))
                if !entries.isEmpty { usages.append(Usage(name: "writeback", formats: entries)) }
            }
        } else {
            sources.append("DRM_IOCTL_MODE_GETRESOURCES: EOPNOTSUPP, no KMS: no planes to scan out from; the device only imports and exports dma-bufs (PRIME)")
        }
        if !unknown.isEmpty {
            var seen: [FourCC] = []
            for code in unknown where !seen.contains(code) { seen.append(code) }
            sources.append("formats Heapwise does not know, skipped: " + seen.map { "'\($0)' (0x\(String($0.rawValue, radix: 16)))" }.joined(separator: ", "))
        }
        return DeviceProfile(
            name: name,
            description: "\(version.driverDescription) (\(version.driver), \(path)" + (kernelRelease.map { ", Linux \($0)" } ?? "") + ")",
            sources: sources, constraints: constraints, usages: usages)
    }

    /// What the writeback engine writes: its formats, with `LINEAR` (the writeback property
    /// has no modifier list; drivers write linearly, and a framebuffer made without
    /// `DRM_MODE_FB_MODIFIERS` is `LINEAR` to the kernel, `FormatBlob.implicitPairs`).
    var writebackPairs: [FormatModifierPair] {
        let modifier = Modifier.linear
        var codes: [FourCC] = []
        for connector in connectors where connector.isWriteback {
            for code in writebackFormats[connector.id] ?? [] where !codes.contains(code) { codes.append(code) }
        }
        return codes.map { FormatModifierPair(format: $0, modifier: modifier) }
    }

    var capabilitySummary: String {
        var parts = ["PRIME " + (capabilities.primeImport ? "import" : "no import") + "/" + (capabilities.primeExport ? "export" : "no export")]
        if let modifiers = capabilities.addFB2Modifiers { parts.append("ADDFB2_MODIFIERS \(modifiers ? 1 : 0)") }
        if let dumb = capabilities.dumbBuffer { parts.append("DUMB_BUFFER \(dumb ? 1 : 0)") }
        if let width = capabilities.cursorWidth, let height = capabilities.cursorHeight { parts.append("cursor \(width)x\(height)") }
        return parts.joined(separator: ", ")
    }

    /// Groups pairs into one entry per known format, modifiers in first-seen order; returns
    /// the codes Heapwise has no `FormatInfo` for separately.
    static func formatEntries(_ pairs: [FormatModifierPair]) -> (entries: [FormatEntry], unknown: [FourCC]) {
        var order: [FourCC] = []
        var modifiers: [FourCC: [Modifier]] = [:]
        var unknown: [FourCC] = []
        for pair in pairs {
            guard FormatInfo.lookup(pair.format) != nil else {
                if !unknown.contains(pair.format) { unknown.append(pair.format) }
                continue
            }
            if modifiers[pair.format] == nil { order.append(pair.format) }
            if !(modifiers[pair.format] ?? []).contains(pair.modifier) { modifiers[pair.format, default: []].append(pair.modifier) }
        }
        let entries = order.compactMap { code in
            FormatInfo.lookup(code).map { FormatEntry(format: $0, modifiers: modifiers[code] ?? [.linear]) }
        }
        return (entries, unknown)
    }
}
