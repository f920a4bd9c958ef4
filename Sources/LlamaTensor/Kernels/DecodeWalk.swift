// How the portable decode kernels walk the rows of a thread's share. Explained in
// Documentation/19-Making-It-Fast.md.

import Foundation

/// The order in which the portable decode kernels read a thread's share of weight rows
/// (see `TiledProduct.decodeRows`). Every walk computes each row exactly as `dotOne` does,
/// so the choice changes the speed and never the result.
///
/// Decode is a race to read memory, and how fast one core reads depends on how many
/// cache-line requests it keeps in flight, which the processor's prefetchers decide. The
/// walks differ in how many streams through memory a thread keeps: two (a share of short
/// rows read as two halves side by side), or four (quarters, with the running sums in
/// memory or in registers). Which is fastest depends on the processor, and measuring it
/// per processor model made a table that every unmeasured processor would have to guess
/// from. The portable loops run only where the C kernels cannot (`InstructionSet`: x86-64
/// without AVX2, and ARM), so one walk serves them all: two streams, never the slowest in
/// the measurements behind the table, and the walk of the C float kernels too.
enum DecodeWalk: String, CaseIterable, Sendable {
    /// Two streams per thread at most: the walk every process uses unless told otherwise.
    case twoStreams = "two"
    /// Four streams per thread.
    case fourStreams = "four"
    /// Four streams per thread with each part's running sum in registers.
    case fourStreamsInRegisters = "four-in-registers"

    /// The walk for this process: `SWIFTLLAMA_DECODE_WALK=two`, `four` or
    /// `four-in-registers` when set (for comparing the walks on one machine; other values
    /// are ignored), else `twoStreams`.
    static let current: DecodeWalk = {
        if let name = ProcessInfo.processInfo.environment["SWIFTLLAMA_DECODE_WALK"],
           let walk = DecodeWalk(rawValue: name) {
            return walk
        }
        return .twoStreams
    }()

    /// How many parts of a share of short rows (at most `singleRowLimit` columns) are read
    /// side by side, when the share has at least `minimumRowsForParts` rows.
    var sideBySideParts: Int {
        switch self {
        case .twoStreams: return 2
        case .fourStreams, .fourStreamsInRegisters: return 4
        }
    }

    /// The fewest rows a share of short rows must have to be read in parts: two halves pay
    /// off only for the largest shares, four parts already for the 256 rows of `wk` and `wv`.
    var minimumRowsForParts: Int {
        switch self {
        case .twoStreams: return 4096
        case .fourStreams, .fourStreamsInRegisters: return 256
        }
    }

    /// Whether Q8_0 decode reads a share of at least `minimumRowsForParts` rows as four
    /// quarters side by side (`QuantizedProduct.fourRows`); otherwise one row at a time.
    var quantizedInQuarters: Bool { sideBySideParts == 4 }

    /// Whether rows of 4,097 to 8,192 columns keep their four running sums in registers
    /// (`tile4x1`) rather than in memory (`streamRows`).
    var mediumRowsInRegisters: Bool { sideBySideParts == 4 }

    /// Whether the parts of a share of short rows keep their running sums in registers
    /// (`tile4x1`, one row of each part per call) rather than in memory (`streamRows`).
    var sideBySideInRegisters: Bool { self == .fourStreamsInRegisters }
}
