import HeapwiseCore

/// Everything Heapwise reads from one DRM device: the input of `profile(name:)`, and what
/// `heapwise devices` prints.
public struct DRMProbe: Sendable {
    public var path: String
    public var version: DRMVersion
    /// `/proc/sys/kernel/osrelease`: the facts below are this kernel's.
    public var kernelRelease: String?
    public var capabilities: DRMCapabilities
    /// The client capabilities the driver accepted.
    public var clientCapabilities: DRMClientCapabilities
    /// Nil for a driver without KMS (vgem): it shares buffers but displays nothing.
    public var resources: DRMResources?
    /// Display connectors and writeback connectors alike (see `DRMConnector.isWriteback`).
    public var connectors: [DRMConnector]
    public var planes: [DRMPlane]
    /// For each writeback connector, the formats it can write (`WRITEBACK_PIXEL_FORMATS`).
    public var writebackFormats: [UInt32: [FourCC]]

    public var hasKMS: Bool { resources != nil }
}

extension DRMDevice {
    /// Probes the device: switches on universal planes, atomic and writeback connectors (so
    /// every plane and the writeback engine are visible), then reads capabilities, resources,
    /// connectors with their modes, and planes with their format/modifier pairs.
    ///
    /// A driver without KMS is not an error: its probe has capabilities and no display objects.
    public func probe() throws(LinuxError) -> DRMProbe {
        let accepted = enable()
        let capabilities = capabilities()
        var probe = DRMProbe(
            path: path, version: version,
            kernelRelease: ProcFiles.read("/proc/sys/kernel/osrelease")?.filter { !$0.isWhitespace },
            capabilities: capabilities, clientCapabilities: accepted,
            resources: nil, connectors: [], planes: [], writebackFormats: [:])
        let resources: DRMResources
        do {
            resources = try self.resources()
        } catch where error.code == .unsupported {
            return probe
        }
        probe.resources = resources
        for id in resources.connectors {
            let connector = try connector(id)
            probe.connectors.append(connector)
            if connector.isWriteback {
                probe.writebackFormats[id] = try writebackFormats(connector)
            }
        }
        probe.planes = try planes()
        return probe
    }
}

extension DRMProbe {
    /// The probe in a few lines, for logs and `heapwise devices`: identity and capabilities,
    /// limits, connectors with their modes, planes with their format/modifier pairs.
    public var summary: [String] {
        let client = [(DRMClientCapabilities.universalPlanes, "universal planes"), (.atomic, "atomic"), (.writebackConnectors, "writeback connectors")]
            .filter { clientCapabilities.contains($0.0) }.map(\.1)
        var lines = ["\(path): \(version), Linux \(kernelRelease ?? "?")",
                     "caps: " + capabilitySummary + "; client caps: " + (client.isEmpty ? "none accepted" : client.joined(separator: ", "))]
        guard let resources else { return lines + ["no KMS"] }
        lines.append("framebuffers \(resources.minWidth)x\(resources.minHeight) to \(resources.maxWidth)x\(resources.maxHeight); CRTCs \(resources.crtcs)")
        for connector in connectors {
            if connector.isWriteback {
                let formats = (writebackFormats[connector.id] ?? []).map { FormatInfo.lookup($0)?.name ?? $0.description }
                lines.append("connector \(connector.id) \(connector.name): writes \(formats.joined(separator: " "))")
            } else {
                let preferred = connector.modes.first(where: \.preferred).map { ", preferred \($0.width)x\($0.height)@\($0.refresh)" } ?? ""
                let sizes = connector.modes.map { "\($0.width)x\($0.height)" }
                var distinct: [String] = []
                for size in sizes where !distinct.contains(size) { distinct.append(size) }
                lines.append("connector \(connector.id) \(connector.name): \(connector.connected ? "connected" : "disconnected"), \(connector.modes.count) modes\(preferred): \(distinct.joined(separator: " "))")
            }
        }
        for plane in planes {
            lines.append("plane \(plane.id) \(plane.type)\(plane.hasInFormats ? " (IN_FORMATS)" : ""): " + plane.formatModifiers.map(\.description).joined(separator: " "))
        }
        return lines
    }
}
