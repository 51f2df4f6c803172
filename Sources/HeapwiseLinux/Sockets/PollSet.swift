import Glibc
import SystemPackage

/// What a descriptor is polled for, and what `poll(2)` found (`POLLIN`, `POLLOUT`, `POLLHUP`).
public struct PollEvents: OptionSet, Sendable, Hashable {
    public let rawValue: Int16
    public init(rawValue: Int16) { self.rawValue = rawValue }

    public static let readable = PollEvents(rawValue: Int16(POLLIN))
    public static let writable = PollEvents(rawValue: Int16(POLLOUT))
    /// The peer hung up, or the descriptor is in error (never asked for: always reported).
    public static let hangUp = PollEvents(rawValue: Int16(POLLHUP | POLLERR | POLLNVAL))
}


/// `poll(2)` over descriptors this process owns, the way an event loop keeps them: each
/// registration holds its owner (a listener, a connection, a signal descriptor) under a key of
/// the caller's, so a descriptor cannot be closed while it is polled, and readiness comes back
/// by key, never as a raw number.
public final class PollSet<Key: Hashable> {
    public typealias Events = PollEvents

    private struct Registration {
        /// Keeps the descriptor open while it is registered.
        let owner: AnyObject
        let fd: Int32
        var interest: Events
    }

    private var registrations: [Key: Registration] = [:]

    public init() {}

    public var count: Int { registrations.count }

    public func register(_ listener: UnixListener, as key: Key) {
        registrations[key] = Registration(owner: listener, fd: listener.descriptor.withUnsafeDescriptor { $0 }, interest: .readable)
    }

    public func register(_ signals: SignalDescriptor, as key: Key) {
        registrations[key] = Registration(owner: signals, fd: signals.descriptor.withUnsafeDescriptor { $0 }, interest: .readable)
    }

    public func register(_ connection: UnixConnection, as key: Key, for interest: Events) {
        registrations[key] = Registration(owner: connection, fd: connection.descriptor.withUnsafeDescriptor { $0 }, interest: interest)
    }

    /// What `key` is polled for now (a connection waiting to send polls for `.writable`).
    public func update(_ key: Key, to interest: Events) {
        registrations[key]?.interest = interest
    }

    /// Stops polling `key` and lets go of its owner.
    public func remove(_ key: Key) {
        registrations[key] = nil
    }

    public func removeAll() {
        registrations.removeAll()
    }

    /// Waits until a registration is ready or `timeout` passes (nil: forever); what is ready,
    /// by key. EINTR comes back as an empty list, for the loop to go round again.
    public func wait(timeout: Duration?) -> Result<[(key: Key, events: Events)], Errno> {
        let entries = Array(registrations)
        var descriptors = entries.map { pollfd(fd: $0.value.fd, events: $0.value.interest.rawValue, revents: 0) }
        let milliseconds = timeout.map { Int32(clamping: $0.components.seconds * 1000 + $0.components.attoseconds / 1_000_000_000_000_000) } ?? -1
        switch Syscalls.poll(&descriptors, timeout: milliseconds) {
        case .success: break
        case .failure(.interrupted): return .success([])
        case let .failure(errno): return .failure(errno)
        }
        var ready: [(key: Key, events: Events)] = []
        for (index, entry) in entries.enumerated() where descriptors[index].revents != 0 {
            ready.append((entry.key, Events(rawValue: descriptors[index].revents)))
        }
        return .success(ready)
    }
}
