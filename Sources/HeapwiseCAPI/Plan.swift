// SPDX-License-Identifier: MIT
import CHeapwiseAPI
import Heapwise
import HeapwiseCore

/// `heapwise_plan`: a `PipelinePlan`, with its choices as handles it owns, and the context
/// that made it (a broker's plan number means something only on that context's connection).
final class PlanHandle: CHandle {
    let plan: PipelinePlan
    let context: ObjectIdentifier
    let choice: ChoiceHandle?
    let alternatives: [ChoiceHandle]
    let strings = CStrings()

    init(_ plan: PipelinePlan, madeBy context: ContextHandle) {
        self.plan = plan
        self.context = ObjectIdentifier(context)
        choice = plan.chosen.map(ChoiceHandle.init)
        alternatives = plan.alternatives.map(ChoiceHandle.init)
    }
}

/// `heapwise_choice`: one way to satisfy a pipeline, owned by a plan or an allocation.
final class ChoiceHandle: CHandle {
    let choice: PipelinePlan.Choice
    let strings = CStrings()

    init(_ choice: PipelinePlan.Choice) { self.choice = choice }

    /// The planes in the format's order, each with the buffer holding it.
    var planes: [(plane: PipelinePlan.Plane, buffer: Int)] {
        choice.buffers.enumerated()
            .flatMap { buffer, described in described.planes.map { (plane: $0, buffer: buffer) } }
            .sorted { $0.plane.index < $1.plane.index }
    }
}

extension PlanHandle {
    /// The plan, for `context` to allocate or pool: a plan the broker made must go back through
    /// the context whose connection it was made on (its number means nothing on another).
    func plan(for context: ContextHandle, function: String = #function) throws(HeapwiseFailure) -> PipelinePlan {
        if case .broker = plan.madeBy, ObjectIdentifier(context) != self.context {
            throw .argument(function, "this plan was made by the broker for another context: allocate it with the context that planned it")
        }
        return plan
    }
}

/// `list[index]` for an index C passed in, nil when out of range.
extension Array {
    subscript(checked index: Int) -> Element? { indices.contains(index) ? self[index] : nil }
}

@c @implementation
public func heapwise_context_plan(_ context: OpaquePointer?, _ pipeline: OpaquePointer?, _ plan: UnsafeMutablePointer<OpaquePointer?>?,
                                  _ error: UnsafeMutablePointer<OpaquePointer?>?) -> heapwise_status {
    entry(error) { () throws(HeapwiseFailure) in
        let handle: ContextHandle = try Argument.handle(context, "context")
        let described: PipelineHandle = try Argument.handle(pipeline, "pipeline")
        let out = try Argument.output(plan, "plan")
        out.pointee = PlanHandle(try handle.context.plan(described.description, relativeTo: described.file), madeBy: handle).retainedPointer
    }
}

@c @implementation
public func heapwise_context_plan_file(_ context: OpaquePointer?, _ path: UnsafePointer<CChar>?, _ plan: UnsafeMutablePointer<OpaquePointer?>?,
                                       _ error: UnsafeMutablePointer<OpaquePointer?>?) -> heapwise_status {
    entry(error) { () throws(HeapwiseFailure) in
        let handle: ContextHandle = try Argument.handle(context, "context")
        let path = try Argument.text(path, "path")
        let out = try Argument.output(plan, "plan")
        out.pointee = PlanHandle(try handle.context.plan(file: path), madeBy: handle).retainedPointer
    }
}

@c @implementation
public func heapwise_plan_free(_ plan: OpaquePointer?) {
    PlanHandle.release(plan)
}

@c @implementation
public func heapwise_plan_is_satisfied(_ plan: OpaquePointer?) -> Bool {
    PlanHandle.from(plan)?.choice != nil
}

@c @implementation
public func heapwise_plan_width(_ plan: OpaquePointer?) -> UInt32 {
    PlanHandle.from(plan).map { UInt32(clamping: $0.plan.width) } ?? 0
}

@c @implementation
public func heapwise_plan_height(_ plan: OpaquePointer?) -> UInt32 {
    PlanHandle.from(plan).map { UInt32(clamping: $0.plan.height) } ?? 0
}

@c @implementation
public func heapwise_plan_count(_ plan: OpaquePointer?) -> UInt32 {
    PlanHandle.from(plan).map { UInt32(clamping: $0.plan.count) } ?? 0
}

@c @implementation
public func heapwise_plan_choice(_ plan: OpaquePointer?) -> OpaquePointer? {
    PlanHandle.from(plan)?.choice?.unretainedPointer
}

@c @implementation
public func heapwise_plan_alternative_count(_ plan: OpaquePointer?) -> Int {
    PlanHandle.from(plan)?.alternatives.count ?? 0
}

@c @implementation
public func heapwise_plan_alternative(_ plan: OpaquePointer?, _ index: Int) -> OpaquePointer? {
    PlanHandle.from(plan)?.alternatives[checked: index]?.unretainedPointer
}

@c @implementation
public func heapwise_plan_rejection_count(_ plan: OpaquePointer?) -> Int {
    PlanHandle.from(plan)?.plan.rejected.count ?? 0
}

@c @implementation
public func heapwise_plan_rejection(_ plan: OpaquePointer?, _ index: Int) -> UnsafePointer<CChar>? {
    guard let handle = PlanHandle.from(plan), let rejection = handle.plan.rejected[checked: index] else { return nil }
    return handle.strings.pointer(.rejection(index)) { rejection.description }
}

