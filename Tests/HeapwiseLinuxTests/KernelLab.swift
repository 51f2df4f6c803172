import Foundation
import Testing
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

    /// What the lab's kernels differ in (Lab/kernels). The host derives each kernel's set from
    /// its build (`.config` and release) and passes it on the kernel command line; the payload
    /// exports it as HEAPWISE_LAB_FEATURES (comma-separated raw values).
    enum Feature: String, CaseIterable {
        /// `/dev/ion` with the 4.12+ uapi (CONFIG_ION, staging, 5.10 and older).
        case ion
        /// `DMA_BUF_IOCTL_EXPORT_SYNC_FILE` and `IMPORT_SYNC_FILE` (Linux 6.0).
        case syncFile = "sync-file"
        /// `/sys/kernel/dmabuf/buffers` (CONFIG_DMABUF_SYSFS_STATS, 5.13 to 6.x).
        case dmabufSysfsStats = "dmabuf-sysfs-stats"
        /// `/sys/kernel/mm/cma/<area>/` counters (CONFIG_CMA_SYSFS, 5.14).
        case cmaSysfs = "cma-sysfs"
        /// `ino:` in every fdinfo file (fs/proc/fd.c, 5.14).
        case fdinfoInode = "fdinfo-ino"
        /// `module_param` list_limit and size_limit_mb of udmabuf (6.1's udmabuf.c; 5.10's has
        /// them as constants).
        case udmabufLimitParameters = "udmabuf-limit-parameters"
        /// vkms exports GEM objects (`DRM_IOCTL_PRIME_HANDLE_TO_FD`, `DRM_PRIME_CAP_EXPORT`):
        /// 6.1's vkms does through the shmem GEM helpers; 5.10's sets no `prime_handle_to_fd`,
        /// so the ioctl fails with ENOSYS there, even for a buffer it imported.
        case vkmsPrimeExport = "vkms-prime-export"
        /// vkms composes and writes back imported dma-bufs safely. 5.10's vkms puts page
        /// references it never took when it unmaps an imported buffer after a commit
        /// (`vkms_gem_vunmap`), so Heapwise refuses `show` there (`refuseUnsafeImportedScanout`).
        case vkmsImportedScanout = "vkms-imported-scanout"
    }

    /// The features the lab's kernel has, as the host declared them.
    static let features: Set<Feature> = Set(
        (ProcessInfo.processInfo.environment["HEAPWISE_LAB_FEATURES"] ?? "").split(separator: ",")
            .compactMap { Feature(rawValue: String($0)) })

    static func has(_ feature: Feature) -> Bool { features.contains(feature) }

    /// Enables a test on lab kernels that have `feature`. The skip reads "not applicable:
    /// needs <feature>", which the payload counts per kernel; a test skipped for a feature the
    /// kernel was declared to have fails the lab.
    static func needs(_ feature: Feature) -> ConditionTrait {
        .enabled(if: active && has(feature), "not applicable: needs \(feature.rawValue)")
    }

    /// The number of open file descriptors of this process (`/proc/self/fd`).
    static func openDescriptorCount() -> Int {
        (try? FileManager.default.contentsOfDirectory(atPath: "/proc/self/fd").count) ?? -1
    }

    static func heap(named name: String) -> Heap? {
        HeapDiscovery.discover().first { $0.heap.name == name }?.heap
    }
}
