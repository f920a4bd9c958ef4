// Every instruction-set variant of the block-format kernels that this processor runs
// (`InstructionSet.supported`: the Swift loops everywhere, the C loops of LlamaKernels where
// the processor has AVX2 or AVX-512), against the scalar reference, and bit-identical
// between decode and prefill, tiles and thread counts within each variant.

import Foundation
@testable import LlamaTensor
import Testing
import TestSupport

@Suite("Instruction-set variants") struct InstructionSetTests {
    static let formats: [DType] = [.q8_0, .q4_0, .q4_1, .q4_K, .q6_K, .q5_0, .q5_1]

    @Test func portableIsAlwaysSupportedAndCurrentIsSupported() {
        #expect(InstructionSet.supported.first == .portable)
        #expect(InstructionSet.supported.contains(InstructionSet.current))
        #expect(InstructionSet.supported == InstructionSet.supported.sorted())
    }

    @Test(arguments: formats)
    func everyVariantMatchesTheScalarReference(dtype: DType) throws {
        for isa in InstructionSet.supported {
            for n in [256, 768] {
                for outFeatures in [1, 5, 9] {
                    for rows in [1, 3, 6] {
                        let seed = UInt64(n * 1000 + outFeatures * 10 + rows)
                        let w = try KQuantKernelTests.randomTensor(dtype, rows: outFeatures, n: n, seed: seed)
                        let x = randomFloats(rows * n, seed: seed + 7, scale: 2)
                        let got = product(w, x, rows: rows, threads: 2, instructionSet: isa)
                        let expected = ScalarReference.matrixProduct(
                            w.floats(), outFeatures: outFeatures, inFeatures: n,
                            ScalarReference.quantizedActivations(x, width: n), rows: rows)
                        // As for the Swift kernels: the integer sums are exact, only the float
                        // steps of each unit round.
                        let bound = Float(n) * 2 * 2e-7 * 4 + 1e-5
                        let diff = maxAbsoluteDifference(got, expected)
                        #expect(diff <= bound, "\(isa) \(dtype) n \(n) out \(outFeatures) rows \(rows): diff \(diff)")
                    }
                }
            }
        }
    }

    @Test(arguments: formats)
    func decodeAndPrefillAreBitIdenticalWithinAVariant(dtype: DType) throws {
        let outFeatures = 13, rows = 11, n = 512
        let w = try KQuantKernelTests.randomTensor(dtype, rows: outFeatures, n: n, seed: 21)
        let x = randomFloats(rows * n, seed: 22)
        for isa in InstructionSet.supported {
            let single = product(w, x, rows: rows, threads: 1, instructionSet: isa)
            #expect(product(w, x, rows: rows, threads: 3, instructionSet: isa) == single, "\(isa) threads 3")
            for t in 0..<rows {
                let one = Array(x[(t * n)..<((t + 1) * n)])
                let expected = Array(single[(t * outFeatures)..<((t + 1) * outFeatures)])
                #expect(product(w, one, rows: 1, threads: 2, instructionSet: isa) == expected, "\(isa) token \(t)")
            }
        }
    }

    /// bf16, f16 and f32 weights: every variant gives the portable Swift kernels' bits, decode
    /// and prefill, including columns that are not a multiple of sixteen and an odd count.
    @Test(arguments: [DType.bf16, .f16, .f32])
    func floatVariantsGiveThePortableBits(dtype: DType) throws {
        for n in [1, 15, 16, 33, 300, 4113] {
            for (outFeatures, rows) in [(1, 1), (6, 1), (9, 10), (13, 17)] {
                let seed = UInt64(n * 100 + outFeatures * 10 + rows)
                let w = try Tensor(randomFloats(outFeatures * n, seed: seed), shape: [outFeatures, n], dtype: dtype)
                let x = randomFloats(rows * n, seed: seed + 3, scale: 2)
                let portable = product(w, x, rows: rows, threads: 2, instructionSet: .portable)
                for isa in InstructionSet.supported where isa != .portable {
                    #expect(product(w, x, rows: rows, threads: 2, instructionSet: isa) == portable,
                            "\(isa) \(dtype) n \(n) out \(outFeatures) rows \(rows)")
                }
            }
        }
    }

    /// f16 weights: every variant against the scalar reference, with columns that are not a
    /// multiple of eight (the one-at-a-time tail) and row counts that leave remainders after
    /// the tiles; and decode equal to prefill, bit for bit, within each variant.
    @Test func float16MatchesTheReferenceAndPrefillEqualsDecode() throws {
        for isa in InstructionSet.supported {
            for n in [1, 7, 8, 33, 300] {
                for (outFeatures, rows) in [(1, 1), (5, 3), (9, 10)] {
                    let seed = UInt64(n * 100 + outFeatures * 10 + rows)
                    let w = try Tensor(randomFloats(outFeatures * n, seed: seed), shape: [outFeatures, n], dtype: .f16)
                    let x = randomFloats(rows * n, seed: seed + 3, scale: 2)
                    let got = product(w, x, rows: rows, threads: 2, instructionSet: isa)
                    let expected = ScalarReference.matrixProduct(w.floats(), outFeatures: outFeatures, inFeatures: n, x, rows: rows)
                    let bound = Float(n) * 2 * 2e-7 * 2 + 1e-6
                    #expect(maxAbsoluteDifference(got, expected) <= bound, "\(isa) n \(n) out \(outFeatures) rows \(rows)")
                    for t in 0..<rows {
                        let one = product(w, Array(x[(t * n)..<((t + 1) * n)]), rows: 1, threads: 1, instructionSet: isa)
                        #expect(one == Array(got[(t * outFeatures)..<((t + 1) * outFeatures)]), "\(isa) n \(n) token \(t)")
                    }
                }
            }
        }
    }

    /// A block of all-extreme levels: the largest integer sums the kernels meet (Q8_0 levels of
    /// −128 and 127 against activations of ±127) must not saturate in any variant.
    @Test func extremeLevelsDoNotSaturate() throws {
        let n = 64
        let storage = TensorStorage(byteCount: 2 * 34)
        let bytes = storage.mutableBaseAddress
        for b in 0..<2 {
            bytes.storeBytes(of: Float16(0.01).bitPattern.littleEndian, toByteOffset: b * 34, as: UInt16.self)
            for i in 0..<32 {
                let level: Int8 = b == 0 ? -128 : 127
                bytes.storeBytes(of: level, toByteOffset: b * 34 + 2 + i, as: Int8.self)
            }
        }
        let w = try Tensor(dtype: .q8_0, shape: [1, n], storage: storage)
        let x = (0..<n).map { $0 < 32 ? Float(-1) : Float(1) }
        let expected = ScalarReference.matrixProduct(w.floats(), outFeatures: 1, inFeatures: n,
                                                     ScalarReference.quantizedActivations(x, width: n), rows: 1)
        for isa in InstructionSet.supported {
            let got = product(w, x, rows: 1, threads: 1, instructionSet: isa)
            #expect(abs(got[0] - expected[0]) <= 1e-3, "\(isa): \(got[0]) vs \(expected[0])")
        }
    }
}
