/// The broker's answer to `hello`: who the kernel says the caller is, and the limits.
public struct BrokerHello: Hashable, Sendable {
    public var server: String
    /// `SO_PEERCRED` of the connection, as the broker sees it.
    public var pid: Int32
    public var uid: UInt32
    public var gid: UInt32
    public var maxMessage: Int

    public init(server: String, pid: Int32, uid: UInt32, gid: UInt32, maxMessage: Int = BrokerFrame.maxMessage) {
        self.server = server
        self.pid = pid
        self.uid = uid
        self.gid = gid
        self.maxMessage = maxMessage
    }

    public var json: JSON {
        .object([("protocol", .int(Int(BrokerFrame.version))), ("server", .string(server)), ("pid", .int(Int(pid))),
                 ("uid", .int(Int(uid))), ("gid", .int(Int(gid))), ("max_message", .int(maxMessage))])
    }

    public static func decode(_ fields: BrokerFields) throws(BrokerProtocolError) -> BrokerHello {
        let version = try fields.int("protocol", in: 0...Int(UInt16.max))
        guard version == Int(BrokerFrame.version) else { throw .unsupportedVersion(UInt16(version)) }
        let hello = BrokerHello(server: try fields.string("server", maxLength: 256),
                                pid: Int32(try fields.int("pid", in: 0...Int(Int32.max))),
                                uid: UInt32(try fields.int("uid", in: 0...Int(UInt32.max))),
                                gid: UInt32(try fields.int("gid", in: 0...Int(UInt32.max))),
                                maxMessage: try fields.int("max_message", in: BrokerFrame.headerSize...Int(Int32.max)))
        try fields.done()
        return hello
    }
}

/// The answer to `plan`: the resolution as `heapwise plan --json` prints it (`resolution`,
/// for programs) and as its text (for a person, so a client prints what the broker decided
/// without resolving anything itself).
public struct BrokerPlanReply: Hashable, Sendable {
    public var resolution: String
    public var text: String
    /// Whether a plan was found.
    public var satisfiable: Bool
    /// When satisfiable: the plan's number on this connection, for `allocate {"plan": N}`.
    public var plan: UInt32?

    public init(resolution: String, text: String, satisfiable: Bool, plan: UInt32? = nil) {
        self.resolution = resolution
        self.text = text
        self.satisfiable = satisfiable
        self.plan = plan
    }

    public var json: JSON {
        .object([("satisfiable", .bool(satisfiable)), ("plan", plan.map { .int(Int($0)) } ?? .null), ("text", .string(text)),
                 ("resolution", .string(resolution))])
    }

    public static func decode(_ fields: BrokerFields) throws(BrokerProtocolError) -> BrokerPlanReply {
        let satisfiable = try fields.bool("satisfiable")
        let plan = try fields.optionalInt("plan", in: 0...Int(UInt32.max)).map(UInt32.init)
        let reply = BrokerPlanReply(resolution: try fields.string("resolution", maxLength: BrokerFrame.maxMessage),
                                    text: try fields.string("text", maxLength: BrokerFrame.maxMessage), satisfiable: satisfiable, plan: plan)
        try fields.done()
        return reply
    }
}

/// The answer to `allocate`: the plan's format and layout, and one entry per dma-buf in the
/// order of the fds attached to the reply (`SCM_RIGHTS`): entry `i` is fd `i`.
public struct BrokerAllocation: Hashable, Sendable {
    /// A plane's place in its dma-buf: the plan's own value.
    public typealias Plane = PipelinePlan.Plane

    public struct Buffer: Hashable, Sendable {
        public var image: Int
        /// Which of the image's dma-bufs (planes in separate memory regions take several).
        public var buffer: Int
        public var inode: UInt64
        public var size: Int
        public var heap: String
        public var name: String?
        /// Whether a pooled buffer was reused (zeroed first unless the caller had it last).
        public var reused: Bool
        public var planes: [Plane]

        public init(image: Int, buffer: Int, inode: UInt64, size: Int, heap: String, name: String?, reused: Bool, planes: [Plane]) {
            self.image = image
            self.buffer = buffer
            self.inode = inode
            self.size = size
            self.heap = heap
            self.name = name
            self.reused = reused
            self.planes = planes
        }
    }

    public var format: String
    public var fourcc: UInt32
    public var modifier: UInt64
    public var width: Int
    public var height: Int
    public var heap: String
    public var buffers: [Buffer]

    /// `DMA_BUF_NAME_LEN` is 32 with the terminating NUL.
    public static let maxName = 31

    public init(format: String, fourcc: UInt32, modifier: UInt64, width: Int, height: Int, heap: String, buffers: [Buffer]) {
        self.format = format
        self.fourcc = fourcc
        self.modifier = modifier
        self.width = width
        self.height = height
        self.heap = heap
        self.buffers = buffers
    }

    public var json: JSON {
        .object([
            ("format", .string(format)), ("fourcc", .int(Int(fourcc))), ("modifier", .string(Self.hex(modifier))),
            ("width", .int(width)), ("height", .int(height)), ("heap", .string(heap)),
            ("buffers", .array(buffers.map { buffer in
                .object([
                    ("image", .int(buffer.image)), ("buffer", .int(buffer.buffer)), ("inode", .int(Int(clamping: buffer.inode))),
                    ("size", .int(buffer.size)), ("heap", .string(buffer.heap)), ("name", JSON(buffer.name)), ("reused", .bool(buffer.reused)),
                    ("planes", .array(buffer.planes.map { plane in
                        .object([("index", .int(plane.index)), ("offset", .int(plane.offset)), ("stride", .int(plane.stride)), ("size", .int(plane.size))])
                    })),
                ])
            })),
        ])
    }

