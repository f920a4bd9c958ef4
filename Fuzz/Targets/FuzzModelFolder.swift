// Fuzz target: a model folder whose entries are each a regular file, a FIFO, a folder, a
// symbolic link (to another entry, to itself, or to nothing) or missing, as the input's
// first bytes choose; the rest of the input is the regular files' contents. Opening it as a
// model must throw a LoaderError or succeed, and never wait: a FIFO that blocked `open`
// would hang here, which libFuzzer reports as a timeout.
import Foundation

private let folder = "/dev/shm/swiftllama-fuzz-folder-\(getpid())"
private let names = [ModelFolder.checkpointFileName, ModelFolder.paramsFileName, ModelFolder.tokenizerFileName,
                     "consolidated.01.pth"]
private let demo = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
    .appendingPathComponent("../../Models/demo").standardizedFileURL

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzModelFolder(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let manager = FileManager.default
    try? manager.removeItem(atPath: folder)
    try? manager.createDirectory(atPath: folder, withIntermediateDirectories: true)
    let bytes = UnsafeBufferPointer(start: data, count: size)
    let kinds = bytes.prefix(names.count)
    var contents = Data(bytes.dropFirst(names.count))
    for (index, name) in names.enumerated() {
        let path = "\(folder)/\(name)"
        let kind = index < kinds.count ? kinds[kinds.startIndex + index] : 0
        switch kind % 8 {
        case 0: break  // missing
        case 1: mkfifo(path, 0o600)
        case 2: try? manager.createDirectory(atPath: path, withIntermediateDirectories: false)
        case 3: try? manager.createSymbolicLink(atPath: path, withDestinationPath: "\(folder)/\(names[(index + 1) % names.count])")
        case 4: try? manager.createSymbolicLink(atPath: path, withDestinationPath: path)
        case 5: try? manager.createSymbolicLink(atPath: path, withDestinationPath: "\(folder)/nowhere")
        case 6: try? manager.createSymbolicLink(atPath: path, withDestinationPath: demo.appendingPathComponent(name).path)
        default:
            // A regular file: the next part of the input (the checkpoint and params.json
            // are then real-looking only as far as the fuzzer makes them).
            let take = min(contents.count, Int(kind) * 64)
            manager.createFile(atPath: path, contents: contents.prefix(take))
            contents = contents.dropFirst(take)
        }
    }
    if let source = try? ModelSource(url: URL(fileURLWithPath: folder)) {
        // Everything it accepted must be readable: one value of each weight.
        for (_, tensor) in source.weights.namedTensors where tensor.elementCount > 0 {
            _ = tensor.float(at: 0)
        }
    }
    return 0
}
