// The random numbers behind sampling. Explained in Documentation/13-Output-and-Sampling.md.
//
// Our own generator, not `SystemRandomNumberGenerator`, so that a seed gives the same
// tokens on every machine and every Swift version: xoshiro256** seeded through SplitMix64,
// both from Blackman and Vigna's public-domain reference descriptions.

/// xoshiro256**: a small, fast generator whose whole state is four words, so a seed
/// repeats exactly everywhere.
public struct Xoshiro256StarStar: RandomNumberGenerator, Sendable {
    private var state: (UInt64, UInt64, UInt64, UInt64)

    /// Expands `seed` into the four state words with SplitMix64, as the authors advise
    /// (a plain seed such as 0 or 1 would otherwise start from a poor state).
    public init(seed: UInt64) {
        var splitMix = seed
        func nextSplitMix() -> UInt64 {
            splitMix &+= 0x9E37_79B9_7F4A_7C15
            var z = splitMix
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
        state = (nextSplitMix(), nextSplitMix(), nextSplitMix(), nextSplitMix())
    }

    /// The next 64 random bits.
    public mutating func next() -> UInt64 {
        // doc: xoshiro-next
        let result = rotateLeft(state.1 &* 5, by: 7) &* 9
        let shifted = state.1 << 17
        state.2 ^= state.0
        state.3 ^= state.1
        state.1 ^= state.2
        state.0 ^= state.3
        state.2 ^= shifted
        state.3 = rotateLeft(state.3, by: 45)
        return result
        // doc: end
    }

    /// A uniform `Float` in [0, 1): the top 24 bits, so every value is exactly
    /// representable and 1 can never come out.
    public mutating func nextUnitFloat() -> Float {
        Float(next() >> 40) * 0x1p-24
    }

    private func rotateLeft(_ x: UInt64, by k: UInt64) -> UInt64 {
        (x << k) | (x >> (64 - k))
    }
}
