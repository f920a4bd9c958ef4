// The cosine and sine tables of rotary position embedding, with Llama 3.1 frequency
// scaling. Explained in Documentation/10-RoPE.md.

import Foundation
import LlamaLoader

/// Precomputed rotation angles for every position up to the context length: Meta's
/// `precompute_freqs_cis`, kept as separate cosine and sine tables.
///
/// Frequency `i` of a head of size `d` is `θ^(-2i/d)`; position `p` rotates pair `i` by
/// `p · freq[i]`. Computed in `Float` step by step as Meta's code computes it in float32,
/// so the angles agree with the reference to the last bit or two even 2,000+ positions out.
struct RotaryEmbedding {
    /// `headDim / 2`: the number of rotated pairs per head.
    let pairCount: Int
    /// The number of positions in the tables.
    let positionCount: Int
    /// `cos[p · pairCount + i]`: cosine of position `p`'s angle for pair `i`.
    private let cosines: UnsafeMutablePointer<Float>
    /// `sin[p · pairCount + i]`.
    private let sines: UnsafeMutablePointer<Float>

    /// - Parameter factors: Per-frequency divisors (a GGUF file's `rope_freqs.weight`):
    ///   when given they replace the scaling of `params`, as llama.cpp does.
    init(params: ModelParams, positions: Int, factors: [Float]? = nil) {
        pairCount = params.headDim / 2
        positionCount = positions
        var frequencies = Self.frequencies(params: params)
        if let factors, factors.count == frequencies.count {
            frequencies = zip(Self.unscaledFrequencies(params: params), factors).map { $0 / $1 }
        }
        cosines = .allocate(capacity: max(1, positions * pairCount))
        sines = .allocate(capacity: max(1, positions * pairCount))
        for p in 0..<positions {
            for i in 0..<pairCount {
                // torch.outer(t, freqs) in float32, then torch.polar.
                let angle = Float(p) * frequencies[i]
                cosines[p * pairCount + i] = Float(Foundation.cos(Double(angle)))
                sines[p * pairCount + i] = Float(Foundation.sin(Double(angle)))
            }
        }
    }

    /// Frees the tables (called by the owner; the struct is not copied around).
    func deallocate() {
        cosines.deallocate()
        sines.deallocate()
    }

    /// The cosines of position `position`, `pairCount` of them.
    func cos(at position: Int) -> UnsafePointer<Float> { UnsafePointer(cosines + position * pairCount) }
    /// The sines of position `position`, `pairCount` of them.
    func sin(at position: Int) -> UnsafePointer<Float> { UnsafePointer(sines + position * pairCount) }

    /// `1 / θ^(2i/d)` for each pair, then Llama 3.1 scaling when the model uses it.
    static func frequencies(params: ModelParams) -> [Float] {
        let d = params.headDim
        let theta = Float(params.ropeTheta)
        // doc: rope-frequencies
        var frequencies = (0..<(d / 2)).map { i -> Float in
            1 / powf(theta, Float(2 * i) / Float(d))
        }
        if params.useScaledRope {
            frequencies = frequencies.map { scaled($0, params.ropeScaling) }
        }
        // doc: end
        return frequencies
    }

    /// The divisors that turn the unscaled frequencies into the scaled ones, one per pair:
    /// how llama.cpp stores Llama 3.1 scaling (`rope_freqs.weight` in a GGUF file).
    static func scalingFactors(params: ModelParams) -> [Float] {
        zip(unscaledFrequencies(params: params), frequencies(params: params)).map { $0 / $1 }
    }

    /// `frequencies(params:)` without Llama 3.1's scaling.
    private static func unscaledFrequencies(params: ModelParams) -> [Float] {
        var unscaled = params
        unscaled.useScaledRope = false
        return frequencies(params: unscaled)
    }

    /// Llama 3.1's `apply_scaling`: long wavelengths (beyond the original context) are
    /// slowed down by `factor`, short ones are kept, and those in between are blended.
    /// This is what stretches a model trained on 8K positions to 128K.
    static func scaled(_ frequency: Float, _ scaling: RopeScaling) -> Float {
        // doc: rope-scaling
        let factor = Float(scaling.factor)
        let oldContext = Float(scaling.originalContextLength)
        let lowFrequencyWavelength = oldContext / Float(scaling.lowFreqFactor)
        let highFrequencyWavelength = oldContext / Float(scaling.highFreqFactor)
        // PyTorch evaluates `c / tensor` as `reciprocal(tensor) * c`; doing the same keeps
        // the comparisons below exactly where the reference puts them.
        let wavelength = (1 / frequency) * Float(2 * Double.pi)
        if wavelength < highFrequencyWavelength {
            return frequency                      // high frequency: unchanged
        }
        if wavelength > lowFrequencyWavelength {
            return frequency / factor             // low frequency: slowed by the factor
        }
        // In between: interpolate smoothly between the two.
        let smooth = ((1 / wavelength) * oldContext - Float(scaling.lowFreqFactor))
            / (Float(scaling.highFreqFactor) - Float(scaling.lowFreqFactor))
        return (1 - smooth) * frequency / factor + smooth * frequency
        // doc: end
    }
}
