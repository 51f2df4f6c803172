/// The answer for a pipeline as plain values: the chosen plan's format, modifier, heap and
/// layout, the alternatives, every rejection, the nearest size that would plan, and the
/// same text and JSON `heapwise plan` prints.
///
/// The same value whether the plan was made in this process (`init(_:)` from a
/// `Resolution`) or by the broker (`decode(json:text:)` from its reply's `resolution`
/// document): a caller never learns which, unless it asks.
public struct PipelinePlan: Hashable, Sendable {
    public struct Plane: Hashable, Sendable {
        /// The plane's number in the format (0 luma, 1 chroma, …).
        public var index: Int
        /// Bytes from the start of its dma-buf.
        public var offset: Int
        public var stride: Int
        public var size: Int

        public init(index: Int, offset: Int, stride: Int, size: Int) {
            self.index = index
            self.offset = offset
            self.stride = stride
            self.size = size
        }
    }

    /// One dma-buf of an image: one for most formats, one per memory region when planes must
    /// live apart.
    public struct Buffer: Hashable, Sendable {
        public var size: Int
        public var planes: [Plane]

        public init(size: Int, planes: [Plane]) {
            self.size = size
            self.planes = planes
        }
    }

    /// A way to satisfy the pipeline.
    public struct Choice: Hashable, Sendable {
        /// The `drm_fourcc.h` name without `DRM_FORMAT_` (`NV12`).
        public var format: String
        public var fourcc: FourCC
        /// The modifier's name (`LINEAR`, `ARM_AFBC(BLOCK_SIZE_16x16|YTR|SPARSE)`).
        public var modifier: String
        /// The 64-bit `DRM_FORMAT_MOD_*` value.
        public var modifierValue: UInt64
        public var heap: String
        /// Heaps to try, in order, when `heap` cannot allocate.
        public var fallbackHeaps: [String]
        /// Bytes per image, all buffers.
        public var size: Int
        public var buffers: [Buffer]
        public var notes: [String]
    }

    /// A combination turned down, and why.
    public struct Rejection: Hashable, Sendable, CustomStringConvertible {
        public var format: String?
        public var modifier: String?
        public var heap: String?
        public var device: String?
        public var reason: String

        /// `vop2-display: NV12/LINEAR: max width 4096 < 5120`, as `heapwise plan` prints it.
        public var description: String {
            HeapwiseCore.Rejection.line(format: format, modifier: modifier, heap: heap, device: device, reason: reason)
        }
    }

    public var width: Int
    public var height: Int
    public var count: Int
    /// Where the heaps planned against came from (`this machine's /dev/dma_heap`, a file, …).
    public var heapCatalog: String
    public var chosen: Choice?
    public var alternatives: [Choice]
    public var rejected: [Rejection]
    /// With no plan: the nearest size at which every participant agrees, if there is one.
    public var suggestedSize: FrameSize?
    /// What `heapwise plan` prints.
    public var text: String
    /// What `heapwise plan --json` prints (before its `allocation` and `reuse` keys).
    public var json: JSON
    /// Where the plan was made, so that allocating it takes the same path (nil for a plan
    /// decoded by itself). Not part of a plan's equality.
    public var madeBy: Source? = nil

    public enum Source: Sendable {
        /// Resolved in this process; `live` when against this machine's heaps (else buffers
        /// allocated for it are CPU-only memfd).
        case thisProcess(Resolution, live: Bool)
        /// Made by the broker: its number on the connection (nil when unsatisfiable) and the
        /// pipeline as sent.
        case broker(number: UInt32?, pipeline: PipelineDescription)
    }

    /// Plans are equal when they choose, offer and refuse the same; the text and the JSON
    /// document are their printed forms (a broker's document comes back with sorted keys).
    public static func == (a: PipelinePlan, b: PipelinePlan) -> Bool {
        (a.width, a.height, a.count, a.heapCatalog) == (b.width, b.height, b.count, b.heapCatalog)
            && a.chosen == b.chosen && a.alternatives == b.alternatives && a.rejected == b.rejected && a.suggestedSize == b.suggestedSize
    }

    public func hash(into hasher: inout Hasher) {
        hasher.combine(chosen)
        hasher.combine(rejected.count)
    }

    /// The model's plan behind `choice`, for a plan made in this process.
    public func resolved(_ choice: Choice) -> Plan? {
        guard case let .thisProcess(resolution, _) = madeBy else { return nil }
        return ([resolution.chosen].compactMap { $0 } + resolution.alternatives).first {
            $0.format.name == choice.format && $0.modifier.rawValue == choice.modifierValue && $0.heap.name == choice.heap
        }
    }

    /// What `heapwise plan --json` prints: `json` with its `allocation` key (the buffers made,
    /// null when none were) and `reuse` key (a pool's run, null without one). The C API's
    /// `heapwise_plan_json` is this with both null.
    public func document(allocation: JSON = .null, reuse: JSON = .null) -> String {
        guard case let .object(fields) = json else { return json.serialized() }
        return JSON.object(fields + [("allocation", allocation), ("reuse", reuse)]).serialized()
    }

