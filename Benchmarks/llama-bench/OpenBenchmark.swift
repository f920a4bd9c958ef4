// How much of a checkpoint opening it reads: the time, and the pages of the file that are
// resident in memory afterwards. Opening must read the zip directory, the pickle and one
// local header per tensor, never the weights.
//
//   python3 Scripts/make_loader_fixtures.py --big /tmp/big.pth     # 1.39 GB, not committed
//   swift run -c release llama-bench open --model /tmp/big.pth

import Foundation
import LlamaLoader

#if canImport(Glibc)
import Glibc
#endif

enum OpenBenchmark {
    struct Result: Encodable {
        let file: String
        let bytes: Int
        let tensors: Int
        let milliseconds: Double
        let residentPages: Int
        let pages: Int

        enum CodingKeys: String, CodingKey {
            case file, bytes, tensors, milliseconds, pages
            case residentPages = "resident_pages_after_open"
        }
    }

    /// Evicts the file from the page cache, opens it, and counts the resident pages.
    static func run(path: String) throws -> Result {
        let url = URL(fileURLWithPath: path)
        #if os(Linux)
        let descriptor = open(url.path, O_RDONLY)
        if descriptor >= 0 {
            // Clean pages can be dropped by anyone who can read the file; flush first in
            // case it was just written.
            fsync(descriptor)
            posix_fadvise(descriptor, 0, 0, Int32(POSIX_FADV_DONTNEED))
            close(descriptor)
        }
        #endif
        let start = DispatchTime.now().uptimeNanoseconds
        let checkpoint = try TorchCheckpoint(url: url)
        let milliseconds = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e6
        let bytes = checkpoint.file.bytes
        let pageSize = Int(sysconf(Int32(_SC_PAGESIZE)))
        let pages = (bytes.count + pageSize - 1) / pageSize
        var resident = [UInt8](repeating: 0, count: pages)
        var residentPages = -1
        if let base = bytes.baseAddress,
           mincore(UnsafeMutableRawPointer(mutating: base), bytes.count, &resident) == 0 {
            residentPages = resident.filter { $0 & 1 != 0 }.count
        }
        return Result(file: url.lastPathComponent, bytes: bytes.count, tensors: checkpoint.tensorNames.count,
                      milliseconds: milliseconds, residentPages: residentPages, pages: pages)
    }
}
