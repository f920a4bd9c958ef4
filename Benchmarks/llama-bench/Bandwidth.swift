// The machine's sustained memory read bandwidth: the roof every decode number is judged
// against. Explained in Documentation/05-Tensors-and-Kernels.md.

import Foundation
import LlamaTensor

/// Measures how fast all threads together can stream a buffer much larger than the caches.
enum Bandwidth {
    /// Reads `bytes` bytes `repeats` times with `pool`, returning the best GB/s (10^9 bytes/s).
    static func measureRead(bytes: Int = 1 << 30, repeats: Int = 5, pool: ThreadPool) -> Double {
        let count = bytes / MemoryLayout<SIMD16<Float>>.stride
        let buffer = UnsafeMutablePointer<SIMD16<Float>>.allocate(capacity: count)
        defer { buffer.deallocate() }
        // Touch every page first so the measurement sees no page faults.
        buffer.initialize(repeating: SIMD16<Float>(repeating: 1), count: count)
        let sums = UnsafeMutablePointer<Float>.allocate(capacity: 64)
        defer { sums.deallocate() }
        var best = 0.0
        for _ in 0..<repeats {
            let start = DispatchTime.now().uptimeNanoseconds
            pool.parallelFor(count, granularity: 4096) { range in
                // Four independent accumulators so the adds never wait on each other.
                var a = SIMD16<Float>(), b = SIMD16<Float>(), c = SIMD16<Float>(), d = SIMD16<Float>()
                var i = range.lowerBound
                while i + 4 <= range.upperBound {
                    a += buffer[i]; b += buffer[i + 1]; c += buffer[i + 2]; d += buffer[i + 3]
                    i += 4
                }
                // Keep the result observable so the loads are not optimized away.
                sums[(range.lowerBound / 4096) % 64] = (a + b + c + d).sum()
            }
            let seconds = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
            best = max(best, Double(count * MemoryLayout<SIMD16<Float>>.stride) / seconds / 1e9)
        }
        return best
    }
}
