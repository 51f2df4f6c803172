import HeapwiseCore

/// The signals a daemon handles in its poll loop.
public enum ProcessSignal: Int32, Sendable, CaseIterable, CustomStringConvertible {
    case hangUp = 1, interrupt = 2, terminate = 15

    public var description: String {
        switch self {
        case .hangUp: "SIGHUP"
        case .interrupt: "SIGINT"
        case .terminate: "SIGTERM"
        }
    }
}

/// Signals as readable data for a poll loop (`signalfd(2)`): they are blocked, so they never
/// interrupt the loop mid-request.
public final class SignalDescriptor: @unchecked Sendable {
    let descriptor: Descriptor

    public init(_ signals: [ProcessSignal]) throws(LinuxError) {
        switch Syscalls.signalDescriptor(signals.map(\.rawValue)) {
        case let .success(raw): descriptor = Descriptor(adopting: raw)
        case let .failure(errno): throw .from(errno, node: nil, operation: .signalfd, message: "cannot receive signals")
        }
    }

    /// The next pending signal, or nil.
    public func next() -> ProcessSignal? {
        guard case let .success(signal) = descriptor.withUnsafeDescriptor({ Syscalls.readSignal($0) }), signal > 0 else { return nil }
        return ProcessSignal(rawValue: signal)
    }
}

/// This process.
public enum CurrentProcess {
    /// Its id (`getpid`).
    public static var id: ProcessID { Syscalls.processID }
}
