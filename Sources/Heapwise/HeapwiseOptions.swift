import HeapwiseCore

/// How a `HeapwiseContext` finds profiles and heaps, and whether it allocates itself or asks
/// the allocation broker.
public struct HeapwiseOptions: Sendable {
    /// The heaps plans are made against.
    public enum Heaps: Sendable {
        /// This machine's heaps (`/dev/dma_heap`, ION); on a machine without any, the built-in
        /// catalog of a typical board, whose plans allocate CPU-only memfd buffers.
        case live
        /// A heap catalog file (YAML): plan for another machine; allocations are CPU-only.
        case catalogFile(String)
        /// A catalog given by value (allocations are CPU-only unless it is this machine's).
        case catalog(HeapCatalog, live: Bool)
        /// The built-in catalog of a typical arm64 board.
        case builtIn
    }

    /// Which heaps to prefer per device (`HeapHints`).
    public enum Hints: Sendable {
        /// `/etc/heapwise/heap-hints.yaml` when this machine has one, else none.
        case system
        /// A hints file (YAML); it must exist.
        case file(String)
        /// Hints already read (the broker reads its file once).
        case given(HeapHints)
        case none
    }

    /// Whether plans and buffers come from the allocation broker (`heapwise serve`).
    public enum Broker: Sendable, Hashable {
        /// Through the broker at `socket` only when this user may open none of this machine's
        /// heaps and the socket exists; in this process otherwise.
        case automatic(socket: String = HeapwiseOptions.defaultSocket)
        /// Always through the broker at this socket.
        case socket(String)
        /// Always in this process.
        case never
    }

    /// Where the broker listens unless told otherwise.
    public static let defaultSocket = "/run/heapwise/heapwise.sock"

    /// Directories of `NAME.yaml` profiles; empty: `Profiles/` beside a pipeline file and in
    /// the working directory.
    public var profileDirectories: [String]
    public var heaps: Heaps
    public var hints: Hints
    public var broker: Broker

    public init(profileDirectories: [String] = [], heaps: Heaps = .live, hints: Hints = .system, broker: Broker = .automatic()) {
        self.profileDirectories = profileDirectories
        self.heaps = heaps
        self.hints = hints
        self.broker = broker
    }
}
