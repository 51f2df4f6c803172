/// A sync_file (`drivers/dma-buf/sync_file.c`): a fence as a descriptor, which becomes
/// readable when the fence signals. Owned, and closed with the object.
public final class SyncFile {
    let descriptor: Descriptor

    init(_ descriptor: consuming Descriptor) { self.descriptor = descriptor }

    /// Lends the descriptor to `body` (to pass the fence to another API), which must neither
    /// close nor keep it.
    public func withUnsafeDescriptor<R, E: Error>(_ body: (Int32) throws(E) -> R) throws(E) -> R {
        try descriptor.withUnsafeDescriptor(body)
    }

    var fd: Int32 { descriptor.rawValue }
}
