// From logits to the next token. Explained in Documentation/13-Output-and-Sampling.md.
//
// A `Sampler` is a chain of small steps: `LogitProcessor`s rewrite the logits one after
// the other, then one `LogitSampler` picks the token. Built from `GenerationParameters`,
// the chain is, each step optional:
//   1. `RepetitionPenalty` on the last `repetitionWindow` tokens (CTRL, Keskar et al. 2019)
//   2. the app's own processors, `GenerationParameters.logitProcessors` (a `LogitBias`, a
//      grammar's mask), in the order given
//   3. at temperature 0, `GreedySampler`: the first most likely token (what `torch.argmax`
//      returns); above 0, `TemperatureSampler`: divide by the temperature, softmax, top-k,
//      then min-p, then Meta's `sample_top_p` (nucleus, Holtzman et al. 2019), and one
//      draw with our own seeded generator
//
// Meta's generation.py does only the temperature, the top-p and the draw; the other steps
// keep their defaults (off) unless asked for, so by default we sample exactly Meta's
// distribution. The steps are public types behind two small protocols (as mlx-swift-lm's
// `LogitProcessor` and `LogitSampler`), so an app adds a step without changing this file.

import Foundation
import LlamaTensor

// MARK: - The two kinds of step

/// A step that rewrites the logits before a token is picked: a penalty, a bias, a mask.
///
/// The sampler hands every processor the same buffer in turn, so each sees what the ones
/// before it left. Setting a logit to `-Float.infinity` rules its token out (leave at least
/// one token finite). A processor runs once per generated token, on a vocabulary-sized
/// buffer, so it should not allocate there: keep scratch storage in a property and reuse it.
///
/// A processor is a value. Every generation starts from the value given in
/// `GenerationParameters.logitProcessors`, and a processor may change its own state from
/// one token to the next (a grammar's position, say). It is `Sendable` because the
/// parameters carry it to the thread that generates.
///
/// ```swift
/// /// Allows only the tokens in `allowed` (a grammar would compute the set per token).
/// struct OnlyThese: LogitProcessor {
///     let allowed: Set<Int32>
///     func process(_ logits: UnsafeMutableBufferPointer<Float>, recentTokens: [Int32]) {
///         for i in logits.indices where !allowed.contains(Int32(i)) { logits[i] = -.infinity }
///     }
/// }
/// ```
public protocol LogitProcessor: Sendable {
    /// Rewrites `logits` in place.
    /// - Parameters:
    ///   - logits: One score per vocabulary entry, as the model and the processors before
    ///     this one left them.
    ///   - recentTokens: The prompt and the tokens generated so far, oldest first.
    mutating func process(_ logits: UnsafeMutableBufferPointer<Float>, recentTokens: [Int32])
}

/// The chain's last step: picks one token from the processed logits.
///
/// A sampler may keep state between calls, such as a random generator, which is why one
/// value serves one generation: its draws then repeat for a given seed.
public protocol LogitSampler: Sendable {
    /// Picks the next token.
    /// - Parameter logits: One score per vocabulary entry, after every processor ran.
    /// - Returns: The chosen token id, an index into `logits`.
    mutating func sample(_ logits: UnsafeBufferPointer<Float>) -> Int32
}

// MARK: - The chain

/// Chooses each next token from the model's logits: the processors in order, then the
/// sampler.
///
/// `Llama` builds one from `GenerationParameters` for every generation. A sampler keeps
/// its steps' state between calls (the random generator among them), so one sampler per
/// generation gives a reproducible sequence for a given seed. Scratch memory is allocated
/// once, at the vocabulary's size, and reused for every token.
///
/// ```swift
/// var sampler = Sampler(processors: [LogitBias([13: 2])],
///                       sampler: TemperatureSampler(temperature: 0.8, topP: 0.9, seed: 1),
///                       vocabularySize: logits.count)
/// let next = logits.withUnsafeBufferPointer { sampler.sample($0, recentTokens: history) }
/// ```
public struct Sampler {
    private var processors: [any LogitProcessor]
    private var sampler: any LogitSampler
    private let vocabularySize: Int
    /// The copy of the logits that the processors rewrite (empty when there are none).
    private var processed: [Float]

