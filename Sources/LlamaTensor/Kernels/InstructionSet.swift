// Which instruction-set variant of the kernels this process runs, chosen once from the
// processor. Explained in Documentation/20-Performance.md.

import Foundation
import LlamaKernels

/// A variant of the matrix kernels: the portable Swift loops, or C loops compiled for a
/// wider instruction set (the `LlamaKernels` target) that run only where the processor has
/// it.
///
/// One build holds every variant, so the binary that `swift build -c release` makes runs
/// AVX-512 on a processor that has it and the portable loops on one that has nothing
/// beyond baseline x86-64 (or on ARM, where NEON is baseline and the Swift loops use it).
public enum InstructionSet: String, CaseIterable, Sendable, Comparable {
    /// The Swift kernels, for any processor.
    case portable
    /// x86-64 with AVX2, FMA and F16C.
    case avx2
    /// x86-64 with AVX-512 F, BW, VL and VNNI.
    case avx512

    /// The variants this processor can run, narrowest first (`portable` always).
    public static let supported: [InstructionSet] = {
        let mask = llk_supported_isas()
        return allCases.filter { mask & (1 << $0.kernelISA.rawValue) != 0 }
    }()

    /// The variant this process runs: `SWIFTLLAMA_ISA=portable|avx2|avx512` when set and
    /// supported (for tests and benchmarks; an unsupported or unknown name is ignored),
    /// else the widest supported.
    public static let current: InstructionSet = {
        if let name = ProcessInfo.processInfo.environment["SWIFTLLAMA_ISA"],
           let chosen = InstructionSet(rawValue: name), supported.contains(chosen) {
            return chosen
        }
        return supported.last ?? .portable
    }()

    /// Orders variants from narrowest to widest.
    public static func < (a: InstructionSet, b: InstructionSet) -> Bool {
        a.kernelISA.rawValue < b.kernelISA.rawValue
    }

    /// The C enumeration's value.
    package var kernelISA: llk_isa {
        switch self {
        case .portable: return LLK_ISA_PORTABLE
        case .avx2: return LLK_ISA_AVX2
        case .avx512: return LLK_ISA_AVX512
        }
    }
}
