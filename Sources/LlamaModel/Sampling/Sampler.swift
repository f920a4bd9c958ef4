// From logits to the next token. Explained in Documentation/13-Output-and-Sampling.md.
//
// Order of the steps, each optional:
//   1. repetition penalty on the last `repetitionWindow` tokens (CTRL, Keskar et al. 2019)
//   2. temperature 0: the first most likely token (what `torch.argmax` returns)
//   3. divide by the temperature, softmax
//   4. top-k, then min-p, then Meta's `sample_top_p` (nucleus, Holtzman et al. 2019)
//   5. one draw from what is left, with our own seeded generator
//
// Meta's generation.py does only 3, the top-p of 4 and 5; the other steps keep their
// defaults (off) unless asked for, so by default we sample exactly Meta's distribution.

import Foundation
import LlamaTensor

/// Chooses each next token from the model's logits, following `GenerationParameters`.
///
/// A sampler keeps its random generator between calls, so one sampler per generation
/// gives a reproducible sequence for a given seed. Scratch memory is allocated once, at
/// the vocabulary's size, and reused for every token.
public struct Sampler {
    private let parameters: GenerationParameters
    private var generator: Xoshiro256StarStar
    /// The logits after the repetition penalty, then the probabilities.
    private var values: [Float]
    /// Token ids still in the running, in no particular order until top-p sorts them.
    private var candidates: [Int32]
    /// The tokens the repetition penalty has already lowered this step (kept between
    /// steps so its storage is reused).
    private var penalizedTokens = Set<Int32>()

    /// Makes a sampler for one generation.
    /// - Parameters:
    ///   - parameters: Temperature, truncation, penalty and seed.
    ///   - vocabularySize: The length of every logits vector passed to `sample`.
    public init(parameters: GenerationParameters, vocabularySize: Int) {
        self.parameters = parameters
        var system = SystemRandomNumberGenerator()
        self.generator = Xoshiro256StarStar(seed: parameters.seed ?? system.next())
        self.values = [Float](repeating: 0, count: vocabularySize)
        self.candidates = []
        candidates.reserveCapacity(vocabularySize)
    }

    /// Picks the next token.
    /// - Parameters:
    ///   - logits: One score per vocabulary entry, as the model's output layer wrote them.
    ///   - recentTokens: The prompt and the tokens generated so far; the repetition
    ///     penalty looks at the last `repetitionWindow` of them.
    /// - Returns: The chosen token id.
    public mutating func sample(_ logits: UnsafeBufferPointer<Float>, recentTokens: [Int32]) -> Int32 {
        precondition(logits.count == values.count, "logits length differs from the vocabulary size")
        let penalized = parameters.repetitionPenalty != 1 && parameters.repetitionWindow > 0
        // Plain greedy reads the logits as they are; every other path works on a copy.
        if parameters.temperature == 0 && !penalized { return Int32(argmax(logits) ?? 0) }
        for i in 0..<logits.count { values[i] = logits[i] }
        if penalized { applyRepetitionPenalty(recentTokens) }

        if parameters.temperature == 0 {
            return Int32(values.withUnsafeBufferPointer { argmax($0) } ?? 0)
        }

        // Softmax at the temperature. Subtracting the maximum keeps exp() in range and does
        // not change the result.
        let inverseTemperature = 1 / parameters.temperature
        let maximum = values.max() ?? 0
        for i in 0..<values.count {
            values[i] = expf((values[i] - maximum) * inverseTemperature)
        }
        // Normalizing is left to the end: every step below compares probabilities with
        // each other or with a fraction of the kept total, so a common factor cancels.

        candidates.removeAll(keepingCapacity: true)
        if let topK = parameters.topK, topK < values.count {
            keepTopK(topK)
        } else {
            for i in 0..<values.count { candidates.append(Int32(i)) }
        }
        if let minP = parameters.minP, minP > 0 {
            var largest: Float = 0
            for id in candidates { largest = max(largest, values[Int(id)]) }
            let threshold = minP * largest
            let probabilities = values
            candidates.removeAll { probabilities[Int($0)] < threshold }
        }
        if parameters.topP < 1 { keepNucleus(parameters.topP) }

        // One draw: walk the kept tokens until the running sum passes u * total.
        var total: Float = 0
        for id in candidates { total += values[Int(id)] }
        let target = generator.nextUnitFloat() * total
        var running: Float = 0
        for id in candidates {
            running += values[Int(id)]
            if running > target { return id }
        }
        // Rounding can leave `running` a hair below `target`; the last token then wins.
        return candidates.last ?? Int32(values.withUnsafeBufferPointer { argmax($0) } ?? 0)
    }

