/// What one device can do with buffers, and the rules its buffers must follow.
///
/// Profiles are data (YAML files under `Profiles/`, or probed from a driver): the resolver
/// never branches on a device's name, as minigbm keeps vendor knowledge in format tables.
///
/// Profiles, usages and format entries are immutable classes: they are built once when a
/// file is read and then shared by every resolve, which passes them around by reference.
public final class DeviceProfile: Sendable {
    public let name: String
    public let description: String
    /// Where each fact comes from: driver files, functions, datasheets.
    public let sources: [String]
    /// Device-wide rules; usages and format entries refine them.
    public let constraints: Constraints
    /// Preferred heaps, by name or kind, most preferred first.
    public let heapPreference: [String]
    /// The device's usages in file order.
    public let usages: [Usage]

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

/// Which end of a buffer's journey a usage is: the device that fills it, or one that reads it.
/// Ranking plans follows it (the producer's native precision is kept; the consumers'
/// preference decides among equals) and so do rejections' words ("produces", "accepts").
public enum UsageRole: String, Hashable, Sendable, CaseIterable {
    /// Fills the buffer: a camera's capture queue, a decoder's output, a GPU rendering.
    case producer
    /// Reads the buffer: a display, an encoder's input, a GPU sampling a texture.
    case consumer

    /// The role a usage's name implies: `write`, `render`, `capture` and `decode` produce;
    /// `read`, `scanout`, `overlay`, `cursor`, `texture`, `display` and `encode` consume.
    /// Other names have no implied role; a profile states it with `role:`.
    public init?(usageName: String) {
        switch usageName {
        case "write", "render", "capture", "decode": self = .producer
        case "read", "scanout", "overlay", "cursor", "texture", "display", "encode": self = .consumer
        default: return nil
        }
    }
}

/// One way a device uses a buffer (`read`, `write`, `scanout`, …) and what it accepts there.
public final class Usage: Sendable {
    public let name: String
    /// Producer or consumer: the profile's `role:`, else what the name implies, else nil.
    public let role: UsageRole?
    /// Refinements of the device-wide rules for this usage.
    public let constraints: Constraints
    /// Accepted formats with their modifiers, in the device's order of preference.
    public let formats: [FormatEntry]
    /// The distinct formats of `formats`, in order: what rejections list as "accepts …".
    public let acceptedFormats: [FormatInfo]
    /// For each of `acceptedFormats`, every modifier the usage pairs it with, in order.
    private let modifiersByFormat: [[Modifier]]

    public init(name: String, role: UsageRole? = nil, constraints: Constraints = Constraints(), formats: [FormatEntry]) {
        self.name = name
        self.role = role ?? UsageRole(usageName: name)
        self.constraints = constraints
        self.formats = formats
        var distinct: [FormatInfo] = []
        for entry in formats where !distinct.contains(where: { $0.fourcc == entry.format.fourcc }) {
            distinct.append(entry.format)
        }
        self.acceptedFormats = distinct
        self.modifiersByFormat = distinct.map { format in
            formats.filter { $0.format.fourcc == format.fourcc }.flatMap(\.modifiers)
        }
    }

    /// Whether any entry accepts `format`.
    public func accepts(_ format: FourCC) -> Bool {
        acceptedFormats.contains { $0.fourcc == format }
    }

    /// Every modifier the usage pairs with `format`, in preference order.
    public func modifiers(for format: FourCC) -> [Modifier] {
        guard let index = acceptedFormats.firstIndex(where: { $0.fourcc == format }) else { return [] }
        return modifiersByFormat[index]
    }
}

/// A format a usage accepts, the modifiers it accepts it with (preferred first), and any
/// rules that apply only to this combination (a tiled modifier's own alignment, a
/// multi-planar format's bank placement).
public final class FormatEntry: Sendable {
    public let format: FormatInfo
    public let modifiers: [Modifier]
    public let constraints: Constraints

    public init(format: FormatInfo, modifiers: [Modifier] = [.linear], constraints: Constraints = Constraints()) {
        self.format = format
        self.modifiers = modifiers
        self.constraints = constraints
    }
}
