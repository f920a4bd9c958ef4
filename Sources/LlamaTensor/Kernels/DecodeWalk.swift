// How decode's matrix-vector product walks the rows of a thread's share, chosen once per
// process from the processor. Explained in Documentation/05-Tensors-and-Kernels.md.

import Foundation

/// The order in which decode reads a thread's share of weight rows (see
/// `TiledProduct.decodeRows`). Every walk computes each row exactly as `dotOne` does, so
/// the choice changes the speed and never the result.
///
/// Decode is a race to read memory, and how fast one core reads depends on how many
/// cache-line requests it keeps in flight, which the processor's prefetchers decide. Two
/// processors we measured want opposite things:
///
/// - AMD Zen 4 (EPYC): a thread's share of short rows read as two halves side by side
///   (default build) or front to back (FMA builds); rows of 4,097 to 8,192 columns four
///   adjacent at a time with their sums stored in memory (`streamRows`), 60-70 GB/s for
///   the 1B model's `w2` against 34-36 with the sums in registers (`tile4x1`). Quarters
///   ran at 16-62 GB/s depending on how far apart they happened to be.
/// - Intel Xeon (Emerald Rapids): one sequential stream per core reads only 16-18 GB/s of
///   the 25-35 that four streams reach. A share of short rows read as four quarters side
///   by side, and rows wider than 4,096 columns through `tile4x1`, decode the 1B shape
///   20-50% faster there than the AMD walk does in most alternating runs (the 3B shape
///   40-60%).
enum DecodeWalk: String, CaseIterable, Sendable {
    /// Two streams per thread at most: the walk measured on AMD Zen 4.
    case twoStreams = "two"
    /// Four streams per thread: the walk measured on Intel Xeon.
    case fourStreams = "four"

    /// The walk for this process: `SWIFTLLAMA_DECODE_WALK=two` or `four` when set (for
    /// comparing the walks on one machine; other values are ignored), else `fourStreams` on
    /// an Intel processor and `twoStreams` on anything else.
    static let current: DecodeWalk = {
        if let name = ProcessInfo.processInfo.environment["SWIFTLLAMA_DECODE_WALK"],
           let walk = DecodeWalk(rawValue: name) {
            return walk
        }
        return forVendor(cpuVendor())
    }()

    /// The walk measured best for a processor whose `vendor_id` is `vendor`.
    static func forVendor(_ vendor: String?) -> DecodeWalk {
        vendor == "GenuineIntel" ? .fourStreams : .twoStreams
    }

    /// How many parts of a share of short rows (at most `singleRowLimit` columns) are read
    /// side by side, when the share has at least `sideBySideMinimum` rows.
    var sideBySideParts: Int {
        switch self {
        case .twoStreams: return 2
        case .fourStreams: return 4
        }
    }

    /// The fewest rows a share of short rows must have to be read in parts. On AMD, FMA
    /// builds never split: their shorter loop already keeps up with one stream, and in
    /// alternating runs two halves were 3% faster in slow-memory minutes and 2% slower in
    /// fast ones. On Intel even the 256 rows of `wk` and `wv` gain from four parts.
    var sideBySideMinimum: Int {
        switch self {
        case .twoStreams:
            #if SWIFTLLAMA_FMA
            return .max
            #else
            return 4096
            #endif
        case .fourStreams:
            return 256
        }
    }

    /// Whether Q8_0 decode reads a share of at least `sideBySideMinimum` rows as four
    /// quarters side by side (`Q8Product.fourRows`). On AMD it reads one row at a time:
    /// two halves there measured 1% faster, within noise.
    var quantizedInQuarters: Bool { self == .fourStreams }

    /// Whether rows of 4,097 to 8,192 columns keep their four running sums in registers
    /// (`tile4x1`) rather than in memory (`streamRows`).
    var mediumRowsInRegisters: Bool { self == .fourStreams }

    /// The `vendor_id` of the first processor in `/proc/cpuinfo`, or nil where there is no
    /// such file (macOS) or no such line (ARM).
    static func cpuVendor() -> String? {
        guard let info = try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8) else { return nil }
        return vendor(inCPUInfo: info)
    }

    /// The value of the first `vendor_id` line of a `/proc/cpuinfo` text
    /// (`vendor_id\t: GenuineIntel`), or nil if it has none.
    static func vendor(inCPUInfo text: String) -> String? {
        for line in text.split(separator: "\n") where line.hasPrefix("vendor_id") {
            guard let colon = line.firstIndex(of: ":") else { continue }
            return line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
        }
        return nil
    }
}