    /// The built-in chain for `parameters`: the repetition penalty when it is on, then
    /// `parameters.logitProcessors`, then `GreedySampler` at temperature 0 or
    /// `TemperatureSampler` above it.
    /// - Parameters:
    ///   - parameters: Temperature, truncation, penalty, extra processors and seed.
    ///   - vocabularySize: The length of every logits vector passed to `sample`.
    public init(parameters: GenerationParameters, vocabularySize: Int) {
        var processors: [any LogitProcessor] = []
        if parameters.repetitionPenalty != 1 && parameters.repetitionWindow > 0 {
            processors.append(RepetitionPenalty(penalty: parameters.repetitionPenalty,
                                                window: parameters.repetitionWindow))
        }
        processors += parameters.logitProcessors
        let sampler: any LogitSampler = parameters.temperature == 0
            ? GreedySampler()
            : TemperatureSampler(temperature: parameters.temperature, topK: parameters.topK,
                                 minP: parameters.minP, topP: parameters.topP, seed: parameters.seed)
        self.init(processors: processors, sampler: sampler, vocabularySize: vocabularySize)
    }

    /// A chain of your own steps.
    /// - Parameters:
    ///   - processors: Run in this order on a copy of the logits, for every token.
    ///   - sampler: Picks the token from what the processors left.
    ///   - vocabularySize: The length of every logits vector passed to `sample`.
    public init(processors: [any LogitProcessor] = [], sampler: any LogitSampler, vocabularySize: Int) {
        self.processors = processors
        self.sampler = sampler
        self.vocabularySize = vocabularySize
        self.processed = [Float](repeating: 0, count: processors.isEmpty ? 0 : vocabularySize)
    }

