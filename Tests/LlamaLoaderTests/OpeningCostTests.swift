// Opening a checkpoint reads its directory and pickle, never its tensor data. Measured on
// a big file that is not committed:
//
//   $ python3 Scripts/make_loader_fixtures.py --big /tmp/big.pth
//   $ LLAMA_BIG_CHECKPOINT=/tmp/big.pth swift test --filter OpeningCostTests

import Foundation
import LlamaLoader
import Testing
#if canImport(Glibc)
import Glibc
#endif

@Suite struct OpeningCostTests {
    static let bigCheckpoint = ProcessInfo.processInfo.environment["LLAMA_BIG_CHECKPOINT"]

    /// Evicts the file from the page cache, opens it, and counts the pages the opening
    /// brought in: only the zip records, the pickle and one local header per tensor.
    @Test(.enabled(if: bigCheckpoint != nil, "set LLAMA_BIG_CHECKPOINT to a big .pth"))
    func openingReadsNoTensorData() throws {
        let url = URL(fileURLWithPath: try #require(Self.bigCheckpoint))
        #if os(Linux)
        let descriptor = open(url.path, O_RDONLY)
        #expect(descriptor >= 0)
        // Clean pages of a file can be dropped by anyone who can read it; a file just
        // written has dirty pages, so flush it first.
        fsync(descriptor)
        posix_fadvise(descriptor, 0, 0, Int32(POSIX_FADV_DONTNEED))
        close(descriptor)
        #endif
        let clock = ContinuousClock()
        var checkpoint: TorchCheckpoint?
        let elapsed = try clock.measure { checkpoint = try TorchCheckpoint(url: url) }
        let opened = try #require(checkpoint)
        let bytes = opened.file.bytes
        let pageSize = Int(sysconf(Int32(_SC_PAGESIZE)))
        let pages = (bytes.count + pageSize - 1) / pageSize
        var resident = [UInt8](repeating: 0, count: pages)
        let status = mincore(UnsafeMutableRawPointer(mutating: bytes.baseAddress!), bytes.count, &resident)
        #expect(status == 0)
        let residentPages = resident.filter { $0 & 1 != 0 }.count
        let tensorBytes = opened.tensors.values.reduce(0) { $0 + $1.byteCount }
        print("""
            opened \(url.lastPathComponent): \(bytes.count) bytes, \(opened.tensorNames.count) tensors \
            (\(tensorBytes) bytes of weights) in \(elapsed); resident afterwards: \(residentPages) of \(pages) pages \
            (\(residentPages * pageSize) bytes)
            """)
        // A page per tensor (its local header) plus the pickle and the directory; reading
        // the weights, or letting the kernel read around each header, would bring in
        // hundreds of thousands.
        #expect(residentPages <= opened.tensorNames.count + 64)
        // Touch the first and last element of each (pages past 4 GiB included in big files).
        for name in opened.tensorNames.prefix(8) {
            guard let tensor = opened.tensor(named: name), tensor.elementCount > 0 else { continue }
            print("  \(name) \(tensor.shape) \(tensor.dtype): first \(tensor.float(at: 0)), last \(tensor.float(at: tensor.elementCount - 1))")
        }
    }
}
