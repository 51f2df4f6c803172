/// A kind of device found among numbered nodes (`/dev/dri/cardN`, `/dev/videoN`) and
/// identified by what it says about itself once open.
protocol NumberedDevice: AnyObject {
    /// `card`, `video`: the node name before its number.
    static var nodePrefix: String { get }
    /// Opens one node and asks it what it is.
    static func open(path: String) throws(LinuxError) -> Self
}

/// Finding a device among numbered nodes (`/dev/dri/cardN`, `/dev/videoN`) by what it says
/// about itself. Numbers follow probe order and change between boots, so callers match on the
/// driver's own answer (`DRM_IOCTL_VERSION`, `VIDIOC_QUERYCAP`), never on N.
enum DeviceNodes {
    /// Opens a device node (`open`, retried on EINTR). A failure is classified by
    /// `LinuxError.from` with `message`; `missing`, when given, replaces the remedy for a
    /// node that does not exist (the generic one speaks of heaps).
    static func open(_ path: String, _ flags: Int32, message: String, missing: String? = nil) throws(LinuxError) -> Descriptor {
        switch Syscalls.retryingInterrupts(true, { Syscalls.open(path, flags) }) {
        case let .success(fd): return Descriptor(adopting: fd)
        case let .failure(errno):
            var error = LinuxError.from(errno, node: path, operation: .open, message: message)
            if let missing, error.code == .notFound { error.remedy = missing }
            throw error
        }
    }

    /// `PREFIXn` entries of `directory`, in numeric order (`video10` after `video9`).
    static func numbered(_ prefix: String, in directory: String) -> [String] {
        ((try? Syscalls.listDirectory(directory).get()) ?? [])
            .compactMap { name -> (Int, String)? in
                guard name.hasPrefix(prefix), let number = Int(name.dropFirst(prefix.count)) else { return nil }
                return (number, directory + "/" + name)
            }
            .sorted { $0.0 < $1.0 }
            .map(\.1)
    }

    /// Every `Device` node under `directory` this user can open, described by `describe`, in
    /// node order; each is closed before the next is opened. Nodes that cannot be opened
    /// (0600 root, another driver) are left out: `first(_:in:…)` explains those.
    static func list<Device: NumberedDevice, Entry>(
        _ type: Device.Type, in directory: String, _ describe: (Device) -> Entry
    ) -> [Entry] {
        numbered(Device.nodePrefix, in: directory).compactMap { path in (try? Device.open(path: path)).map(describe) }
    }

    /// Opens the `Device` nodes of `directory` in order and returns the first one `matches`
    /// accepts; the others are closed as soon as they are passed over. When none matches, the error names what was
    /// found, and says "permission denied" (with the node's remedy) if a node could not be
    /// opened, since the wanted device may be behind it. `none` says what an empty directory
    /// means ("no DRM card").
    static func first<Device: NumberedDevice>(
        _ type: Device.Type, in directory: String, matches: (Device) -> Bool,
        describe: (Device) -> String, wanted: String, none: String, operation: KernelCall, remedy: String
    ) throws(LinuxError) -> Device {
        var seen: [String] = []
        var refused: [LinuxError] = []
        for path in numbered(Device.nodePrefix, in: directory) {
            do {
                let device = try Device.open(path: path)
                if matches(device) { return device }
                seen.append("\(path.split(separator: "/").last.map(String.init) ?? path) (\(describe(device)))")
            } catch {
                refused.append(error)
            }
        }
        let found = seen.isEmpty ? none : "found " + seen.joined(separator: ", ")
        var error = LinuxError(code: .notFound, node: directory, operation: operation, message: "no \(wanted) (\(found))")
        if let denied = refused.first(where: { $0.code == .permissionDenied }) {
            error.code = .permissionDenied
            error.errno = denied.errno
            error.remedy = denied.description
        } else {
            error.remedy = remedy
        }
        throw error
    }

    /// Whether `path` exists (`F_OK`) or this user may use it as `mode` asks; a refusal is
    /// an answer here, not an error.
    static func isAccessible(_ path: String, _ mode: Int32) -> Bool {
        if case .success = Syscalls.access(path, mode) { return true }
        return false
    }
}