    /// Picks the next token.
    /// - Parameters:
    ///   - logits: One score per vocabulary entry, as the model's output layer wrote them.
    ///   - recentTokens: The prompt and the tokens generated so far; the repetition
    ///     penalty looks at the last `repetitionWindow` of them.
    /// - Returns: The chosen token id.
    public mutating func sample(_ logits: UnsafeBufferPointer<Float>, recentTokens: [Int32]) -> Int32 {
        precondition(logits.count == vocabularySize, "logits length differs from the vocabulary size")
        // With no processor the sampler reads the model's logits as they are. Processors
        // rewrite a copy, so the caller's logits (which log-probabilities are taken from)
        // stay the model's.
        if processors.isEmpty { return sampler.sample(logits) }
        return processed.withUnsafeMutableBufferPointer { buffer in
            _ = buffer.update(fromContentsOf: logits)
            for i in processors.indices { processors[i].process(buffer, recentTokens: recentTokens) }
            return sampler.sample(UnsafeBufferPointer(buffer))
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

// MARK: - Processors

/// CTRL's repetition penalty (Keskar et al. 2019): the logit of each token among the last
/// `window` is divided by `penalty` when positive and multiplied when negative, so either
/// way the token becomes less likely. Each token counts once, however often it appeared.
public struct RepetitionPenalty: LogitProcessor {
    /// Above 1 discourages repeats; 1 changes nothing.
    public let penalty: Float
    /// How many of the most recent tokens are penalized.
    public let window: Int
    /// The tokens already lowered this step (kept between steps so its storage is reused).
    private var penalizedTokens = Set<Int32>()

    /// - Parameters:
    ///   - penalty: Above 1 discourages repeats; 1 changes nothing.
    ///   - window: How many of the most recent tokens are penalized.
    public init(penalty: Float, window: Int) {
        self.penalty = penalty
        self.window = window
    }

    /// Lowers the logits of the last `window` tokens of `recentTokens`.
    public mutating func process(_ logits: UnsafeMutableBufferPointer<Float>, recentTokens: [Int32]) {
        penalizedTokens.removeAll(keepingCapacity: true)
        for id in recentTokens.suffix(window)
        where id >= 0 && Int(id) < logits.count && penalizedTokens.insert(id).inserted {
            let logit = logits[Int(id)]
            logits[Int(id)] = logit > 0 ? logit / penalty : logit * penalty
        }
    }
}

/// Adds a fixed amount to the logits of chosen tokens, as OpenAI's `logit_bias` does: a
/// positive bias favours a token, a negative one discourages it, and `-Float.infinity`
/// bans it.
///
/// ```swift
/// var parameters = GenerationParameters()
/// parameters.logitProcessors = [LogitBias([newline: -.infinity])]  // never a newline
/// ```
public struct LogitBias: LogitProcessor {
    /// What to add to each token's logit, by token id. Ids outside the vocabulary are
    /// ignored.
    public var biases: [Int32: Float]

    /// - Parameter biases: What to add to each token's logit, by token id.
    public init(_ biases: [Int32: Float]) {
        self.biases = biases
    }

    /// Adds each bias to its token's logit.
    public func process(_ logits: UnsafeMutableBufferPointer<Float>, recentTokens: [Int32]) {
        for (id, bias) in biases where id >= 0 && Int(id) < logits.count {
            logits[Int(id)] += bias
        }
    }
}

// MARK: - Samplers

/// Temperature 0: the most likely token, the first one on a tie (as `torch.argmax`).
/// Deterministic, which is what the tests and the transcripts use.
public struct GreedySampler: LogitSampler {
    /// The greedy sampler; it has no settings.
    public init() {}

    /// The index of the first largest logit.
    public func sample(_ logits: UnsafeBufferPointer<Float>) -> Int32 {
        Int32(argmax(logits) ?? 0)
    }
}

/// A random draw from the softmax at a temperature, after optional truncations: top-k,
/// then min-p, then Meta's `sample_top_p`.
///
/// The draw comes from its own seeded `Xoshiro256StarStar`, so a seed repeats a
/// generation exactly. Its scratch memory is sized to the vocabulary on the first call and
/// reused after that.
public struct TemperatureSampler: LogitSampler {
    /// Divides the logits before the softmax: below 1 sharpens, above 1 flattens.
    public let temperature: Float
    /// Keeps only the `topK` most likely tokens; `nil` keeps all.
    public let topK: Int?
    /// Drops tokens below `minP` times the most likely token's probability; `nil` keeps all.
    public let minP: Float?
    /// Keeps the smallest set of most likely tokens whose probabilities add up to `topP`;
    /// 1 keeps all.
    public let topP: Float
    private var generator: Xoshiro256StarStar
    /// The probabilities (not normalized) of the current step.
    private var values: [Float] = []
    /// Token ids still in the running, in no particular order until top-p sorts them.
    private var candidates: [Int32] = []

    /// - Parameters:
    ///   - temperature: Greater than 0 (use `GreedySampler` for 0).
    ///   - topK: Keep only this many most likely tokens; `nil` keeps all.
    ///   - minP: Drop tokens below this fraction of the most likely one's probability.
    ///   - topP: Nucleus sampling's mass, in (0, 1]; 1 keeps everything.
    ///   - seed: Makes the draws repeat; `nil` takes one from the system's random source.
    public init(temperature: Float, topK: Int? = nil, minP: Float? = nil, topP: Float = 1, seed: UInt64? = nil) {
        precondition(temperature.isFinite && temperature > 0, "temperature must be finite and above 0")
        precondition(topK.map { $0 > 0 } ?? true, "top-k must be positive")
        self.temperature = temperature
        self.topK = topK
        self.minP = minP
        self.topP = topP
        var system = SystemRandomNumberGenerator()
        self.generator = Xoshiro256StarStar(seed: seed ?? system.next())
    }

    /// Draws a token from what the truncations keep.
    public mutating func sample(_ logits: UnsafeBufferPointer<Float>) -> Int32 {
        if values.count != logits.count {
            values = [Float](repeating: 0, count: logits.count)
            candidates.reserveCapacity(logits.count)
        }
        // Softmax at the temperature. Subtracting the maximum keeps exp() in range and does
        // not change the result.
        let inverseTemperature = 1 / temperature
        let maximum = logits.max() ?? 0
        for i in 0..<logits.count {
            values[i] = expf((logits[i] - maximum) * inverseTemperature)
        }
        // Normalizing is left to the end: every step below compares probabilities with
        // each other or with a fraction of the kept total, so a common factor cancels.

        candidates.removeAll(keepingCapacity: true)
        if let topK, topK < values.count {
            keepTopK(topK)
        } else {
            for i in 0..<values.count { candidates.append(Int32(i)) }
        }
        if let minP, minP > 0 {
            var largest: Float = 0
            for id in candidates { largest = max(largest, values[Int(id)]) }
            let threshold = minP * largest
            let probabilities = values
            candidates.removeAll { probabilities[Int($0)] < threshold }
        }
        if topP < 1 { keepNucleus(topP) }

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
}
