// Activations split into even- and odd-indexed elements: the layout that lets the bf16
// kernels widen weights without shuffles. Explained in Documentation/19-Making-It-Fast.md
// (and, for the quantized copy the Q8_0 kernels read, Documentation/21-Quantization-and-GGUF.md).

/// Rows of `f32` activations, each stored as two halves: elements 0, 2, 4, ... and
/// elements 1, 3, 5, ...
///
/// Why: eight bf16 weights `w0 ... w15` loaded as eight 32-bit lanes hold the pairs
/// `(w0, w1), (w2, w3), ...`. Shifting each lane left by 16 gives the `Float`s
/// `w0, w2, ...`; masking off the low 16 bits gives `w1, w3, ...`. Both take one
/// instruction and need no shuffle, but they pair with the even and odd activations, so
/// the activations are split once per matrix product (cheap: one row of `dim` floats)
/// instead of shuffling every weight.
///
/// The Q8_0 kernels read a second, quantized copy of the same rows (see `quantized`),
/// made on first use after each `load`.
///
/// Allocated once with a capacity; `load` copies into the existing buffers and never
/// allocates, so the decode loop allocates nothing.
package final class SplitActivations: @unchecked Sendable {
    // @unchecked Sendable: written only by `load`, by the single owner, between kernels.

    /// Elements per unsplit row.
    package let width: Int
    /// The most rows `load` accepts.
    package let capacity: Int
    /// `(width + 1) / 2`: the length of each half.
    package let halfWidth: Int
    /// Floats from one row's half to the next row's: `halfWidth` rounded up to whole 64-byte
    /// lines, and to an odd number of them. A prefill tile reads the halves of eight tokens
    /// at once; rows a multiple of 4 KiB apart (the widths of Llama's matrices) would all
    /// fall in the same sets of a set-associative cache, which on every current x86 and ARM
    /// core index by the address bits just above the line, and the tile would evict its own
    /// lines. An odd number of lines between rows spreads them over every set.
    package let rowStride: Int
    /// Bytes from one row of `quantizedBytes` to the next: `width` rounded up to an odd
    /// number of 64-byte lines, for the reason given at `rowStride`.
    package let quantizedStride: Int
    /// The number of rows currently loaded.
    package private(set) var rowCount: Int = 0

    /// Row `r`'s even-indexed elements start at `even + r * rowStride`.
    package let even: UnsafeMutablePointer<Float>
    /// Row `r`'s odd-indexed elements start at `odd + r * rowStride`; an odd `width`
    /// leaves the last slot of each row zero.
    package let odd: UnsafeMutablePointer<Float>

    /// The quantized copy for the Q8_0 kernels, when `width` is a multiple of 32: per row,
    /// `width / 32` blocks of 32 `Int16` levels in -127...127, each block's elements in the
    /// order 0-7, 16-23, 8-15, 24-31 (the order in which `QuantizedProduct.times256` unpacks
    /// weight bytes).
    /// (Int16 rather than Int8 so the kernels multiply without widening them; see
    /// `QuantizedProduct`.) 64-byte aligned, so every block starts on a cache line. Valid after
    /// `prepareQuantized()`.
    package let quantized: UnsafeMutablePointer<Int16>
    /// The same levels as `quantized`, one signed byte each in element order, rows
    /// `quantizedStride` bytes apart: the layout of the C kernels (`InstructionSet`), whose
    /// byte multiply-adds take activations as bytes. Valid after `prepareQuantized()`.
    package let quantizedBytes: UnsafeMutablePointer<Int8>
    /// For every sixteen levels of `quantizedBytes`, minus their sum: `quantizedStride / 16`
    /// per row. The 512-bit C loops start each integer dot product from it, so a
    /// product of levels stored shifted by k (unsigned bytes) comes out as that of the
    /// signed levels (see LlamaKernels' QuantizedProductWide.h). Valid after
    /// `prepareQuantized()`.
    package let quantizedCorrections: UnsafeMutablePointer<Int32>
    /// For each block of `quantized`, its scale divided by 256: value = 256 · this · level.
    /// (The kernels' integer block sums come out 256 times the sum of level products, see
    /// `QuantizedProduct.blockSum`; dividing by a power of two here is exact and saves them a
    /// multiply per block.) `width / 32` per row.
    package let quantizedScales: UnsafeMutablePointer<Float>
    /// For each block of `quantized`, the sum of its quantized values, `d · Σ levels`: what
    /// a weight format with an offset (Q4_1) multiplies its offset by, as llama.cpp's Q8_1
    /// blocks carry it. `width / 32` per row.
    package let quantizedSums: UnsafeMutablePointer<Float>
    /// Whether `quantized` holds the rows now loaded.
    private var quantizedIsCurrent = false

    /// Creates empty buffers for up to `capacity` rows of `width` elements.
    package init(width: Int, capacity: Int) {
        precondition(width >= 0 && capacity >= 0)
        self.width = width
        self.capacity = capacity
        self.halfWidth = (width + 1) / 2
        var lines = (halfWidth * MemoryLayout<Float>.size + 63) / 64
        if lines % 2 == 0 { lines += 1 }
        self.rowStride = lines * 64 / MemoryLayout<Float>.size
        let n = max(1, rowStride * capacity)
        even = .allocate(capacity: n)
        even.initialize(repeating: 0, count: n)
        odd = .allocate(capacity: n)
        odd.initialize(repeating: 0, count: n)
        let quantizable = width % Q8_0.blockSize == 0
        var quantizedLines = (width + 63) / 64
        if quantizedLines % 2 == 0 { quantizedLines += 1 }
        quantizedStride = quantizedLines * 64
        let q = quantizable ? max(1, width * capacity) : 1
        let qBytes = quantizable ? max(1, quantizedStride * capacity) : 1
        quantized = UnsafeMutableRawPointer.allocate(byteCount: q * MemoryLayout<Int16>.stride, alignment: 64)
            .bindMemory(to: Int16.self, capacity: q)
        quantized.initialize(repeating: 0, count: q)
        quantizedBytes = UnsafeMutableRawPointer.allocate(byteCount: qBytes, alignment: 64)
            .bindMemory(to: Int8.self, capacity: qBytes)
        quantizedBytes.initialize(repeating: 0, count: qBytes)
        let corrections = quantizable ? max(1, quantizedStride / 16 * capacity) : 1
        quantizedCorrections = UnsafeMutableRawPointer.allocate(byteCount: corrections * 4, alignment: 64)
            .bindMemory(to: Int32.self, capacity: corrections)
        quantizedCorrections.initialize(repeating: 0, count: corrections)
        let scales = quantizable ? max(1, width / Q8_0.blockSize * capacity) : 1
        quantizedScales = .allocate(capacity: scales)
        quantizedScales.initialize(repeating: 0, count: scales)
        quantizedSums = .allocate(capacity: scales)
        quantizedSums.initialize(repeating: 0, count: scales)
    }

    deinit {
        even.deallocate()
        odd.deallocate()
        UnsafeMutableRawPointer(quantized).deallocate()  // allocated raw, 64-byte aligned
        UnsafeMutableRawPointer(quantizedBytes).deallocate()
        UnsafeMutableRawPointer(quantizedCorrections).deallocate()
        quantizedScales.deallocate()
        quantizedSums.deallocate()
    }

    /// Makes `quantized` match the loaded rows, once per `load`: the three products of
    /// attention's `wq`, `wk`, `wv` share one quantization.
    ///
    /// Each block of 32 activations is quantized the way Q8_0 quantizes weights
    /// (`d = max|x| / 127`, `q = round(x / d)`), except that `d` stays `Float` instead of
    /// being rounded to f16: activations are made fresh per token, nothing is stored.
    package func prepareQuantized(pool: ThreadPool? = nil) {
        precondition(width % Q8_0.blockSize == 0, "width \(width) is not whole Q8_0 blocks")
        guard !quantizedIsCurrent else { return }
        quantizedIsCurrent = true
        // Rows are independent: a prefill's rows are split across the pool (this runs
        // between products, when every other thread would otherwise wait).
        if let pool, rowCount > 1 {
            pool.parallelFor(rowCount) { rows in
                for r in rows { quantizeRow(r) }
            }
        } else {
            for r in 0..<rowCount { quantizeRow(r) }
        }
    }

    /// Quantizes row `r` into `quantized`, `quantizedBytes`, `quantizedCorrections`,
    /// `quantizedScales` and `quantizedSums`.
    private func quantizeRow(_ r: Int) {
        let blocks = width / Q8_0.blockSize
        for b in 0..<blocks {
            // Block b of row r: even-indexed elements 16b..<16b+16 of the even half.
            let e = even + r * rowStride + b * 16, o = odd + r * rowStride + b * 16
            var amax: Float = 0
            for i in 0..<16 { amax = max(amax, abs(e[i]), abs(o[i])) }
            let d = amax / 127
            let inverse: Float = d == 0 ? 0 : 1 / d
            let block = r * blocks + b
            let q = quantized + block * Q8_0.blockSize, bytes = quantizedBytes + r * quantizedStride + b * Q8_0.blockSize
            // Element 2j is e[j], element 2j + 1 is o[j]. Slots 8s..<8s+8 of `quantized` hold
            // the block's elements 0-7, 16-23, 8-15, 24-31 for s = 0...3: pairs (e[j], o[j])
            // from j = 0, 8, 4, 12; `quantizedBytes` holds them in element order.
            var sums = (first: 0, second: 0)  // elements 0-15 and 16-31
            for s in 0..<4 {
                let j = (s % 2) * 8 + (s / 2) * 4, slot = q + 8 * s
                for k in 0..<4 {
                    let even = Q8_0.level(e[j + k] * inverse), odd = Q8_0.level(o[j + k] * inverse)
                    slot[2 * k] = even
                    slot[2 * k + 1] = odd
                    bytes[2 * (j + k)] = Int8(truncatingIfNeeded: even)
                    bytes[2 * (j + k) + 1] = Int8(truncatingIfNeeded: odd)
                    if j < 8 { sums.first += Int(even) + Int(odd) } else { sums.second += Int(even) + Int(odd) }
                }
            }
            // Two sixteens per block: minus their sums.
            let correction = quantizedCorrections + r * quantizedStride / 16 + b * 2
            correction[0] = Int32(-sums.first)
            correction[1] = Int32(-sums.second)
            quantizedScales[block] = d * (1 / 256)
            quantizedSums[block] = d * Float(sums.first + sums.second)
        }
    }

    /// Splits `rows` consecutive rows of `width` elements starting at `x`.
    /// - Complexity: O(rows × width), no allocation.
    package func load(_ x: UnsafePointer<Float>, rows: Int) {
        precondition(rows <= capacity, "load of \(rows) rows into capacity \(capacity)")
        rowCount = rows
        quantizedIsCurrent = false
        let pairs = width / 2
        for r in 0..<rows {
            let src = x + r * width
            let e = even + r * rowStride, o = odd + r * rowStride
            for p in 0..<pairs {
                e[p] = src[2 * p]
                o[p] = src[2 * p + 1]
            }
            if width % 2 == 1 {
                e[pairs] = src[width - 1]
                o[pairs] = 0
            }
        }
    }

    /// Splits one row given as a buffer of exactly `width` elements.
    package func load(_ x: UnsafeBufferPointer<Float>) {
        precondition(x.count == width, "row of \(x.count) elements into width \(width)")
        guard let base = x.baseAddress else { rowCount = 1; return }
        load(base, rows: 1)
    }
}
