// How decode's matrix-vector product walks the rows of a thread's share, chosen once per
// process from the processor. Explained in Documentation/05-Tensors-and-Kernels.md.

import Foundation

/// The order in which decode reads a thread's share of weight rows (see
/// `TiledProduct.decodeRows`). Every walk computes each row exactly as `dotOne` does, so
/// the choice changes the speed and never the result.
///
/// Decode is a race to read memory, and how fast one core reads depends on how many
/// cache-line requests it keeps in flight, which the processor's prefetchers decide.
/// Processors want different things:
///
/// - AMD Zen 4 and Zen 5 (EPYC): a thread's share of short rows read as two halves side by
///   side (default build) or front to back (FMA builds); rows of 4,097 to 8,192 columns
///   four adjacent at a time with their sums stored in memory (`streamRows`), which reads
///   the 1B model's `w2` nearly twice as fast as the same rows with their sums in
///   registers (`tile4x1`). Quarters read well or badly depending on how far apart they
///   happen to lie, so they are not used.
/// - Intel Xeon (Emerald Rapids): one sequential stream per core reads about half of what
///   four streams read. A share of short rows is read as four quarters side by side, and
///   rows wider than 4,096 columns go through `tile4x1`.
/// - AMD Zen 1 (EPYC, family 23 model 1): like Intel; four streams are faster than two for
///   every matrix shape, bf16 and Q8_0.
/// - AMD Zen 3 (EPYC Milan, family 25 model 1): like Intel too, and there the four parts
///   also keep their running sums in registers (`tile4x1` with the parts' stride) rather
///   than in memory (`streamRows`). This core retires about four instructions per cycle on
///   these loops, so in the default build the instruction count is the speed, and the sums'
///   loads and stores are four of its 38 instructions per weight line per row.
enum DecodeWalk: String, CaseIterable, Sendable {
    /// Two streams per thread at most: the walk for AMD Zen 4 and Zen 5.
    case twoStreams = "two"
    /// Four streams per thread: the walk for Intel Xeon and AMD Zen 1.
    case fourStreams = "four"
    /// Four streams per thread with each part's running sum in registers: the walk for
    /// AMD Zen 3 EPYC.
    case fourStreamsInRegisters = "four-in-registers"

    /// The walk for this process: `SWIFTLLAMA_DECODE_WALK=two`, `four` or
    /// `four-in-registers` when set (for comparing the walks on one machine; other values
    /// are ignored), else the walk measured best for this processor (`forProcessor`).
    static let current: DecodeWalk = {
        if let name = ProcessInfo.processInfo.environment["SWIFTLLAMA_DECODE_WALK"],
           let walk = DecodeWalk(rawValue: name) {
            return walk
        }
        return forProcessor(Processor(cpuInfo: (try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8)) ?? ""))
    }()

    /// The walk measured best for `processor`: four streams on Intel, on AMD's first Zen
    /// generation (family 23, models below 0x30: Zen and Zen+) and on Zen 3 EPYC (family
    /// 25, models below 0x10: Milan; there with the sums in registers, a walk not measured
    /// on the others); two on everything else, which includes Zen 4 and
    /// Zen 5 and processors we cannot identify (ARM, macOS). Zen 2 (family 23, models from
    /// 0x30) and the other Zen 3 models (family 25, models 0x20-0x5F: desktop and laptop
    /// parts) were never measured and keep two.
    static func forProcessor(_ processor: Processor) -> DecodeWalk {
        switch processor.vendor {
        case "GenuineIntel":
            return .fourStreams
        case "AuthenticAMD" where processor.family == 23 && (processor.model ?? .max) < 0x30:
            return .fourStreams
        case "AuthenticAMD" where processor.family == 25 && (processor.model ?? .max) < 0x10:
            return .fourStreamsInRegisters
        default:
            return .twoStreams
        }
    }

    /// How many parts of a share of short rows (at most `singleRowLimit` columns) are read
    /// side by side, when the share has at least `sideBySideMinimum` rows.
    var sideBySideParts: Int {
        switch self {
        case .twoStreams: return 2
        case .fourStreams, .fourStreamsInRegisters: return 4
        }
    }

    /// The fewest rows a share of short rows must have to be read in parts. On AMD, FMA
    /// builds never split: their shorter loop already keeps up with one stream, and two
    /// halves are within a few percent of it either way. On Intel even the 256 rows of `wk`
    /// and `wv` gain from four parts.
    var sideBySideMinimum: Int {
        switch self {
        case .twoStreams:
            #if SWIFTLLAMA_FMA
            return .max
            #else
            return 4096
            #endif
        case .fourStreams, .fourStreamsInRegisters:
            return 256
        }
    }

    /// Whether Q8_0 decode reads a share of at least `sideBySideMinimum` rows as four
    /// quarters side by side (`QuantizedProduct.fourRows`). On AMD it reads one row at a time:
    /// two halves there are no faster.
    var quantizedInQuarters: Bool { sideBySideParts == 4 }

    /// Whether rows of 4,097 to 8,192 columns keep their four running sums in registers
    /// (`tile4x1`) rather than in memory (`streamRows`).
    var mediumRowsInRegisters: Bool { sideBySideParts == 4 }

    /// Whether the parts of a share of short rows keep their running sums in registers
    /// (`tile4x1`, one row of each part per call) rather than in memory (`streamRows`).
    var sideBySideInRegisters: Bool { self == .fourStreamsInRegisters }

    /// What `/proc/cpuinfo` says about the first processor: enough to choose a walk.
    struct Processor: Equatable {
        /// `vendor_id`: `GenuineIntel`, `AuthenticAMD`; nil where there is none (ARM).
        var vendor: String?
        /// `cpu family`, in decimal as the file gives it (AMD Zen 1 and 2: 23; Zen 3 and 4: 25).
        var family: Int?
        /// `model`, in decimal as the file gives it.
        var model: Int?
    }
}

extension DecodeWalk.Processor {
    /// Reads the first processor's `vendor_id`, `cpu family` and `model` lines of a
    /// `/proc/cpuinfo` text (`vendor_id\t: GenuineIntel`); a missing or unreadable line
    /// leaves its field nil, and an empty text (no such file) all of them.
    init(cpuInfo text: String) {
        for line in text.split(separator: "\n") {
            guard let colon = line.firstIndex(of: ":") else { continue }
            let key = line[..<colon].trimmingCharacters(in: .whitespaces)
            let value = line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
            switch key {
            case "processor" where self != DecodeWalk.Processor():
                return  // the second processor's block: the first one is read
            case "vendor_id" where vendor == nil: vendor = value
            case "cpu family" where family == nil: family = Int(value)
            case "model" where model == nil: model = Int(value)
            default: break
            }
        }
    }
}
