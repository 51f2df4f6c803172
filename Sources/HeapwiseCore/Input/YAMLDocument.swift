import CYAML

/// A YAML document as a tree, composed from libyaml's parse events (`yaml_parser_parse`):
/// scalars with their style and place, sequences, and mappings in document order. Anchors
/// and aliases are resolved (an alias is the anchored node again); tags are not interpreted,
/// since every value is read as text by `YAMLValue`.
///
/// The whole reader is this file: composing the tree needs a few hundred lines of libyaml's
/// API, where a YAML library in Swift would bring Foundation (and ICU) into every program
/// linking Heapwise (measured for the C library: 6 MB without Foundation, 58 MB with it).
indirect enum YAMLNode {
    /// Where a node starts, 1-based, as an editor counts.
    struct Mark: Hashable {
        var line: Int
        var column: Int
    }

    case scalar(String, plain: Bool, Mark)
    case sequence([YAMLNode], Mark)
    case mapping([(key: YAMLNode, value: YAMLNode)], Mark)

    var mark: Mark {
        switch self {
        case let .scalar(_, _, mark), let .sequence(_, mark), let .mapping(_, mark): mark
        }
    }

    /// A scalar's text; nil for a collection.
    var string: String? {
        guard case let .scalar(text, _, _) = self else { return nil }
        return text
    }
}

/// Why a document could not be composed.
enum YAMLProblem: Error {
    /// libyaml's reader, scanner or parser refused the text; `mark` is where, when it knows.
    case syntax(String, YAMLNode.Mark?)
    case empty
    case duplicateKeys([String], YAMLNode.Mark)
}

enum YAMLDocument {
    /// Deeper nesting than any profile or pipeline has; a limit so hostile input (`[[[[…`)
    /// cannot exhaust the stack of this recursive composer.
    static let maxDepth = 64

    /// The single document in `text`: `.empty` for none, a syntax problem for a second one.
    static func compose(_ text: String) throws(YAMLProblem) -> YAMLNode {
        var bytes = Array(text.utf8)
        if bytes.isEmpty { bytes = [0x0A] }  // libyaml wants a non-null buffer; a lone newline is an empty stream
        // The parser keeps pointers to itself (its read handler's data), so it lives at one
        // address for its whole life: allocated here, not a Swift value that may move.
        let parser = UnsafeMutablePointer<yaml_parser_t>.allocate(capacity: 1)
        defer { parser.deallocate() }
        guard yaml_parser_initialize(parser) == 1 else { throw .syntax("libyaml could not start (out of memory)", nil) }
        defer { yaml_parser_delete(parser) }
        return try bytes.withUnsafeBufferPointer { (buffer) throws(YAMLProblem) -> YAMLNode in
            yaml_parser_set_encoding(parser, YAML_UTF8_ENCODING)
            yaml_parser_set_input_string(parser, buffer.baseAddress, buffer.count)
            var composer = Composer(parser: parser)
            return try composer.document()
        }
    }

    /// One pass over libyaml's events. An event's strings are copied out before the next
    /// `yaml_parser_parse`, and every event is deleted once read.
    private struct Composer {
        let parser: UnsafeMutablePointer<yaml_parser_t>
        /// Each anchored node, with how many levels it nests: an alias counts as deep as what
        /// it names, so aliases cannot build past the depth limit.
        var anchors: [String: (node: YAMLNode, height: Int)] = [:]

        enum Kind { case streamStart, streamEnd, documentStart, documentEnd, alias, scalar, sequenceStart, sequenceEnd, mappingStart, mappingEnd, none }

        /// An event's kind, mark and copied payload.
        struct Event {
            var kind: Kind
            var mark: YAMLNode.Mark
            var value = ""
            var plain = false
            var anchor: String?
        }

