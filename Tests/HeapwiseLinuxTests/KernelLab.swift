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
        /// vkms on the shmem GEM helpers (6.1). 5.10's vkms has GEM code of its own, which
        /// (read in its `vkms_gem.c` and `vkms_drv.c`, and seen in the lab):
        /// - sets no `prime_handle_to_fd`: PRIME export fails with ENOSYS, even for a buffer it
        ///   imported, and `DRM_CAP_PRIME` has no `DRM_PRIME_CAP_EXPORT`;
        /// - never releases an imported dma-buf: `vkms_gem_free_object` has no
        ///   `drm_prime_gem_destroy`, so the attachment and its reference stay for good;
        /// - puts page references it never took when it unmaps an imported buffer after a
        ///   commit (`vkms_gem_vunmap`), so Heapwise refuses `show` there
        ///   (`refuseUnsafeImportedScanout`).
        case vkmsShmemGEM = "vkms-shmem-gem"
        /// The dma-buf heaps name their buffers' exporter after the heap (`system`,
        /// `reserved`). 5.10's heaps export through `heap-helpers.c`, whose
        /// `DEFINE_DMA_BUF_EXPORT_INFO` names every one `heap_helpers` (its KBUILD_MODNAME).
        case heapExporterNames = "heap-exporter-names"
    }

    /// The features the lab's kernel has, as the host declared them.
    static let features: Set<Feature> = Set(
        (ProcessInfo.processInfo.environment["HEAPWISE_LAB_FEATURES"] ?? "").split(separator: ",")
            .compactMap { Feature(rawValue: String($0)) })

    static func has(_ feature: Feature) -> Bool { features.contains(feature) }

    /// The exporter name fdinfo shows for a buffer of dma-buf heap `heap` on this kernel.
    static func exporter(ofHeap heap: String) -> String { has(.heapExporterNames) ? heap : "heap_helpers" }

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
