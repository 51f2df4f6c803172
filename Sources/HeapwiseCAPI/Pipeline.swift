// SPDX-License-Identifier: MIT
import CHeapwiseAPI
import Heapwise
import HeapwiseCore

/// `heapwise_pipeline`: a `PipelineDescription`, and the file it came from (profile names
/// are looked up beside it).
final class PipelineHandle: CHandle {
    var description: PipelineDescription
    let file: String?

    init(_ description: PipelineDescription, file: String?) {
        self.description = description
        self.file = file
    }
}

@c @implementation
public func heapwise_pipeline_new_from_file(_ context: OpaquePointer?, _ path: UnsafePointer<CChar>?,
                                            _ pipeline: UnsafeMutablePointer<OpaquePointer?>?,
                                            _ error: UnsafeMutablePointer<OpaquePointer?>?) -> heapwise_status {
    entry(error) { () throws(HeapwiseFailure) in
        let handle: ContextHandle = try Argument.handle(context, "context")
        let path = try Argument.text(path, "path")
        let out = try Argument.output(pipeline, "pipeline")
        out.pointee = PipelineHandle(try handle.context.describe(file: path), file: path).retainedPointer
    }
}

@c @implementation
public func heapwise_pipeline_new_from_text(_ context: OpaquePointer?, _ text: UnsafePointer<CChar>?, _ origin: UnsafePointer<CChar>?,
                                            _ pipeline: UnsafeMutablePointer<OpaquePointer?>?,
                                            _ error: UnsafeMutablePointer<OpaquePointer?>?) -> heapwise_status {
    entry(error) { () throws(HeapwiseFailure) in
        let handle: ContextHandle = try Argument.handle(context, "context")
        let text = try Argument.text(text, "text")
        let origin = try Argument.optionalText(origin, "origin") ?? "pipeline"
        let out = try Argument.output(pipeline, "pipeline")
        out.pointee = PipelineHandle(try handle.context.describe(text: text, origin: origin), file: nil).retainedPointer
    }
}

@c @implementation
public func heapwise_pipeline_new(_ width: UInt32, _ height: UInt32, _ count: UInt32, _ pipeline: UnsafeMutablePointer<OpaquePointer?>?,
                                  _ error: UnsafeMutablePointer<OpaquePointer?>?) -> heapwise_status {
    entry(error) { () throws(HeapwiseFailure) in
        let out = try Argument.output(pipeline, "pipeline")
        let description = PipelineDescription(width: Int(width), height: Int(height), count: Int(count), participants: [])
        out.pointee = PipelineHandle(description, file: nil).retainedPointer
    }
}

@c @implementation
public func heapwise_pipeline_free(_ pipeline: OpaquePointer?) {
    PipelineHandle.release(pipeline)
}

@c @implementation
public func heapwise_pipeline_add_format(_ pipeline: OpaquePointer?, _ format: UnsafePointer<CChar>?,
                                         _ error: UnsafeMutablePointer<OpaquePointer?>?) -> heapwise_status {
    entry(error) { () throws(HeapwiseFailure) in
        let handle: PipelineHandle = try Argument.handle(pipeline, "pipeline")
        let name = try Argument.text(format, "format")
        guard let info = FormatInfo.lookup(name) else {
            throw .input(InputError(.unknownName, message: "unknown format '\(name)': use a drm_fourcc.h name (NV12, DRM_FORMAT_XRGB8888) or a fourcc code (XR24)"))
        }
        handle.description.formats = (handle.description.formats ?? []) + [info]
    }
}

@c @implementation
public func heapwise_pipeline_add_format_fourcc(_ pipeline: OpaquePointer?, _ fourcc: UInt32,
                                                _ error: UnsafeMutablePointer<OpaquePointer?>?) -> heapwise_status {
    entry(error) { () throws(HeapwiseFailure) in
        let handle: PipelineHandle = try Argument.handle(pipeline, "pipeline")
        guard let info = FormatInfo.lookup(FourCC(rawValue: fourcc)) else {
            throw .input(InputError(.unknownName, message: "unknown fourcc 0x\(String(fourcc, radix: 16)): not a format of drm_fourcc.h"))
        }
        handle.description.formats = (handle.description.formats ?? []) + [info]
    }
}

@c @implementation
public func heapwise_pipeline_add_device(_ pipeline: OpaquePointer?, _ device: UnsafePointer<CChar>?, _ usage: UnsafePointer<CChar>?,
                                         _ error: UnsafeMutablePointer<OpaquePointer?>?) -> heapwise_status {
    entry(error) { () throws(HeapwiseFailure) in
        let handle: PipelineHandle = try Argument.handle(pipeline, "pipeline")
        let reference = try Argument.text(device, "device")
        let usage = try Argument.text(usage, "usage")
        guard !reference.isEmpty else { throw .argument(#function, "device is empty: give a profile name, a profile file or drm:DRIVER / v4l2:DRIVER") }
        handle.description.participants.append(.init(device: .init(reference: reference), usage: usage))
    }
}

@c @implementation
public func heapwise_pipeline_add_profile_text(_ pipeline: OpaquePointer?, _ profile: UnsafePointer<CChar>?, _ usage: UnsafePointer<CChar>?,
                                               _ error: UnsafeMutablePointer<OpaquePointer?>?) -> heapwise_status {
    entry(error) { () throws(HeapwiseFailure) in
        let handle: PipelineHandle = try Argument.handle(pipeline, "pipeline")
        let text = try Argument.text(profile, "profile")
        let usage = try Argument.text(usage, "usage")
        handle.description.participants.append(.init(device: .profileText(text), usage: usage))
    }
}