@c @implementation
public func heapwise_plan_suggested_size(_ plan: OpaquePointer?, _ width: UnsafeMutablePointer<UInt32>?,
                                         _ height: UnsafeMutablePointer<UInt32>?) -> Bool {
    guard let handle = PlanHandle.from(plan), handle.choice == nil, let size = handle.plan.suggestedSize else { return false }
    width?.pointee = UInt32(clamping: size.width)
    height?.pointee = UInt32(clamping: size.height)
    return true
}

@c @implementation
public func heapwise_plan_explanation(_ plan: OpaquePointer?) -> UnsafePointer<CChar>? {
    guard let handle = PlanHandle.from(plan) else { return nil }
    return handle.strings.pointer(.explanation) { handle.choice == nil ? handle.plan.explanation : "" }
}

@c @implementation
public func heapwise_plan_heap_catalog(_ plan: OpaquePointer?) -> UnsafePointer<CChar>? {
    guard let handle = PlanHandle.from(plan) else { return nil }
    return handle.strings.pointer(.heapCatalog) { handle.plan.heapCatalog }
}

@c @implementation
public func heapwise_plan_text(_ plan: OpaquePointer?) -> UnsafePointer<CChar>? {
    guard let handle = PlanHandle.from(plan) else { return nil }
    return handle.strings.pointer(.text) { handle.plan.text }
}

@c @implementation
public func heapwise_plan_json(_ plan: OpaquePointer?) -> UnsafePointer<CChar>? {
    guard let handle = PlanHandle.from(plan) else { return nil }
    return handle.strings.pointer(.json) { handle.plan.document() }
}

// MARK: Choices

@c @implementation
public func heapwise_choice_fourcc(_ choice: OpaquePointer?) -> UInt32 {
    ChoiceHandle.from(choice)?.choice.fourcc.rawValue ?? 0
}

@c @implementation
public func heapwise_choice_format(_ choice: OpaquePointer?) -> UnsafePointer<CChar>? {
    guard let handle = ChoiceHandle.from(choice) else { return nil }
    return handle.strings.pointer(.format) { handle.choice.format }
}

@c @implementation
public func heapwise_choice_modifier(_ choice: OpaquePointer?) -> UInt64 {
    ChoiceHandle.from(choice)?.choice.modifierValue ?? 0
}

@c @implementation
public func heapwise_choice_modifier_name(_ choice: OpaquePointer?) -> UnsafePointer<CChar>? {
    guard let handle = ChoiceHandle.from(choice) else { return nil }
    return handle.strings.pointer(.modifier) { handle.choice.modifier }
}

@c @implementation
public func heapwise_choice_gst_format(_ choice: OpaquePointer?) -> UnsafePointer<CChar>? {
    guard let handle = ChoiceHandle.from(choice), let name = GStreamerFormatMap.gstreamerFormat(drmName: handle.choice.format) else { return nil }
    return handle.strings.pointer(.gstreamerFormat) { name }
}

@c @implementation
public func heapwise_choice_heap(_ choice: OpaquePointer?) -> UnsafePointer<CChar>? {
    guard let handle = ChoiceHandle.from(choice) else { return nil }
    return handle.strings.pointer(.heap) { handle.choice.heap }
}

@c @implementation
public func heapwise_choice_fallback_heap_count(_ choice: OpaquePointer?) -> Int {
    ChoiceHandle.from(choice)?.choice.fallbackHeaps.count ?? 0
}

@c @implementation
public func heapwise_choice_fallback_heap(_ choice: OpaquePointer?, _ index: Int) -> UnsafePointer<CChar>? {
    guard let handle = ChoiceHandle.from(choice), let heap = handle.choice.fallbackHeaps[checked: index] else { return nil }
    return handle.strings.pointer(.fallbackHeap(index)) { heap }
}

@c @implementation
public func heapwise_choice_image_size(_ choice: OpaquePointer?) -> UInt64 {
    ChoiceHandle.from(choice).map { UInt64($0.choice.size) } ?? 0
}

@c @implementation
public func heapwise_choice_buffer_count(_ choice: OpaquePointer?) -> Int {
    ChoiceHandle.from(choice)?.choice.buffers.count ?? 0
}

@c @implementation
public func heapwise_choice_buffer_size(_ choice: OpaquePointer?, _ buffer: Int) -> UInt64 {
    (ChoiceHandle.from(choice)?.choice.buffers[checked: buffer]).map { UInt64($0.size) } ?? 0
}

@c @implementation
public func heapwise_choice_plane_count(_ choice: OpaquePointer?) -> Int {
    ChoiceHandle.from(choice)?.choice.buffers.reduce(0) { $0 + $1.planes.count } ?? 0
}

@c @implementation
public func heapwise_choice_plane(_ choice: OpaquePointer?, _ plane: Int, _ layout: UnsafeMutablePointer<heapwise_plane>?) -> Bool {
    guard let handle = ChoiceHandle.from(choice), let layout, let (described, buffer) = handle.planes[checked: plane] else { return false }
    layout.pointee = heapwise_plane(index: UInt32(described.index), buffer: UInt32(buffer), offset: UInt64(described.offset),
                                    stride: UInt32(clamping: described.stride), reserved: 0, size: UInt64(described.size))
    return true
}

@c @implementation
public func heapwise_choice_note_count(_ choice: OpaquePointer?) -> Int {
    ChoiceHandle.from(choice)?.choice.notes.count ?? 0
}

@c @implementation
public func heapwise_choice_note(_ choice: OpaquePointer?, _ index: Int) -> UnsafePointer<CChar>? {
    guard let handle = ChoiceHandle.from(choice), let note = handle.choice.notes[checked: index] else { return nil }
    return handle.strings.pointer(.note(index)) { note }
}
