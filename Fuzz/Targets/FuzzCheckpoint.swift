// Fuzz target: a whole checkpoint file (zip directory, local headers, pickle, tensor
// records). Any input must open or throw a LoaderError; a trap is a bug.
import Foundation

private let path = "/dev/shm/swiftllama-fuzz-\(getpid()).pth"

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzCheckpoint(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    FileManager.default.createFile(atPath: path, contents: Data(bytes: data, count: size))
    if let checkpoint = try? TorchCheckpoint(url: URL(fileURLWithPath: path)) {
        // Every tensor it accepted must be readable end to end.
        for name in checkpoint.tensorNames {
            guard let tensor = checkpoint.tensor(named: name), tensor.elementCount > 0 else { continue }
            _ = tensor.float(at: 0)
            _ = tensor.float(at: tensor.elementCount - 1)
        }
    }
    return 0
}
