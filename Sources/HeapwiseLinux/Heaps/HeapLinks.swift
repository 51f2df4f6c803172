import HeapwiseCore

/// The kernel-side heap hint: a `dma_heap` symlink in a device's sysfs directory pointing at
/// the dma-buf heap its driver wants (`…/device/dma_heap -> …/dma_heap/linux,cma`), as
/// proposed on dri-devel for devices whose memory needs no constraint language can express.
/// No mainline kernel creates it (up to 6.12); a vendor kernel that carries the patch does,
/// and then it is the hint Heapwise trusts first (`HeapHint`).
public enum HeapLinks {
    /// The heap named by `<deviceDirectory>/dma_heap`, if the link exists: the last path
    /// component of its target (the heap's name, as under `/dev/dma_heap`).
    public static func heap(linkedFrom deviceDirectory: String) -> HeapHint? {
        let link = deviceDirectory + "/dma_heap"
        guard case let .success(target) = Syscalls.readlink(link),
              let name = target.split(separator: "/").last, !name.isEmpty
        else { return nil }
        return HeapHint(heaps: [String(name)], source: "sysfs link \(link)")
    }

    /// The link of a live device, found by driver as `ProbedDevices` finds it: the first
    /// node of that driver, `/sys/class/drm/cardN/device` or `/sys/class/video4linux/videoN/device`.
    public static func heap(for reference: DeviceReference, sysfs: String = "/sys") -> HeapHint? {
        let node: String?
        let classDirectory: String
        switch reference.kind {
        case .drm:
            node = reference.node ?? DRMDevice.list().first { $0.version.driver == reference.driver }?.path
            classDirectory = "class/drm"
        case .v4l2:
            node = reference.node ?? V4L2Device.list().first { $0.capabilities.driver == reference.driver }?.path
            classDirectory = "class/video4linux"
        }
        guard let name = node?.split(separator: "/").last else { return nil }
        return heap(linkedFrom: "\(sysfs)/\(classDirectory)/\(name)/device")
    }
}
