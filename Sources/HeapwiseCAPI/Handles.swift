// SPDX-License-Identifier: MIT
import Synchronization

/// A Swift object behind one of heapwise.h's opaque pointers. A handle C owns (made by a
/// `_new` or a `heapwise_context_` call) holds one retained reference, which its `_free`
/// gives back; a handle owned by another (a plan's choices, an allocation's buffers) is lent
/// unretained and lives as long as its owner.
protocol CHandle: AnyObject {}

extension CHandle {
    /// One reference for C, released by the handle's `_free`.
    var retainedPointer: OpaquePointer { OpaquePointer(Unmanaged.passRetained(self).toOpaque()) }

    /// A pointer valid while this object's owner keeps it.
    var unretainedPointer: OpaquePointer { OpaquePointer(Unmanaged.passUnretained(self).toOpaque()) }

    /// The object behind a pointer C passed in; nil for NULL. (A pointer of another kind, or
    /// one already freed, is undefined behaviour, as in every C library.)
    static func from(_ pointer: OpaquePointer?) -> Self? {
        pointer.map { Unmanaged<Self>.fromOpaque(UnsafeRawPointer($0)).takeUnretainedValue() }
    }

    /// Gives back C's reference (a `_free`); NULL does nothing.
    static func release(_ pointer: OpaquePointer?) {
        pointer.map { Unmanaged<Self>.fromOpaque(UnsafeRawPointer($0)).release() }
    }
}

/// Which string of a handle a `const char *` is, so each is copied once.
enum TextKey: Hashable {
    case format, modifier, gstreamerFormat, heap, fallbackHeap(Int), note(Int)
    case rejection(Int), explanation, heapCatalog, text, json
    case failedHeap(Int), message, remedy
    /// A value that changes over the handle's life (a pool's current heap): one copy per value.
    case current(String)
}

/// NUL-terminated copies of a handle's strings, made on first request and kept until the
/// handle goes: heapwise.h promises a returned string lives as long as its object. Behind a
/// mutex, because a plan's accessors may be called from several threads at once.
final class CStrings: Sendable {
    private let copies = Mutex<[TextKey: UnsafeMutablePointer<CChar>]>([:])

    func pointer(_ key: TextKey, _ text: () -> String) -> UnsafePointer<CChar> {
        let address = copies.withLock { table -> UInt in
            if let copy = table[key] { return UInt(bitPattern: copy) }
            let copy = Self.copy(text())
            table[key] = copy
            return UInt(bitPattern: copy)
        }
        // The copy is never moved or freed before `self`: the address stays valid.
        return UnsafePointer(bitPattern: address).unsafelyUnwrapped
    }

    private static func copy(_ text: String) -> UnsafeMutablePointer<CChar> {
        let bytes = Array(text.utf8)
        let copy = UnsafeMutablePointer<CChar>.allocate(capacity: bytes.count + 1)
        for (index, byte) in bytes.enumerated() { copy[index] = CChar(bitPattern: byte) }
        copy[bytes.count] = 0
        return copy
    }

    deinit {
        copies.withLock { table in
            for copy in table.values { copy.deallocate() }
        }
    }
}
