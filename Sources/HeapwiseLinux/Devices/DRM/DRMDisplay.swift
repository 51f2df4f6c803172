/// The objects one full-screen image goes through: a CRTC, the connector it drives, its
/// primary plane, and, where the device has one, a writeback connector that can capture
/// the CRTC's output.
public struct DRMDisplayPath: Hashable, Sendable {
    public var crtc: UInt32
    public var connector: DRMConnector
    public var primaryPlane: DRMPlane
    public var writeback: DRMConnector?
    /// Whether the writeback connector may capture while the display connector shows: their
    /// encoders must list each other in `possible_clones`, or the core's clone check
    /// (`drm_atomic_check_valid_clones` in `drm_atomic_helper.c`) refuses the commit with
    /// EINVAL. vkms in 6.1 sets no clones, so there a capture drives the writeback connector
    /// alone.
    public var writebackClonesDisplay: Bool
}

extension DRMProbe {
    /// Chooses a display path: the named connector (`Virtual-1`), or else the first connected
    /// display connector; the first CRTC both an encoder of it and a primary plane can use;
    /// and a writeback connector that can follow that CRTC. Nil when there is none.
    public func displayPath(connector name: String? = nil) -> DRMDisplayPath? {
        guard let resources else { return nil }
        let displays = connectors.filter { !$0.isWriteback && (name == nil ? $0.connected : $0.name == name) }
        for connector in displays {
            for (index, crtc) in resources.crtcs.enumerated() where connector.possibleCRTCs & (1 << UInt32(index)) != 0 {
                guard let plane = planes.first(where: { $0.type == .primary && $0.possibleCRTCs & (1 << UInt32(index)) != 0 }) else {
                    continue
                }
                let writeback = connectors.first { $0.isWriteback && $0.possibleCRTCs & (1 << UInt32(index)) != 0 }
                let clones = writeback.map {
                    connector.possibleClones & resources.encoderMask($0.encoders) != 0
                        && $0.possibleClones & resources.encoderMask(connector.encoders) != 0
                } ?? false
                return DRMDisplayPath(crtc: crtc, connector: connector, primaryPlane: plane, writeback: writeback,
                                      writebackClonesDisplay: clones)
            }
        }
        return nil
    }
}

extension DRMDevice {
    /// Shows `framebuffer` full screen in `mode` on `path` with one atomic modeset and, when
    /// `capture` is given, has the writeback connector write the composed output into it.
    /// Returns the writeback fence (`WRITEBACK_OUT_FENCE_PTR`), which signals once `capture`
    /// holds the frame; nil without a capture.
    ///
    /// When the writeback encoder cannot be a clone of the display's
    /// (`DRMDisplayPath.writebackClonesDisplay` false, as on vkms), the capturing commit
    /// routes the CRTC to the writeback connector alone and unroutes the display connector:
    /// the plane and CRTC compose the same frame, only nothing is shown meanwhile.
    ///
    /// Sets CRTC `MODE_ID` (a fresh mode blob) and `ACTIVE`, connector `CRTC_ID`, and the
    /// primary plane's `FB_ID`, `CRTC_ID`, `SRC_*` (16.16 fixed point) and `CRTC_*`; for the
    /// capture, the writeback connector's `CRTC_ID` and `WRITEBACK_FB_ID`, whose framebuffer
    /// must match the mode's size and be one of `WRITEBACK_PIXEL_FORMATS`.
    /// The corresponding ioctl is `DRM_IOCTL_MODE_ATOMIC` with `DRM_MODE_ATOMIC_ALLOW_MODESET`.
    /// Refused (unsupported) on a vkms that would corrupt memory scanning out an imported
    /// buffer (`refuseUnsafeImportedScanout`, 5.10).
    @discardableResult
    public func show(_ framebuffer: DRMFramebuffer, mode: DRMMode, on path: DRMDisplayPath, capture: DRMFramebuffer? = nil) throws(LinuxError) -> SyncFile? {
        try refuseUnsafeImportedScanout()
        let blob = try createModeBlob(mode)
        var request = AtomicRequest(self)
        try request.set(.crtc, path.crtc, "MODE_ID", UInt64(blob.id))
        try request.set(.crtc, path.crtc, "ACTIVE", 1)
        let display = capture == nil || path.writebackClonesDisplay
        try request.set(.connector, path.connector.id, "CRTC_ID", display ? UInt64(path.crtc) : 0)
        let plane = path.primaryPlane.id
        let source = framebuffer.request
        try request.set(.plane, plane, "FB_ID", UInt64(framebuffer.id))
        try request.set(.plane, plane, "CRTC_ID", UInt64(path.crtc))
        try request.set(.plane, plane, "SRC_X", 0)
        try request.set(.plane, plane, "SRC_Y", 0)
        try request.set(.plane, plane, "SRC_W", UInt64(source.width) << 16)
        try request.set(.plane, plane, "SRC_H", UInt64(source.height) << 16)
        try request.set(.plane, plane, "CRTC_X", 0)
        try request.set(.plane, plane, "CRTC_Y", 0)
        try request.set(.plane, plane, "CRTC_W", UInt64(mode.width))
        try request.set(.plane, plane, "CRTC_H", UInt64(mode.height))
        if let capture {
            guard let writeback = path.writeback else {
                throw LinuxError(code: .unsupported, node: self.path, operation: .drmAtomic,
                                 message: "\(driver) has no writeback connector for CRTC \(path.crtc)",
                                 remedy: "writeback connectors are listed only after DRM_CLIENT_CAP_WRITEBACK_CONNECTORS (probe() enables it); vkms needs vkms.enable_writeback=1 (the default in 6.1)")
            }
            try request.set(.connector, writeback.id, "CRTC_ID", UInt64(path.crtc))
            try request.set(.connector, writeback.id, "WRITEBACK_FB_ID", UInt64(capture.id))
            try request.requestOutFence(.connector, writeback.id, "WRITEBACK_OUT_FENCE_PTR")
        }
        return try request.commit(.allowModeset)
    }

    /// Turns the path off: plane detached, connectors unrouted, CRTC inactive with no mode.
    /// Leaves the device as it was before `show`, so framebuffers can go without the kernel
    /// having to disable planes under them. The corresponding ioctl is `DRM_IOCTL_MODE_ATOMIC`.
    public func disable(_ path: DRMDisplayPath) throws(LinuxError) {
        var request = AtomicRequest(self)
        try request.set(.plane, path.primaryPlane.id, "FB_ID", 0)
        try request.set(.plane, path.primaryPlane.id, "CRTC_ID", 0)
        try request.set(.connector, path.connector.id, "CRTC_ID", 0)
        if let writeback = path.writeback { try request.set(.connector, writeback.id, "CRTC_ID", 0) }
        try request.set(.crtc, path.crtc, "ACTIVE", 0)
        try request.set(.crtc, path.crtc, "MODE_ID", 0)
        try request.commit(.allowModeset)
    }
}
