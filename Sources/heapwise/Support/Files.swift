import Foundation
import HeapwiseCore

/// Reading the user's files. The model (HeapwiseCore) parses text and never touches the file
/// system; this is where paths become text and I/O failures become `InputError`s.
enum Files {
    static func read(_ path: String) throws(InputError) -> String {
        guard let data = FileManager.default.contents(atPath: path) else {
            let exists = FileManager.default.fileExists(atPath: path)
            throw InputError(
                file: path,
                message: exists ? "cannot read the file (check its permissions)" : "no such file"
            )
        }
        guard let text = String(data: data, encoding: .utf8) else {
            throw InputError(file: path, message: "the file is not UTF-8 text")
        }
        return text
    }

    static func directory(of path: String) -> String {
        (path as NSString).deletingLastPathComponent
    }

    static func join(_ directory: String, _ path: String) -> String {
        let joined = path.hasPrefix("/") || directory.isEmpty ? path : (directory as NSString).appendingPathComponent(path)
        return (joined as NSString).standardizingPath
    }

    static func exists(_ path: String) -> Bool {
        var isDirectory: ObjCBool = false
        return FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) && !isDirectory.boolValue
    }
}
