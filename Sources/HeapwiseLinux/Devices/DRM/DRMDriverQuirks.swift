extension DRMDevice {
    /// Refuses to scan out imported dma-bufs on a vkms that would corrupt memory doing it.
    ///
    /// vkms before it moved to the shmem GEM helpers (Linux 5.10's `vkms_gem.c`) keeps an
    /// imported buffer's pages in its own object and, when the composer or writeback unmaps
    /// the buffer after a commit, `vkms_gem_vunmap` calls `drm_gem_put_pages` on them: it
    /// drops page references it never took, so the exporter's pages (a heap's, udmabuf's)
    /// return to the page allocator while still in use and the kernel crashes later (in the
    /// lab, a general protection fault on a poisoned per-CPU free list). Every framebuffer
    /// Heapwise makes is an imported dma-buf. That vkms is recognised by what it also lacks,
    /// `prime_handle_to_fd` (no `DRM_PRIME_CAP_EXPORT`); the shmem helpers bring both.
    func refuseUnsafeImportedScanout() throws(LinuxError) {
        guard driver == "vkms", !capabilities().primeExport else { return }
        throw LinuxError(
            code: .unsupported, node: path, operation: .drmAtomic,
            message: "vkms: not scanning out an imported dma-buf: this kernel's vkms (no DRM_PRIME_CAP_EXPORT, before its shmem GEM helpers) drops page references it never took when it unmaps an imported buffer after composing it, freeing the exporter's pages while in use",
            remedy: "scan out imported buffers on vkms with a kernel whose vkms exports dma-bufs (6.1's does); this one can still import them for checks that need no commit"
        )
    }
}
