/// The output of `heapwise simulate`, text and JSON.
extension PipelineSimulation {
    public func text(plan: Plan, pipeline: Pipeline) -> String {
        var out: [String] = []
        out.append("Simulated: \(plan.summary), \(pipeline.width)×\(pipeline.height); \(clients) client\(clients == 1 ? "" : "s") × \(pipeline.count) images "
            + "(\(buffersPerClient) dma-buf\(buffersPerClient == 1 ? "" : "s") per client), \(frames) frames, one frame in flight per device")
        guard !devices.isEmpty else {
            out.append("No participant is behind an IOMMU (iommu: true): there is no address space to simulate.")
            return out.joined(separator: "\n")
        }
        var table = TextTable(["device", "space", "binds", "reused", "mapped", "evictions", "waits", "skipped", "peak IOVA", "fragmentation"])
        for device in devices {
            table.append([
                device.device, ByteCount.format(device.space.size), "\(device.binds)", "\(device.reused)", "\(device.mappings)",
                "\(device.evictions)", "\(device.waits)", "\(device.skippedFrames)", ByteCount.format(device.peakMapped),
                device.worstFragmentation.twoDecimals + " worst, " + device.finalFragmentation.twoDecimals + " at end",
            ])
        }
        out.append(table.render(indent: "  "))
        for device in devices where device.evictions > 0 {
            out.append("  \(device.device): the clients' images do not all fit at once; \(device.evictions) mappings were evicted and made again")
        }
        return out.joined(separator: "\n")
    }

    public var json: JSON {
        .object([
            ("clients", .int(clients)),
            ("frames", .int(frames)),
            ("buffers_per_client", .int(buffersPerClient)),
            ("devices", .array(devices.map { device in
                .object([
                    ("device", .string(device.device)), ("space", .int(Int(clamping: device.space.size))),
                    ("granule", .int(Int(clamping: device.space.granule))),
                    ("binds", .int(device.binds)), ("reused", .int(device.reused)), ("mappings", .int(device.mappings)),
                    ("evictions", .int(device.evictions)), ("waits", .int(device.waits)), ("skipped_frames", .int(device.skippedFrames)),
                    ("max_overtaken", .int(device.maxOvertaken)), ("peak_mapped", .int(Int(clamping: device.peakMapped))),
                    ("worst_fragmentation", .ratio(device.worstFragmentation)), ("final_fragmentation", .ratio(device.finalFragmentation)),
                ])
            })),
        ])
    }
}