        mutating func next() throws(YAMLProblem) -> Event {
            var event = yaml_event_t()
            guard yaml_parser_parse(parser, &event) == 1 else { throw problem() }
            defer { yaml_event_delete(&event) }
            let mark = YAMLNode.Mark(line: Int(event.start_mark.line) + 1, column: Int(event.start_mark.column) + 1)
            switch event.type {
            case YAML_STREAM_START_EVENT: return Event(kind: .streamStart, mark: mark)
            case YAML_STREAM_END_EVENT: return Event(kind: .streamEnd, mark: mark)
            case YAML_DOCUMENT_START_EVENT: return Event(kind: .documentStart, mark: mark)
            case YAML_DOCUMENT_END_EVENT: return Event(kind: .documentEnd, mark: mark)
            case YAML_ALIAS_EVENT: return Event(kind: .alias, mark: mark, anchor: Self.text(event.data.alias.anchor))
            case YAML_SCALAR_EVENT:
                let scalar = event.data.scalar
                let value = scalar.value.map { String(decoding: UnsafeBufferPointer(start: $0, count: scalar.length), as: UTF8.self) } ?? ""
                return Event(kind: .scalar, mark: mark, value: value, plain: scalar.style == YAML_PLAIN_SCALAR_STYLE, anchor: Self.text(scalar.anchor))
            case YAML_SEQUENCE_START_EVENT: return Event(kind: .sequenceStart, mark: mark, anchor: Self.text(event.data.sequence_start.anchor))
            case YAML_SEQUENCE_END_EVENT: return Event(kind: .sequenceEnd, mark: mark)
            case YAML_MAPPING_START_EVENT: return Event(kind: .mappingStart, mark: mark, anchor: Self.text(event.data.mapping_start.anchor))
            case YAML_MAPPING_END_EVENT: return Event(kind: .mappingEnd, mark: mark)
            default: return Event(kind: .none, mark: mark)
            }
        }

        static func text(_ pointer: UnsafeMutablePointer<yaml_char_t>?) -> String? {
            pointer.map { String(cString: $0) }
        }

        /// The parser's error: its problem and where, 1-based.
        func problem() -> YAMLProblem {
            let state = parser.pointee
            let text = state.problem.map { String(cString: $0) } ?? "libyaml refused the text"
            switch state.error {
            case YAML_MEMORY_ERROR: return .syntax("libyaml ran out of memory", nil)
            case YAML_READER_ERROR: return .syntax("\(text) (byte \(state.problem_offset))", nil)
            default:
                return .syntax(text, YAMLNode.Mark(line: Int(state.problem_mark.line) + 1, column: Int(state.problem_mark.column) + 1))
            }
        }

        mutating func document() throws(YAMLProblem) -> YAMLNode {
            _ = try next()  // STREAM-START
            let start = try next()
            guard start.kind == .documentStart else { throw .empty }
            let root = try node(try next(), depth: 0).node
            _ = try next()  // DOCUMENT-END
            let after = try next()
            guard after.kind == .streamEnd else {
                throw .syntax("expected a single document in the stream, but found another document", after.mark)
            }
            return root
        }

        /// The node `event` starts, and how many levels below `depth` it reaches.
        mutating func node(_ event: Event, depth: Int) throws(YAMLProblem) -> (node: YAMLNode, height: Int) {
            guard depth < YAMLDocument.maxDepth else {
                throw .syntax("nested more than \(YAMLDocument.maxDepth) levels deep", event.mark)
            }
            let built: YAMLNode
            var height = 0
            switch event.kind {
            case .alias:
                guard let name = event.anchor, let anchored = anchors[name] else { throw .syntax("found undefined alias", event.mark) }
                guard depth + anchored.height < YAMLDocument.maxDepth else {
                    throw .syntax("nested more than \(YAMLDocument.maxDepth) levels deep (through alias *\(name))", event.mark)
                }
                return anchored
            case .scalar:
                built = .scalar(event.value, plain: event.plain, event.mark)
            case .sequenceStart:
                var items: [YAMLNode] = []
                var item = try next()
                while item.kind != .sequenceEnd {
                    let child = try node(item, depth: depth + 1)
                    items.append(child.node)
                    height = max(height, child.height + 1)
                    item = try next()
                }
                built = .sequence(items, event.mark)
            case .mappingStart:
                var pairs: [(key: YAMLNode, value: YAMLNode)] = []
                var item = try next()
                while item.kind != .mappingEnd {
                    let key = try node(item, depth: depth + 1)
                    let value = try node(try next(), depth: depth + 1)
                    pairs.append((key.node, value.node))
                    height = max(height, key.height + 1, value.height + 1)
                    item = try next()
                }
                var seen: Set<String> = [], duplicates: Set<String> = []
                for key in pairs.compactMap(\.key.string) where !seen.insert(key).inserted { duplicates.insert(key) }
                guard duplicates.isEmpty else { throw .duplicateKeys(duplicates.sorted(), event.mark) }
                built = .mapping(pairs, event.mark)
            default:
                throw .syntax("unexpected parse event", event.mark)
            }
            if let anchor = event.anchor { anchors[anchor] = (built, height) }
            return (built, height)
        }
    }
}