    /// Modifiers are 64-bit: sent as `0x` and 16 hex digits, which no JSON reader rounds.
    static func hex(_ value: UInt64) -> String {
        let digits = String(value, radix: 16)
        return "0x" + String(repeating: "0", count: 16 - digits.count) + digits
    }

    public static func decode(_ fields: BrokerFields) throws(BrokerProtocolError) -> BrokerAllocation {
        let modifierText = try fields.string("modifier", maxLength: 18)
        guard modifierText.hasPrefix("0x"), modifierText.count == 18, let modifier = UInt64(modifierText.dropFirst(2), radix: 16) else {
            throw .malformed("modifier must be 0x and 16 hex digits, got '\(modifierText)'")
        }
        let allocation = BrokerAllocation(
            format: try fields.string("format", maxLength: 64),
            fourcc: UInt32(try fields.int("fourcc", in: 0...Int(UInt32.max))),
            modifier: modifier,
            width: try fields.int("width", in: 1...Pipeline.maxDimension),
            height: try fields.int("height", in: 1...Pipeline.maxDimension),
            heap: try fields.string("heap", maxLength: 256),
            buffers: try fields.array("buffers", maxCount: BrokerAllocation.maxDescriptors) { (value, path) throws(BrokerProtocolError) in
                let item = try BrokerFields.object(value, path)
                let buffer = Buffer(
                    image: try item.int("image", in: 0...Pipeline.maxCount),
                    buffer: try item.int("buffer", in: 0...8),
                    inode: UInt64(try item.int("inode", in: 0...Int.max)),
                    size: try item.int("size", in: 1...Int.max),
                    heap: try item.string("heap", maxLength: 256),
                    name: try item.optionalString("name", maxLength: maxName),
                    reused: try item.bool("reused"),
                    planes: try item.array("planes", maxCount: 4) { (value, path) throws(BrokerProtocolError) in
                        let plane = try BrokerFields.object(value, path)
                        let result = Plane(index: try plane.int("index", in: 0...3), offset: try plane.int("offset", in: 0...Int.max),
                                           stride: try plane.int("stride", in: 0...Int.max), size: try plane.int("size", in: 0...Int.max))
                        try plane.done()
                        return result
                    })
                try item.done()
                return buffer
            })
        try fields.done()
        return allocation
    }

    /// The most fds one reply carries: the kernel's `SCM_MAX_FD` (253) per message.
    public static let maxDescriptors = 253
}

/// What a caller holds of the broker's buffers, against its rule's limits.
public struct BrokerHoldings: Hashable, Sendable {
    public struct Holder: Hashable, Sendable {
        public var uid: UInt32
        public var user: String?
        public var buffers: Int
        public var bytes: Int
        /// The rule's limits (nil: no rule matches this user any more).
        public var maxBuffers: Int?
        public var maxBytes: Int?

        public init(uid: UInt32, user: String?, buffers: Int, bytes: Int, maxBuffers: Int?, maxBytes: Int?) {
            self.uid = uid
            self.user = user
            self.buffers = buffers
            self.bytes = bytes
            self.maxBuffers = maxBuffers
            self.maxBytes = maxBytes
        }

        var json: JSON {
            .object([("uid", .int(Int(uid))), ("user", JSON(user)), ("buffers", .int(buffers)), ("bytes", .int(bytes)),
                     ("max_buffers", JSON(maxBuffers)), ("max_bytes", JSON(maxBytes))])
        }
    }

    /// The caller alone, or every user holding buffers when the caller is root.
    public var holders: [Holder]
    /// The pool's idle buffers and bytes (root only; 0 otherwise).
    public var idleBuffers: Int
    public var idleBytes: Int

    public init(holders: [Holder], idleBuffers: Int, idleBytes: Int) {
        self.holders = holders
        self.idleBuffers = idleBuffers
        self.idleBytes = idleBytes
    }

    public var json: JSON {
        .object([("holders", .array(holders.map(\.json))), ("idle_buffers", .int(idleBuffers)), ("idle_bytes", .int(idleBytes))])
    }

    public static func decode(_ fields: BrokerFields) throws(BrokerProtocolError) -> BrokerHoldings {
        let holdings = BrokerHoldings(
            holders: try fields.array("holders", maxCount: 1 << 16) { (value, path) throws(BrokerProtocolError) in
                let item = try BrokerFields.object(value, path)
                let holder = Holder(uid: UInt32(try item.int("uid", in: 0...Int(UInt32.max))), user: try item.optionalString("user", maxLength: 256),
                                    buffers: try item.int("buffers", in: 0...Int.max), bytes: try item.int("bytes", in: 0...Int.max),
                                    maxBuffers: try item.optionalInt("max_buffers", in: 0...Int.max), maxBytes: try item.optionalInt("max_bytes", in: 0...Int.max))
                try item.done()
                return holder
            },
            idleBuffers: try fields.int("idle_buffers", in: 0...Int.max),
            idleBytes: try fields.int("idle_bytes", in: 0...Int.max))
        try fields.done()
        return holdings
    }

    /// The table `heapwise stats --broker` prints.
    public var text: String {
        var table = TextTable(["user", "buffers", "bytes", "limit (buffers)", "limit (bytes)"])
        for holder in holders {
            table.append([holder.user ?? String(holder.uid), String(holder.buffers), ByteCount.format(holder.bytes),
                          holder.maxBuffers.map(String.init) ?? "-", holder.maxBytes.map(ByteCount.format) ?? "-"])
        }
        var lines = [table.render()]
        if idleBuffers > 0 { lines.append("pool: \(idleBuffers) idle buffer\(idleBuffers == 1 ? "" : "s"), \(ByteCount.format(idleBytes))") }
        return lines.joined(separator: "\n")
    }
}
