// The machine's sustained memory read bandwidth: the roof every decode number is judged
// against. Explained in Documentation/19-Making-It-Fast.md.

import Foundation
import LlamaTensor

/// Measures how fast all threads together can stream a buffer much larger than the caches.
enum Bandwidth {
    /// How many places in its share each thread reads side by side. One sequential stream
    /// per core is not always the fastest way to read memory: on an Intel Xeon (Emerald
    /// Rapids) four streams per core read about 1.6 × what one does, because a core then
    /// keeps more cache-line requests in flight. The roof is the best of these,
    /// so that no access pattern a kernel might use can beat it by choice of pattern.
    static let streamCounts = [1, 2, 4, 8]

    /// Reads `bytes` bytes `repeats` times per stream count with `pool`, returning the best
    /// GB/s (10^9 bytes/s) over all stream counts and repeats.
    static func measureRead(bytes: Int = 1 << 30, repeats: Int = 3, pool: ThreadPool) -> Double {
        ReadProbe(bytes: bytes, pool: pool).best(repeats: repeats)
    }

    /// A buffer much larger than the caches, kept for repeated measurements: the roof
    /// between model runs (`best`) and single reads beside single decode steps (`read`).
    final class ReadProbe {
        let pool: ThreadPool
        private let buffer: UnsafeMutablePointer<SIMD16<Float>>
        private let count: Int
        private let sums: UnsafeMutablePointer<Float>
        /// The stream count of the fastest read so far (see `streamCounts`).
        private(set) var bestStreams = 1
        private var bestGBps = 0.0

        init(bytes: Int, pool: ThreadPool) {
            self.pool = pool
            count = bytes / MemoryLayout<SIMD16<Float>>.stride
            buffer = UnsafeMutablePointer<SIMD16<Float>>.allocate(capacity: count)
            // Touch every page first so the measurement sees no page faults.
            buffer.initialize(repeating: SIMD16<Float>(repeating: 1), count: count)
            sums = UnsafeMutablePointer<Float>.allocate(capacity: 64)
        }

        deinit {
            buffer.deallocate()
            sums.deallocate()
        }

        /// The best GB/s of `repeats` reads with each stream count.
        func best(repeats: Int) -> Double {
            var best = 0.0
            for streams in streamCounts {
                for _ in 0..<repeats { best = max(best, read(streams: streams)) }
            }
            return best
        }

        /// One read of the whole buffer with `streams` streams per thread, in GB/s.
        func read(streams: Int) -> Double {
            let buffer = self.buffer, sums = self.sums
            let start = DispatchTime.now().uptimeNanoseconds
            pool.parallelFor(count, granularity: 4096) { range in
                sums[(range.lowerBound / 4096) % 64] = readSideBySide(buffer, range, streams: streams)
            }
            let seconds = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
            let gbps = Double(count * MemoryLayout<SIMD16<Float>>.stride) / seconds / 1e9
            if gbps > bestGBps {
                bestGBps = gbps
                bestStreams = streams
            }
            return gbps
        }
    }

    /// Sums `buffer[range]` (64-byte lines) read as `streams` equal parts side by side: line
    /// `i` of every part, then line `i + 1` of every part. The sum keeps the loads from being
    /// optimized away; two accumulators keep the additions from waiting on each other.
    /// `measureRead` hands out whole tiles of 4,096 lines, so every part is whole and of
    /// even length and no line of the range is left unread.
    static func readSideBySide(_ buffer: UnsafeMutablePointer<SIMD16<Float>>, _ range: Range<Int>,
                               streams: Int) -> Float {
        let length = range.count / streams
        var a = SIMD16<Float>(), b = SIMD16<Float>()
        var i = range.lowerBound
        let end = range.lowerBound + length
        while i + 2 <= end {
            var p = i
            for _ in 0..<streams {
                a += buffer[p]
                b += buffer[p + 1]
                p += length
            }
            i += 2
        }
        return (a + b).sum()
    }
}