    /// The explanation of a pipeline no plan satisfies: the rejections and the suggestion,
    /// as `heapwise plan` prints them.
    public var explanation: String {
        var lines = rejected.map(\.description)
        if let suggestedSize { lines.append("try \(suggestedSize): the nearest size at which every participant agrees on a plan") }
        return lines.joined(separator: "\n")
    }
}

extension PipelinePlan {
    /// The plan made in this process.
    public init(_ resolution: Resolution) {
        func choice(_ plan: Plan) -> Choice {
            Choice(format: plan.format.name, fourcc: plan.format.fourcc, modifier: plan.modifier.name, modifierValue: plan.modifier.rawValue,
                   heap: plan.heap.name, fallbackHeaps: plan.fallbackHeaps, size: plan.layout.size,
                   buffers: plan.layout.buffers.map { buffer in
                       Buffer(size: buffer.size, planes: buffer.planes.map { Plane(index: $0.index, offset: $0.offset, stride: $0.stride, size: $0.size) })
                   },
                   notes: plan.notes)
        }
        self.init(
            width: resolution.pipeline.width, height: resolution.pipeline.height, count: resolution.pipeline.count,
            heapCatalog: resolution.catalog.origin, chosen: resolution.chosen.map(choice), alternatives: resolution.alternatives.map(choice),
            rejected: resolution.rejected.map {
                Rejection(format: $0.format?.name, modifier: $0.modifier?.name, heap: $0.heap, device: $0.device, reason: $0.reason.description)
            },
            suggestedSize: resolution.suggestedSize, text: resolution.text(), json: resolution.json)
    }

    /// The plan the broker made, from its reply: the `resolution` document (`heapwise plan
    /// --json`'s shape, `docs/json.md`) and the text. Only the keys a plan value has are read
    /// (strictly: each with its type); the whole document is kept as `json`.
    public static func decode(json document: String, text: String) throws(BrokerProtocolError) -> PipelinePlan {
        let parsed: StrictJSON
        do { parsed = try StrictJSON.parse(document) } catch { throw .malformed("the plan's resolution document is not JSON: \(error)") }
        let fields = try BrokerFields.object(parsed, "resolution")
        func choice(_ item: BrokerFields) throws(BrokerProtocolError) -> Choice {
            let path = item.path
            let fourccText = try item.string("fourcc", maxLength: 16)
            let modifierText = try item.string("modifier_value", maxLength: 18)
            guard let fourcc = FourCC(fourccText) ?? (fourccText.hasPrefix("0x") ? UInt32(fourccText.dropFirst(2), radix: 16).map(FourCC.init(rawValue:)) : nil)
            else { throw .malformed("\(path).fourcc '\(fourccText)' is not four characters") }
            guard modifierText.hasPrefix("0x"), let modifierValue = UInt64(modifierText.dropFirst(2), radix: 16) else {
                throw .malformed("\(path).modifier_value must be 0x and hex digits, got '\(modifierText)'")
            }
            return Choice(
                format: try item.string("format", maxLength: 64), fourcc: fourcc, modifier: try item.string("modifier", maxLength: 256),
                modifierValue: modifierValue, heap: try item.string("heap", maxLength: 256),
                fallbackHeaps: try item.array("fallback_heaps", maxCount: 256, BrokerFields.string),
                size: try item.int("size", in: 0...Int.max),
                buffers: try item.array("buffers", maxCount: 4) { (value, path) throws(BrokerProtocolError) in
                    let buffer = try BrokerFields.object(value, path)
                    return Buffer(size: try buffer.int("size", in: 0...Int.max), planes: try buffer.array("planes", maxCount: 4) { (value, path) throws(BrokerProtocolError) in
                        let plane = try BrokerFields.object(value, path)
                        return Plane(index: try plane.int("index", in: 0...3), offset: try plane.int("offset", in: 0...Int.max),
                                     stride: try plane.int("stride", in: 0...Int.max), size: try plane.int("size", in: 0...Int.max))
                    })
                },
                notes: try item.array("notes", maxCount: 64, BrokerFields.string))
        }
        let suggested = try fields.optionalObject("suggested_size")
        return PipelinePlan(
            width: try fields.int("width", in: 1...Pipeline.maxDimension), height: try fields.int("height", in: 1...Pipeline.maxDimension),
            count: try fields.int("count", in: 1...Pipeline.maxCount), heapCatalog: try fields.string("heap_catalog", maxLength: 4096),
            chosen: try fields.optionalObject("chosen").map(choice),
            alternatives: try fields.array("alternatives", maxCount: 1 << 16) { (value, path) throws(BrokerProtocolError) in
                try choice(try BrokerFields.object(value, path))
            },
            rejected: try fields.array("rejected", maxCount: 1 << 20) { (value, path) throws(BrokerProtocolError) in
                let item = try BrokerFields.object(value, path)
                return Rejection(format: try item.optionalString("format", maxLength: 64), modifier: try item.optionalString("modifier", maxLength: 256),
                                 heap: try item.optionalString("heap", maxLength: 256), device: try item.optionalString("device", maxLength: 256),
                                 reason: try item.string("reason"))
            },
            suggestedSize: try suggested.map { (size) throws(BrokerProtocolError) in
                FrameSize(width: try size.int("width", in: 1...Pipeline.maxDimension), height: try size.int("height", in: 1...Pipeline.maxDimension))
            },
            text: text, json: JSON(parsed))
    }
}
