/// What one device can do with buffers, and the rules its buffers must follow.
///
/// Profiles are data (YAML files under `Profiles/`, or probed from a driver): the resolver
/// never branches on a device's name, as minigbm keeps vendor knowledge in format tables.
public struct DeviceProfile: Hashable, Sendable {
    public var name: String
    public var description: String
    /// Where each fact comes from: driver files, functions, datasheets.
    public var sources: [String]
    /// Device-wide rules; usages and format entries refine them.
    public var constraints: Constraints
    /// Preferred heaps, by name or kind, most preferred first.
    public var heapPreference: [String]
    /// The device's usages in file order.
    public var usages: [Usage]

    public init(
        name: String, description: String = "", sources: [String] = [], constraints: Constraints = Constraints(),
        heapPreference: [String] = [], usages: [Usage]
    ) {
        self.name = name
        self.description = description
        self.sources = sources
        self.constraints = constraints
        self.heapPreference = heapPreference
        self.usages = usages
    }

    public func usage(named name: String) -> Usage? { usages.first { $0.name == name } }
}

/// One way a device uses a buffer (`read`, `write`, `scanout`, …) and what it accepts there.
public struct Usage: Hashable, Sendable {
    public var name: String
    /// Refinements of the device-wide rules for this usage.
    public var constraints: Constraints
    /// Accepted formats with their modifiers, in the device's order of preference.
    public var formats: [FormatEntry]

    public init(name: String, constraints: Constraints = Constraints(), formats: [FormatEntry]) {
        self.name = name
        self.constraints = constraints
        self.formats = formats
    }
}

/// A format a usage accepts, the modifiers it accepts it with (preferred first), and any
/// rules that apply only to this combination (a tiled modifier's own alignment, a
/// multi-planar format's bank placement).
public struct FormatEntry: Hashable, Sendable {
    public var format: FormatInfo
    public var modifiers: [Modifier]
    public var constraints: Constraints

    public init(format: FormatInfo, modifiers: [Modifier] = [.linear], constraints: Constraints = Constraints()) {
        self.format = format
        self.modifiers = modifiers
        self.constraints = constraints
    }
}