    // MARK: - Steps

    /// CTRL's penalty: a positive logit is divided by the penalty and a negative one
    /// multiplied, so either way the token becomes less likely. Each token counts once,
    /// however often it appeared.
    private mutating func applyRepetitionPenalty(_ recentTokens: [Int32]) {
        let penalty = parameters.repetitionPenalty
        penalizedTokens.removeAll(keepingCapacity: true)
        for id in recentTokens.suffix(parameters.repetitionWindow)
        where id >= 0 && Int(id) < values.count && penalizedTokens.insert(id).inserted {
            let logit = values[Int(id)]
            values[Int(id)] = logit > 0 ? logit / penalty : logit * penalty
        }
    }

    /// Keeps the `k` most probable tokens (ties go to the smaller id, so the choice does
    /// not depend on the sort algorithm).
    private mutating func keepTopK(_ k: Int) {
        for i in 0..<values.count { candidates.append(Int32(i)) }
        sortByProbability()
        candidates.removeSubrange(k...)
    }

    /// Meta's `sample_top_p`: sort by probability, and keep a token while the probability
    /// of the tokens before it is at most `p` (so the token that crosses `p` stays).
    private mutating func keepNucleus(_ p: Float) {
        var total: Float = 0
        for id in candidates { total += values[Int(id)] }
        let limit = p * total

        // Sorting the whole 128K vocabulary for every token would cost milliseconds. The
        // nucleus lies inside any set of most-probable tokens whose mass exceeds `limit`,
        // so find a cheap threshold that gives one, and sort only those tokens.
        let largest = candidates.reduce(Float(0)) { max($0, values[Int($1)]) }
        var threshold = largest * 0.1
        while threshold > largest * 1e-30 {
            var mass: Float = 0
            for id in candidates where values[Int(id)] >= threshold { mass += values[Int(id)] }
            if mass > limit { break }
            threshold *= 0.01
        }
        if threshold > largest * 1e-30 {
            let probabilities = values
            candidates.removeAll { probabilities[Int($0)] < threshold }
        }
        sortByProbability()

        // doc: top-p
        var before: Float = 0
        var kept = 0
        for id in candidates {
            if before > limit { break }
            before += values[Int(id)]
            kept += 1
        }
        candidates.removeSubrange(kept...)
        // doc: end
    }

    private mutating func sortByProbability() {
        let probabilities = values
        candidates.sort { a, b in
            let pa = probabilities[Int(a)], pb = probabilities[Int(b)]
            return pa != pb ? pa > pb : a < b
        }
    }

    // MARK: - Log-probabilities

    /// The log-probability of `id` under the model's own distribution (log-softmax of the
    /// raw logits), and the `top` most likely tokens.
    /// - Parameters:
    ///   - id: The token to report.
    ///   - logits: One raw score per vocabulary entry.
    ///   - top: How many alternatives to list, most likely first.
    public static func logprob(of id: Int32, in logits: UnsafeBufferPointer<Float>, top: Int) -> TokenLogprob {
        // log p(i) = x_i - max - log(sum(exp(x - max))), the sum in Double for precision.
        let maximum = logits.max() ?? 0
        var sum: Double = 0
        for x in logits { sum += Double(expf(x - maximum)) }
        let logNormalizer = maximum + Float(log(sum))
        func logprob(_ i: Int) -> Float { logits[i] - logNormalizer }

        // The `top` best, by insertion into a short sorted list (top is at most 100).
        var best: [Int] = []
        if top > 0 {
            best.reserveCapacity(top + 1)
            for i in 0..<logits.count {
                if best.count == top, let last = best.last, logits[i] <= logits[last] { continue }
                var position = best.count
                while position > 0 && logits[best[position - 1]] < logits[i] { position -= 1 }
                best.insert(i, at: position)
                if best.count > top { best.removeLast() }
            }
        }
        let index = Int(id)
        let own = index >= 0 && index < logits.count ? logprob(index) : -.infinity
        return TokenLogprob(id: id, logprob: own,
                            top: best.map { TokenLogprob.Alternative(id: Int32($0), logprob: logprob($0)) })
    }
}
