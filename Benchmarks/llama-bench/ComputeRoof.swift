// The machine's peak rate of float multiply-adds: the roof every prefill number is judged
// against, as the read bandwidth is decode's. Explained in Documentation/20-Performance.md.

import Foundation
import LlamaKernels
import LlamaTensor

/// Measures how many single-precision multiply-adds per second all threads together can
/// do, with operands in registers and nothing read from memory.
enum ComputeRoof {
    /// The roof of the kernels this process runs (`InstructionSet.current`), in 10^9
    /// multiply-adds per second: the C variant's chains on its widest registers, or for the
    /// portable loops the best of Swift's SIMD4, SIMD8 and SIMD16 chains (a baseline x86-64
    /// build has sixteen 4-wide registers, so `SIMD4` chains fit and wider ones spill).
    static func measure(pool: ThreadPool, repeats: Int = 3) -> Double {
        if InstructionSet.current != .portable {
            return compiledRate(pool: pool, repeats: repeats)
        }
        return max(rate(SIMD4<Float>.self, pool: pool, repeats: repeats),
                   rate(SIMD8<Float>.self, pool: pool, repeats: repeats),
                   rate(SIMD16<Float>.self, pool: pool, repeats: repeats))
    }

    /// The C variant's rate (`llk_multiply_add_chains`).
    static func compiledRate(pool: ThreadPool, repeats: Int) -> Double {
        let iterations = 1_000_000
        let sums = UnsafeMutablePointer<Float>.allocate(capacity: pool.threadCount)
        defer { sums.deallocate() }
        var lanes: UInt32 = 0
        _ = llk_multiply_add_chains(InstructionSet.current.kernelISA, 1, 0, &lanes)
        var best = 0.0
        for _ in 0..<repeats {
            let start = DispatchTime.now().uptimeNanoseconds
            pool.parallelFor(pool.threadCount) { range in
                for t in range {
                    var ignored: UInt32 = 0
                    sums[t] = llk_multiply_add_chains(InstructionSet.current.kernelISA, iterations, Float(t), &ignored)
                }
            }
            let seconds = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
            let operations = Double(pool.threadCount * iterations * chainCount) * Double(lanes)
            best = max(best, operations / seconds / 1e9)
        }
        return best
    }

    static func rate<V: SIMD>(_: V.Type, pool: ThreadPool, repeats: Int) -> Double where V.Scalar == Float {
        let iterations = 4_000_000 / V.scalarCount
        let sums = UnsafeMutablePointer<Float>.allocate(capacity: pool.threadCount)
        defer { sums.deallocate() }
        var best = 0.0
        for _ in 0..<repeats {
            let start = DispatchTime.now().uptimeNanoseconds
            pool.parallelFor(pool.threadCount) { range in
                for t in range { sums[t] = chains(V.self, iterations: iterations, seed: Float(t)) }
            }
            let seconds = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
            let operations = Double(pool.threadCount * iterations * chainCount * V.scalarCount)
            best = max(best, operations / seconds / 1e9)
        }
        return best
    }

    static let chainCount = 12

    /// Twelve independent chains of `a = a · m + c`: enough to cover the latency of a
    /// multiply and an add (or of a fused multiply-add) on every pipe.
    @inline(never)
    static func chains<V: SIMD>(_: V.Type, iterations: Int, seed: Float) -> Float where V.Scalar == Float {
        let m = V(repeating: 0.999_999), c = V(repeating: 1e-7)
        var a0 = V(repeating: seed), a1 = a0 + 1, a2 = a0 + 2, a3 = a0 + 3
        var a4 = a0 + 4, a5 = a0 + 5, a6 = a0 + 6, a7 = a0 + 7
        var a8 = a0 + 8, a9 = a0 + 9, a10 = a0 + 10, a11 = a0 + 11
        for _ in 0..<iterations {
            a0 = step(a0, m, c); a1 = step(a1, m, c); a2 = step(a2, m, c); a3 = step(a3, m, c)
            a4 = step(a4, m, c); a5 = step(a5, m, c); a6 = step(a6, m, c); a7 = step(a7, m, c)
            a8 = step(a8, m, c); a9 = step(a9, m, c); a10 = step(a10, m, c); a11 = step(a11, m, c)
        }
        return (a0 + a1 + a2 + a3 + a4 + a5 + a6 + a7 + a8 + a9 + a10 + a11).sum()
    }

    /// One multiply-add the way the kernels do it: a multiply and an add (see `pairProduct`
    /// in VectorArithmetic.swift).
    @inline(__always)
    static func step<V: SIMD>(_ a: V, _ m: V, _ c: V) -> V where V.Scalar == Float {
        a * m + c
    }
}
