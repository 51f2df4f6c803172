import Foundation
import HeapwiseCore
@testable import HeapwiseLinux

/// Whether the tests run inside the project's kernel lab (a real kernel with dma-buf heaps,
/// udmabuf, vkms, vgem and vivid; see Lab/README.md). The lab sets HEAPWISE_LAB=1.
///
/// Kernel tests are enabled only there, and there they must run: a missing heap or device in
/// the lab is a failure (`#require`), never a skip, and the lab's runner fails if any test
/// was skipped.
enum KernelLab {
    static let active = ProcessInfo.processInfo.environment["HEAPWISE_LAB"] == "1"

    /// The number of open file descriptors of this process (`/proc/self/fd`).
    static func openDescriptorCount() -> Int {
        (try? FileManager.default.contentsOfDirectory(atPath: "/proc/self/fd").count) ?? -1
    }

    static func heap(named name: String) -> Heap? {
        HeapDiscovery.discover().first { $0.heap.name == name }?.heap
    }
}
