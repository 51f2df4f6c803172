// SPDX-License-Identifier: MIT
import CHeapwiseAPI
import Heapwise
import HeapwiseCore

/// `heapwise_options`: a `HeapwiseOptions` being filled in.
final class OptionsHandle: CHandle {
    var options = HeapwiseOptions()
}

/// `heapwise_context`: the front door.
final class ContextHandle: CHandle {
    let context: HeapwiseContext
    init(_ context: HeapwiseContext) { self.context = context }
}

@c @implementation
public func heapwise_options_new() -> OpaquePointer? {
    OptionsHandle().retainedPointer
}

@c @implementation
public func heapwise_options_free(_ options: OpaquePointer?) {
    OptionsHandle.release(options)
}

@c @implementation
public func heapwise_options_add_profile_directory(_ options: OpaquePointer?, _ directory: UnsafePointer<CChar>?,
                                                   _ error: UnsafeMutablePointer<OpaquePointer?>?) -> heapwise_status {
    entry(error) { () throws(HeapwiseFailure) in
        let handle: OptionsHandle = try Argument.handle(options, "options")
        let directory = try Argument.text(directory, "directory")
        guard !directory.isEmpty else { throw .argument(#function, "directory is empty: give a directory of NAME.yaml profiles") }
        handle.options.profileDirectories.append(directory)
    }
}

@c @implementation
public func heapwise_options_set_heaps(_ options: OpaquePointer?, _ heaps: heapwise_heaps, _ catalogFile: UnsafePointer<CChar>?,
                                       _ error: UnsafeMutablePointer<OpaquePointer?>?) -> heapwise_status {
    entry(error) { () throws(HeapwiseFailure) in
        let handle: OptionsHandle = try Argument.handle(options, "options")
        switch heaps {
        case HEAPWISE_HEAPS_LIVE, HEAPWISE_HEAPS_BUILT_IN:
            guard catalogFile == nil else { throw .argument(#function, "catalog_file is only for HEAPWISE_HEAPS_CATALOG_FILE: pass NULL") }
            handle.options.heaps = heaps == HEAPWISE_HEAPS_LIVE ? .live : .builtIn
        case HEAPWISE_HEAPS_CATALOG_FILE:
            handle.options.heaps = .catalogFile(try Argument.text(catalogFile, "catalog_file"))
        default:
            throw .argument(#function, "unknown heaps value \(heaps.rawValue): use HEAPWISE_HEAPS_LIVE, _CATALOG_FILE or _BUILT_IN")
        }
    }
}

@c @implementation
public func heapwise_options_set_hints(_ options: OpaquePointer?, _ hints: heapwise_hints, _ hintsFile: UnsafePointer<CChar>?,
                                       _ error: UnsafeMutablePointer<OpaquePointer?>?) -> heapwise_status {
    entry(error) { () throws(HeapwiseFailure) in
        let handle: OptionsHandle = try Argument.handle(options, "options")
        switch hints {
        case HEAPWISE_HINTS_SYSTEM, HEAPWISE_HINTS_NONE:
            guard hintsFile == nil else { throw .argument(#function, "hints_file is only for HEAPWISE_HINTS_FILE: pass NULL") }
            handle.options.hints = hints == HEAPWISE_HINTS_SYSTEM ? .system : .none
        case HEAPWISE_HINTS_FILE:
            handle.options.hints = .file(try Argument.text(hintsFile, "hints_file"))
        default:
            throw .argument(#function, "unknown hints value \(hints.rawValue): use HEAPWISE_HINTS_SYSTEM, _FILE or _NONE")
        }
    }
}

@c @implementation
public func heapwise_options_set_broker(_ options: OpaquePointer?, _ broker: heapwise_broker, _ socket: UnsafePointer<CChar>?,
                                        _ error: UnsafeMutablePointer<OpaquePointer?>?) -> heapwise_status {
    entry(error) { () throws(HeapwiseFailure) in
        let handle: OptionsHandle = try Argument.handle(options, "options")
        let path = try Argument.optionalText(socket, "socket") ?? HeapwiseOptions.defaultSocket
        switch broker {
        case HEAPWISE_BROKER_AUTOMATIC: handle.options.broker = .automatic(socket: path)
        case HEAPWISE_BROKER_SOCKET: handle.options.broker = .socket(path)
        case HEAPWISE_BROKER_NEVER:
            guard socket == nil else { throw .argument(#function, "socket is not used with HEAPWISE_BROKER_NEVER: pass NULL") }
            handle.options.broker = .never
        default:
            throw .argument(#function, "unknown broker value \(broker.rawValue): use HEAPWISE_BROKER_AUTOMATIC, _SOCKET or _NEVER")
        }
    }
}

@c @implementation
public func heapwise_context_new(_ options: OpaquePointer?, _ context: UnsafeMutablePointer<OpaquePointer?>?,
                                 _ error: UnsafeMutablePointer<OpaquePointer?>?) -> heapwise_status {
    entry(error) { () throws(HeapwiseFailure) in
        let out = try Argument.output(context, "context")
        let made = try HeapwiseContext(OptionsHandle.from(options)?.options ?? HeapwiseOptions())
        out.pointee = ContextHandle(made).retainedPointer
    }
}

@c @implementation
public func heapwise_context_free(_ context: OpaquePointer?) {
    ContextHandle.release(context)
}

@c @implementation
public func heapwise_context_route(_ context: OpaquePointer?) -> heapwise_route {
    guard let handle = ContextHandle.from(context), case .broker = handle.context.route else { return HEAPWISE_ROUTE_IN_PROCESS }
    return HEAPWISE_ROUTE_BROKER
}
