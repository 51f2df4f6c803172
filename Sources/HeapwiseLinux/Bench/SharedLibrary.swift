import Glibc

/// A shared library opened at run time (`dlopen(3)` with `RTLD_NOW | RTLD_LOCAL`), for
/// `heapwise bench c-api`, which calls libheapwise's C functions the way a C program linked
/// against it does, beside the same work done in Swift. Closed (`dlclose`) when it goes away.
public final class SharedLibrary {
    public let path: String
    private let handle: UnsafeMutableRawPointer

    /// Opens `path`; the dynamic loader's own message (`dlerror`) says why it could not.
    public init(_ path: String) throws(LinuxError) {
        guard let handle = dlopen(path, RTLD_NOW | RTLD_LOCAL) else {
            throw LinuxError(code: .notFound, node: path, operation: .open,
                             message: "cannot load the library: \(Self.lastError()) (build it with swift build -c release --product HeapwiseC)")
        }
        self.path = path
        self.handle = handle
    }

    /// The function `name`, as the C function type `F` (which must match its declaration).
    public func function<F>(_ name: String, as type: F.Type) throws(LinuxError) -> F {
        guard let address = dlsym(handle, name) else {
            throw LinuxError(code: .notFound, node: path, operation: .open, message: "the library does not export \(name): \(Self.lastError())")
        }
        return unsafeBitCast(address, to: type)
    }

    private static func lastError() -> String {
        dlerror().map { String(cString: $0) } ?? "no reason given"
    }

    deinit {
        dlclose(handle)
    }
}
