import Testing
import HeapwiseCore
@testable import HeapwiseLinux

/// DRM/KMS against the real kernel of the lab (Lab/README.md): vkms (a virtual KMS device
/// with a writeback connector) and vgem (buffer sharing only), found by driver name.
/// Enabled only in the lab, where each must run; a missing device there fails the test.
///
/// vkms becomes DRM master of the one descriptor a test opens (the first open of a card
/// without a master does), so each test opens its own device and lets it go at the end.
@Suite(.enabled(if: KernelLab.active, "needs the kernel lab (HEAPWISE_LAB=1)"), .serialized)
struct KernelDRMTests {
    static let xrgb8888 = FourCC("XR24")!
    static let width = 640
    static let height = 480

    func device(_ driver: String) throws -> DRMDevice {
        let nodes = DRMDevice.list()
        try #require(nodes.contains { $0.version.driver == driver },
                     "the lab kernel has a \(driver) DRM device (found: \(nodes.map { "\($0.path) \($0.version.driver)" }))")
        return try DRMDevice.open(driver: driver)
    }

    func systemHeap() throws -> DMAHeap {
        try DMAHeap(try #require(KernelLab.heap(named: "system"), "the lab kernel has /dev/dma_heap/system"))
    }

    /// XRGB8888 pixels that differ in every channel across the image. The X byte is 0xff
    /// because vkms writes 0xff there on writeback (`argb_u16_to_XRGB8888`).
    static func pixel(_ x: Int, _ y: Int) -> UInt32 {
        0xFF00_0000 | UInt32(x & 0xFF) << 16 | UInt32(y & 0xFF) << 8 | UInt32((x * 7 + y * 3) & 0xFF)
    }

    @Test func vkmsIsProbedByDriverName() throws {
        let vkms = try device("vkms")
        let probe = try vkms.probe()
        for line in probe.summary { print("drm probe vkms: \(line)") }
        #expect(probe.version.driver == "vkms")
        #expect(probe.clientCapabilities.isSuperset(of: [.universalPlanes, .atomic, .writebackConnectors]))
        #expect(probe.capabilities.primeImport)
        #expect(probe.capabilities.primeExport == KernelLab.has(.vkmsShmemGEM),
                "DRM_PRIME_CAP_EXPORT of vkms follows the kernel (declared vkms-shmem-gem: \(KernelLab.has(.vkmsShmemGEM)))")
        #expect(probe.capabilities.cursorWidth == 512 && probe.capabilities.cursorHeight == 512)

        let primary = try #require(probe.planes.first { $0.type == .primary }, "vkms has a primary plane")
        // 6.1's vkms takes modifiers and lists them (IN_FORMATS); 5.10's does neither, and its
        // formats are LINEAR all the same (FormatBlob.implicitPairs).
        #expect(primary.hasInFormats == (probe.capabilities.addFB2Modifiers == true))
        #expect(primary.formatModifiers.contains(FormatModifierPair(format: Self.xrgb8888, modifier: .linear)))
        #expect(probe.planes.contains { $0.type == .cursor })

        let display = try #require(probe.connectors.first { $0.name == "Virtual-1" }, "vkms has connector Virtual-1")
        #expect(display.connected)
        #expect(display.modes.contains { $0.preferred && $0.width == 1024 && $0.height == 768 })
        #expect(display.modes.contains { $0.width == Self.width && $0.height == Self.height })
        let writeback = try #require(probe.connectors.first { $0.isWriteback }, "vkms has its writeback connector")
        #expect(probe.writebackFormats[writeback.id]?.contains(Self.xrgb8888) == true)

        let profile = probe.profile(name: "vkms")
        for line in profile.sources { print("drm profile vkms source: \(line)") }
        #expect(profile.usages.map(\.name).starts(with: ["scanout"]))
        #expect(profile.usage(named: "scanout")?.modifiers(for: Self.xrgb8888) == [.linear])
        #expect(profile.usage(named: "cursor")?.constraints.maxWidth == 512)
        #expect(profile.usage(named: "writeback")?.accepts(Self.xrgb8888) == true)
        #expect(profile.constraints.maxWidth == 8192)
        #expect(profile.sources.contains { $0.contains("virtual KMS device") })
    }

    @Test func vgemIsProbedAndHasNoKMS() throws {
        let vgem = try device("vgem")
        let probe = try vgem.probe()
        for line in probe.summary { print("drm probe vgem: \(line)") }
        #expect(probe.version.driver == "vgem")
        #expect(!probe.hasKMS)
        #expect(probe.capabilities.primeImport && probe.capabilities.primeExport)
        #expect(probe.capabilities.addFB2Modifiers == nil)
        #expect(probe.clientCapabilities.isEmpty)
        let profile = probe.profile(name: "vgem")
        #expect(profile.usages.isEmpty)
        #expect(profile.sources.contains { $0.contains("no KMS") })
    }

    /// PRIME import of heap and udmabuf dma-bufs: the device takes a reference to the
    /// dma-buf (its fdinfo count rises), a second import shares the kernel's handle, export
    /// gives back the same dma-buf, and releasing the last handle drops the reference.
    /// Where the driver cannot export (vkms of 5.10), export fails as unsupported, naming
    /// the missing capability.
    @Test(arguments: ["vkms", "vgem"])
    func primeImportsHeapAndUdmabufBuffers(_ driver: String) throws {
        let device = try device(driver)
        let buffers = [try systemHeap().allocate(byteCount: 1 << 20), try Udmabuf().allocate(byteCount: 1 << 20)]
        for buffer in buffers {
            let before = try #require(try buffer.info().count)
            let handle = try device.importBuffer(buffer)
            #expect(handle.handle != 0)
            #expect(try #require(try buffer.info().count) > before)
            let again = try device.importBuffer(buffer)
            #expect(again.handle == handle.handle)
            if device.capabilities().primeExport {
                let exported = try device.exportBuffer(handle)
                #expect(try exported.inode() == buffer.inode())
                exported.close()
                handle.release()
                // `again` still holds the shared handle.
                try device.exportBuffer(again).close()
            } else {
                try Self.expectExportRefused(device, handle)
                handle.release()
            }
            again.release()
            if Self.releasesImports(driver) {
                #expect(try buffer.info().count == before, "\(driver) released its reference to the \(buffer.origin) dma-buf")
            } else {
                // 5.10's vkms keeps every import for good (KernelLab.Feature.vkmsShmemGEM).
                #expect(try buffer.info().count == before + 1, "5.10's vkms keeps its reference to the \(buffer.origin) dma-buf")
            }
            if case let .failure(errno) = Syscalls.drmGemClose(device.fd, handle: handle.handle) {
                #expect(errno == .invalidArgument, "the GEM handle was closed")
            } else {
                Issue.record("GEM handle \(handle.handle) was still open after the last release")
            }
        }
    }

    /// Whether closing the last GEM handle of an import gives the dma-buf back: not on 5.10's
    /// vkms, whose `vkms_gem_free_object` never calls `drm_prime_gem_destroy`.
    static func releasesImports(_ driver: String) -> Bool { driver != "vkms" || KernelLab.has(.vkmsShmemGEM) }

    /// A driver without DRM_PRIME_CAP_EXPORT answers PRIME_HANDLE_TO_FD with ENOSYS: an
    /// unsupported error that names the capability, and no descriptor.
    static func expectExportRefused(_ device: DRMDevice, _ handle: GEMHandle) throws {
        let before = KernelLab.openDescriptorCount()
        let error = #expect(throws: LinuxError.self) { try device.exportBuffer(handle) }
        #expect(error?.code == .unsupported && error?.errno == .noFunction, "\(String(describing: error))")
        #expect(error?.remedy?.contains("DRM_PRIME_CAP_EXPORT") == true, "\(String(describing: error))")
        #expect(KernelLab.openDescriptorCount() == before)
    }

    @Test func aPlanForTheProbedScanoutBecomesFramebuffers() throws {
        let vkms = try device("vkms")
        let profile = try vkms.probe().profile(name: "vkms")
        let scanout = try #require(profile.usage(named: "scanout"))
        let catalog = HeapDiscovery.catalog()
        // A display alone has no producer whose precision to keep, so the ranking would take
        // vkms's smallest format (RGB565): the test names the format a compositor scans out.
        let pipeline = Pipeline(width: Self.width, height: Self.height, count: 2, formats: [try FormatInfo.parse("XRGB8888")],
                                participants: [Participant(device: profile, usage: scanout)])
        let plan = try #require(Resolver(catalog: catalog).resolve(pipeline).chosen)
        #expect(plan.format.name == "XRGB8888" && plan.modifier == .linear)
        let allocated = try PlanAllocator().allocate(plan, count: 2, catalog: catalog)
        for image in allocated.images {
            let framebuffer = try vkms.addFramebuffer(plan, width: Self.width, height: Self.height, buffers: image)
            #expect(framebuffer.id != 0)
            #expect(framebuffer.request.planes.map(\.pitch) == [plan.layout.buffers[0].planes[0].stride])
        }
    }

    @Test func aWrongPitchIsRefusedWithAClearError() throws {
        let vkms = try device("vkms")
        let buffer = try systemHeap().allocate(byteCount: Self.width * Self.height * 4)
        let handle = try vkms.importBuffer(buffer)
        do {
            _ = try vkms.addFramebuffer(format: Self.xrgb8888, width: Self.width, height: Self.height, modifier: .linear,
                                        planes: [FramebufferPlane(buffer: handle, offset: 0, pitch: Self.width * 4 - 4)])
            Issue.record("vkms accepted a pitch shorter than a row")
        } catch {
            print("drm wrong pitch: \(error)")
            #expect(error.errno == .invalidArgument)
            #expect(error.operation == .drmAddFB2)
            #expect(error.description.contains("vkms: the framebuffer XRGB8888 640×480, modifier LINEAR, pitches [2556], offsets [0], handles [\(handle.handle)] was refused"))
            #expect(error.description.contains("/dev/dri/card"))
            #expect(error.remedy?.contains("pitch 2556 < 2560 bytes") == true)
        }
    }

    /// The whole display path with no copy by Heapwise: a pattern written into a system-heap
    /// dma-buf is scanned out by an atomic modeset on Virtual-1, vkms's writeback connector
    /// writes the composed frame into a second system-heap dma-buf, and once the writeback
    /// fence signals the CPU reads back exactly the pixels it wrote.
    @Test(KernelLab.needs(.vkmsShmemGEM))
    func modesetAndWritebackGiveBackThePixels() throws {
        let vkms = try device("vkms")
        let probe = try vkms.probe()
        let path = try #require(probe.displayPath(connector: "Virtual-1"), "vkms has a display path on Virtual-1")
        let writeback = try #require(path.writeback, "vkms's writeback connector follows the CRTC (vkms.enable_writeback=1, the 6.1 default)")
        #expect(probe.writebackFormats[writeback.id]?.contains(Self.xrgb8888) == true)
        let mode = try #require(path.connector.modes.first { $0.width == Self.width && $0.height == Self.height })

        // One plan both the plane and the writeback engine accept.
        let profile = probe.profile(name: "vkms")
        let pipeline = Pipeline(
            width: Self.width, height: Self.height, count: 2, formats: [try #require(FormatInfo.lookup(Self.xrgb8888))],
            participants: [Participant(device: profile, usage: try #require(profile.usage(named: "scanout"))),
                           Participant(device: profile, usage: try #require(profile.usage(named: "writeback")))])
        let plan = try #require(Resolver(catalog: HeapDiscovery.catalog()).resolve(pipeline).chosen)
        let pitch = plan.layout.buffers[0].planes[0].stride
        let heap = try systemHeap()
        let shown = try heap.allocate(byteCount: plan.layout.buffers[0].size)
        let captured = try heap.allocate(byteCount: plan.layout.buffers[0].size)
        #expect(try shown.info().exporter == "system" && captured.info().exporter == "system")

        try shown.withCPUAccess(.write) { bytes in
            for y in 0..<Self.height {
                for x in 0..<Self.width { bytes.storeBytes(of: Self.pixel(x, y), toByteOffset: y * pitch + 4 * x, as: UInt32.self) }
            }
        }
        try captured.withCPUAccess(.write) { bytes in _ = bytes.initializeMemory(as: UInt8.self, repeating: 0) }

        let source = try vkms.addFramebuffer(plan, width: Self.width, height: Self.height, buffers: [shown])
        let target = try vkms.addFramebuffer(plan, width: Self.width, height: Self.height, buffers: [captured])
        // Scan out on Virtual-1: the primary plane now shows the heap buffer.
        #expect(try vkms.show(source, mode: mode, on: path) == nil)
        #expect(try vkms.properties(of: path.primaryPlane.id, .plane)["FB_ID"]?.value == UInt64(source.id))
        #expect(try vkms.properties(of: path.connector.id, .connector)["CRTC_ID"]?.value == UInt64(path.crtc))
        // Capture the CRTC's composed output (vkms's encoders are not clones, so the CRTC feeds
        // the writeback connector alone for this commit).
        #expect(!path.writebackClonesDisplay)
        let fence = try #require(try vkms.show(source, mode: mode, on: path, capture: target), "the commit returned a writeback fence")
        #expect(try fence.wait(timeoutMilliseconds: 20_000), "the writeback fence signalled")

        let mismatches = try captured.withCPUAccess(.read) { bytes in
            var wrong = 0
            for y in 0..<Self.height {
                for x in 0..<Self.width where bytes.load(fromByteOffset: y * pitch + 4 * x, as: UInt32.self) != Self.pixel(x, y) {
                    wrong += 1
                }
            }
            return wrong
        }
        print("drm writeback: \(Self.width)x\(Self.height) \(plan.format.name)/\(plan.modifier.name) pitch \(pitch), CRTC \(path.crtc), plane \(path.primaryPlane.id), \(path.connector.name) + \(writeback.name): \(Self.width * Self.height - mismatches) of \(Self.width * Self.height) pixels match")
        #expect(mismatches == 0)
        try vkms.disable(path)
    }

    /// On a vkms that would free an imported buffer's pages after composing it (5.10), `show`
    /// refuses before any commit, saying why; elsewhere the guard lets it through.
    @Test func showRefusesImportedScanoutOnlyWhereVkmsWouldCorruptMemory() throws {
        let vkms = try device("vkms")
        let probe = try vkms.probe()
        let path = try #require(probe.displayPath(connector: "Virtual-1"), "vkms has a display path on Virtual-1")
        let mode = try #require(path.connector.modes.first { $0.width == Self.width && $0.height == Self.height })
        if KernelLab.has(.vkmsShmemGEM) {
            try vkms.refuseUnsafeImportedScanout()
            return
        }
        let profile = probe.profile(name: "vkms")
        let pipeline = Pipeline(width: Self.width, height: Self.height, count: 1, formats: [try FormatInfo.parse("XRGB8888")],
                                participants: [Participant(device: profile, usage: try #require(profile.usage(named: "scanout")))])
        let plan = try #require(Resolver(catalog: HeapDiscovery.catalog()).resolve(pipeline).chosen)
        let buffer = try systemHeap().allocate(byteCount: plan.layout.buffers[0].size)
        let framebuffer = try vkms.addFramebuffer(plan, width: Self.width, height: Self.height, buffers: [buffer])
        let error = #expect(throws: LinuxError.self) { try vkms.show(framebuffer, mode: mode, on: path) }
        #expect(error?.code == .unsupported && error?.operation == .drmAtomic, "\(String(describing: error))")
        #expect(error?.message.contains("page references") == true && error?.remedy != nil, "\(String(describing: error))")
        #expect(try vkms.properties(of: path.primaryPlane.id, .plane)["FB_ID"]?.value == 0, "nothing was committed")
        framebuffer.remove()
    }

    /// Only the DRM master may commit: a second descriptor of the same card gets EACCES, and
    /// the error says why instead of suggesting a udev rule.
    @Test func aSecondDescriptorIsNotMasterAndCannotCommit() throws {
        let vkms = try device("vkms")
        let second = try DRMDevice.open(path: vkms.path)
        vkms.enable()
        second.enable()
        try AtomicRequest(vkms).commit(.testOnly)
        do {
            try AtomicRequest(second).commit(.testOnly)
            Issue.record("a second descriptor committed without being DRM master")
        } catch {
            #expect(error.errno == .permissionDenied)
            #expect(error.operation == .drmAtomic)
            #expect(error.remedy?.contains("needs DRM master on \(vkms.path)") == true)
        }
    }

    /// EINTR from PRIME import is retried (nothing happened in the kernel), other errors
    /// come back typed with the driver, the ioctl and errno.
    @Test func importRetriesInterruptsAndTypesOtherErrors() throws {
        let vkms = try device("vkms")
        let buffer = try systemHeap().allocate(byteCount: 4096)
        let (handle, unused) = try Mocking.with([.drmPrimeFDToHandle: [.interrupted, .interrupted]]) { try vkms.importBuffer(buffer) }
        #expect(unused == 0)
        #expect(handle.handle != 0)
        do {
            _ = try Mocking.with([.drmPrimeFDToHandle: [.noMemory]]) { try vkms.importBuffer(buffer) }
            Issue.record("the injected ENOMEM was not reported")
        } catch let error as LinuxError {
            #expect(error.code == .outOfMemory)
            #expect(error.operation == .drmPrimeFDToHandle)
            #expect(error.description.contains("vkms: importing the 4 KiB dma-buf from /dev/dma_heap/system failed"))
        }
    }

    /// A tiled modifier on a vkms that takes no modifiers (5.10, no DRM_CAP_ADDFB2_MODIFIERS):
    /// Heapwise refuses before the ioctl, saying its framebuffers are LINEAR. Where vkms takes
    /// modifiers (6.1, 6.12) the flagged request goes to the kernel, which decides: in the lab
    /// 6.1's vkms accepts it at ADDFB2 and 6.12's refuses it (EINVAL). Neither leaves a
    /// descriptor behind.
    @Test func aModifierTheDriverCannotTakeIsRefusedByName() throws {
        let vkms = try device("vkms")
        let buffer = try systemHeap().allocate(byteCount: Self.width * Self.height * 4)
        let handle = try vkms.importBuffer(buffer)
        let descriptors = KernelLab.openDescriptorCount()
        let tiled = try Modifier.parse("I915_FORMAT_MOD_X_TILED")
        let add = { () throws(LinuxError) -> DRMFramebuffer in
            try vkms.addFramebuffer(format: Self.xrgb8888, width: Self.width, height: Self.height, modifier: tiled,
                                    planes: [FramebufferPlane(buffer: handle, offset: 0, pitch: Self.width * 4)])
        }
        if vkms.capabilities().addFB2Modifiers == true {
            do {
                let framebuffer = try add()
                print("drm modifiers: vkms took an X_TILED framebuffer at ADDFB2 (\(framebuffer.id))")
                framebuffer.remove()
            } catch {
                print("drm modifiers: vkms refused X_TILED at ADDFB2: \(error)")
                #expect(error.operation == .drmAddFB2 && error.errno != nil, "the kernel refused it, not Heapwise: \(error)")
            }
        } else {
            let error = #expect(throws: LinuxError.self) { try add() }
            #expect(error?.code == .unsupported && error?.errno == nil, "\(String(describing: error))")
            #expect(error?.message.contains("takes no modifiers") == true, "\(String(describing: error))")
        }
        #expect(KernelLab.openDescriptorCount() == descriptors)
        handle.release()
    }

    /// 100 import → ADDFB2 → RMFB → GEM_CLOSE cycles leave no descriptor, no dma-buf
    /// reference and no GEM handle or framebuffer behind.
    @Test func hundredFramebufferCyclesLeakNothing() throws {
        let vkms = try device("vkms")
        let buffer = try systemHeap().allocate(byteCount: Self.width * Self.height * 4)
        let references = try #require(try buffer.info().count)
        let descriptors = KernelLab.openDescriptorCount()
        var last: (handle: UInt32, framebuffer: UInt32) = (0, 0)
        for _ in 0..<100 {
            let handle = try vkms.importBuffer(buffer)
            let framebuffer = try vkms.addFramebuffer(format: Self.xrgb8888, width: Self.width, height: Self.height, modifier: .linear,
                                                      planes: [FramebufferPlane(buffer: handle, offset: 0, pitch: Self.width * 4)])
            last = (handle.handle, framebuffer.id)
        }
        #expect(KernelLab.openDescriptorCount() == descriptors)
        // 5.10's vkms keeps each import's reference for good; the cycles still leak nothing of Heapwise's.
        #expect(try buffer.info().count == references + (Self.releasesImports("vkms") ? 0 : 100))
        #expect(vkms.handleReferences.isEmpty)
        if case let .failure(errno) = Syscalls.drmRemoveFB(vkms.fd, last.framebuffer) {
            #expect(errno == .noSuchFileOrDirectory, "framebuffer \(last.framebuffer) was removed")
        } else {
            Issue.record("framebuffer \(last.framebuffer) outlived its object")
        }
        if case let .failure(errno) = Syscalls.drmGemClose(vkms.fd, handle: last.handle) {
            #expect(errno == .invalidArgument, "GEM handle \(last.handle) was closed")
        } else {
            Issue.record("GEM handle \(last.handle) outlived its object")
        }
    }
}
