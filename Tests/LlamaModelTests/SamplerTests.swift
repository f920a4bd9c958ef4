// The sampler on hand-made distributions, where the right answer can be worked out on
// paper: which tokens each truncation keeps, and that draws follow the probabilities.

import Foundation
import Testing
@testable import LlamaModel

/// Logits whose softmax (at temperature 1) is exactly `probabilities` (up to rounding).
private func logits(_ probabilities: [Double]) -> [Float] {
    probabilities.map { $0 > 0 ? Float(log($0)) : -Float.infinity }
}

private func parameters(temperature: Float = 1, topP: Float = 1, topK: Int? = nil, minP: Float? = nil,
                        penalty: Float = 1, seed: UInt64 = 7) -> GenerationParameters {
    var p = GenerationParameters()
    p.temperature = temperature
    p.topP = topP
    p.topK = topK
    p.minP = minP
    p.repetitionPenalty = penalty
    p.seed = seed
    return p
}

/// How often each token comes out in `draws` samples.
private func histogram(_ logits: [Float], _ p: GenerationParameters, draws: Int = 20_000,
                       recent: [Int32] = []) -> [Int] {
    var sampler = Sampler(parameters: p, vocabularySize: logits.count)
    var counts = [Int](repeating: 0, count: logits.count)
    logits.withUnsafeBufferPointer { buffer in
        for _ in 0..<draws { counts[Int(sampler.sample(buffer, recentTokens: recent))] += 1 }
    }
    return counts
}

@Suite struct SamplerTests {
    let distribution: [Double] = [0.05, 0.4, 0.1, 0.3, 0.15]

    @Test func greedyTakesTheFirstMaximum() {
        let values: [Float] = [0.5, 2, -1, 2, 1.9]
        var sampler = Sampler(parameters: parameters(temperature: 0), vocabularySize: values.count)
        let chosen = values.withUnsafeBufferPointer { sampler.sample($0, recentTokens: []) }
        #expect(chosen == 1)
    }

    @Test func drawsFollowTheProbabilities() {
        let counts = histogram(logits(distribution), parameters())
        for (count, p) in zip(counts, distribution) {
            // 20,000 draws: the standard deviation of a frequency is below 0.0035.
            #expect(abs(Double(count) / 20_000 - p) < 0.015, "frequency \(count) for p=\(p)")
        }
    }

    @Test func temperatureSharpensAndFlattens() {
        let cold = histogram(logits(distribution), parameters(temperature: 0.25))
        let hot = histogram(logits(distribution), parameters(temperature: 4))
        // p^4 normalized: token 1 gets 0.4^4 / sum ≈ 0.72.
        let sum4 = distribution.map { pow($0, 4) }.reduce(0, +)
        #expect(abs(Double(cold[1]) / 20_000 - pow(0.4, 4) / sum4) < 0.015)
        let sumQuarter = distribution.map { pow($0, 0.25) }.reduce(0, +)
        #expect(abs(Double(hot[0]) / 20_000 - pow(0.05, 0.25) / sumQuarter) < 0.015)
    }

    /// Meta's rule: sorted 0.4, 0.3, 0.15, 0.1, 0.05; a token stays while the mass before
    /// it is at most p. With p = 0.7: 0 before 0.4, 0.4 before 0.3, 0.7 before 0.15 (0.7 is
    /// not > 0.7, so 0.15 stays), 0.85 before 0.1 (dropped).
    @Test func topPKeepsMetasNucleus() {
        let counts = histogram(logits([0.05, 0.4, 0.1, 0.3, 0.15].map { $0 }), parameters(topP: 0.69))
        #expect(counts[0] == 0 && counts[2] == 0 && counts[4] == 0)
        #expect(abs(Double(counts[1]) / 20_000 - 0.4 / 0.7) < 0.015)
        let wider = histogram(logits(distribution), parameters(topP: 0.71))
        #expect(wider[0] == 0 && wider[2] == 0 && wider[4] > 0)
    }

    @Test func topPOnALargeVocabularyMatchesASort() {
        // 20,000 tokens with a long tail, where the threshold shortcut must not lose any
        // member of the nucleus.
        var rng = Xoshiro256StarStar(seed: 3)
        let values = (0..<20_000).map { _ in Float(rng.nextUnitFloat() * 12) }
        let probabilities = values.map { exp(Double($0)) }
        let total = probabilities.reduce(0, +)
        let order = probabilities.indices.sorted { probabilities[$0] > probabilities[$1] }
        var before = 0.0, nucleus = Set<Int>()
        for i in order {
            if before > 0.5 * total { break }
            before += probabilities[i]
            nucleus.insert(i)
        }
        let counts = histogram(values, parameters(topP: 0.5), draws: 1_000)
        for (i, count) in counts.enumerated() where count > 0 {
            #expect(nucleus.contains(i), "token \(i) is outside the nucleus")
        }
        #expect(counts.filter { $0 > 0 }.count > nucleus.count / 3)
    }

    @Test func topKKeepsTheKMostLikely() {
        let counts = histogram(logits(distribution), parameters(topK: 2))
        #expect(counts[0] == 0 && counts[2] == 0 && counts[4] == 0)
        #expect(abs(Double(counts[3]) / 20_000 - 0.3 / 0.7) < 0.015)
    }

    @Test func minPDropsTokensFarBelowTheBest() {
        // Threshold 0.3 * 0.4 = 0.12: 0.05 and 0.1 go, 0.15 stays.
        let counts = histogram(logits(distribution), parameters(minP: 0.3))
        #expect(counts[0] == 0 && counts[2] == 0)
        #expect(counts[4] > 0)
    }

    @Test func repetitionPenaltyLowersRecentTokens() {
        let values: [Float] = [2, 1.9, -1]
        var sampler = Sampler(parameters: parameters(temperature: 0, penalty: 1.2), vocabularySize: 3)
        // Token 0: 2 / 1.2 = 1.67 < 1.9, so greedy moves to token 1.
        let chosen = values.withUnsafeBufferPointer { sampler.sample($0, recentTokens: [0, 0, 0]) }
        #expect(chosen == 1)
        var outside = Sampler(parameters: { var p = parameters(temperature: 0, penalty: 1.2)
                                            p.repetitionWindow = 1; return p }(), vocabularySize: 3)
        // With a window of 1 only the last token (2) is penalized.
        let unchanged = values.withUnsafeBufferPointer { outside.sample($0, recentTokens: [0, 2]) }
        #expect(unchanged == 0)
    }

    @Test func aSeedRepeatsAndDifferentSeedsDiffer() {
        let values = logits(distribution)
        func run(_ seed: UInt64) -> [Int32] {
            var sampler = Sampler(parameters: parameters(seed: seed), vocabularySize: values.count)
            return values.withUnsafeBufferPointer { b in (0..<64).map { _ in sampler.sample(b, recentTokens: []) } }
        }
        #expect(run(11) == run(11))
        #expect(run(11) != run(12))
    }

    @Test func logprobsAreALogSoftmax() {
        let values = logits(distribution)
        let record = values.withUnsafeBufferPointer { Sampler.logprob(of: 2, in: $0, top: 3) }
        #expect(abs(record.logprob - Float(log(0.1))) < 1e-5)
        #expect(record.top.map(\.id) == [1, 3, 4])
        #expect(abs(record.top[0].logprob - Float(log(0.4))) < 1e-5)
        let none = values.withUnsafeBufferPointer { Sampler.logprob(of: 0, in: $0, top: 0) }
        #expect(none.top.isEmpty)
    }

    // MARK: - The chain of steps

    /// Pinned draws with a penalty, every truncation and three seeds. The built-in chain
    /// must keep its steps' order and arithmetic exactly, or a seed would give different
    /// text from one version of the library to the next.
    @Test func builtInChainRepeatsTheSamplersEarlierDraws() {
        var rng = Xoshiro256StarStar(seed: 5)
        let values = (0..<1_000).map { _ in (rng.nextUnitFloat() - 0.5) * 8 }
        var p = parameters(temperature: 0.8, topP: 0.9, topK: 200, minP: 0.01, penalty: 1.3)
        p.repetitionWindow = 16
        let expected: [UInt64: [Int32]] = [
            0: [910, 654, 917, 531, 233, 755, 247, 448, 681, 973, 234, 69, 73, 752, 104, 527],
            7: [752, 899, 743, 553, 801, 681, 304, 234, 597, 650, 828, 319, 125, 915, 959, 910],
            2024: [304, 558, 268, 374, 976, 899, 597, 306, 910, 81, 319, 597, 46, 892, 724, 505],
        ]
        for (seed, tokens) in expected {
            p.seed = seed
            var sampler = Sampler(parameters: p, vocabularySize: values.count)
            var history: [Int32] = [1, 2, 3]
            values.withUnsafeBufferPointer { b in
                for _ in 0..<16 { history.append(sampler.sample(b, recentTokens: history)) }
            }
            #expect(Array(history.dropFirst(3)) == tokens, "seed \(seed)")
        }
    }

    @Test func logitBiasFavoursAndBans() {
        let values: [Float] = [0.5, 2, -1, 2, 1.9]
        func greedy(_ biases: [Int32: Float]) -> Int32 {
            var p = parameters(temperature: 0)
            p.logitProcessors = [LogitBias(biases)]
            var sampler = Sampler(parameters: p, vocabularySize: values.count)
            return values.withUnsafeBufferPointer { sampler.sample($0, recentTokens: []) }
        }
        #expect(greedy([:]) == 1)
        #expect(greedy([1: -.infinity]) == 3)               // banned: the tie's other token
        #expect(greedy([1: -.infinity, 3: -.infinity]) == 4)
        #expect(greedy([0: 1.6]) == 0)                      // 0.5 + 1.6 = 2.1 beats 2
        #expect(greedy([-1: 10, 5: 10]) == 1)               // ids outside the vocabulary are ignored
        // Sampled, a banned token is never drawn and the others keep their proportions.
        var p = parameters()
        p.logitProcessors = [LogitBias([1: -.infinity])]
        let counts = histogram(logits(distribution), p)
        #expect(counts[1] == 0)
        #expect(abs(Double(counts[3]) / 20_000 - 0.3 / 0.6) < 0.015)
    }

    /// The app's processors run after the repetition penalty, in the order given.
    @Test func processorsRunAfterThePenaltyInOrder() {
        let values: [Float] = [2, 1.9, -1]
        var p = parameters(temperature: 0, penalty: 1.2)
        p.logitProcessors = [LogitBias([0: 0.25])]
        var sampler = Sampler(parameters: p, vocabularySize: 3)
        // Penalty first: 2 / 1.2 + 0.25 = 1.92 > 1.9, token 0. (Bias first would give
        // 2.25 / 1.2 = 1.875, token 1.)
        #expect(values.withUnsafeBufferPointer { sampler.sample($0, recentTokens: [0]) } == 0)

        // A bias, then a ban of everything below 3: the ban sees the biased logit (in the
        // other order every token is banned, and greedy falls back to token 0).
        var chained = Sampler(processors: [LogitBias([2: 5]), Ban(below: 3)], sampler: GreedySampler(),
                              vocabularySize: 3)
        #expect(values.withUnsafeBufferPointer { chained.sample($0, recentTokens: []) } == 2)
    }

    /// A step of one's own, with state kept from token to token, and a sampler of one's own.
    @Test func customStepsComposeWithoutChangingSampler() {
        let flat = [Float](repeating: 0, count: 6)
        var sampler = Sampler(processors: [NoRepeats()], sampler: LastMaximum(), vocabularySize: flat.count)
        var history: [Int32] = [5]  // the prompt
        flat.withUnsafeBufferPointer { b in
            for _ in 0..<5 { history.append(sampler.sample(b, recentTokens: history)) }
        }
        // The last maximum each time, never one generated before; the prompt's 5 is allowed.
        #expect(history == [5, 5, 4, 3, 2, 1])
    }

    @Test func temperatureSamplerAloneMatchesTheParametersChain() {
        let values = logits(distribution)
        let p = parameters(temperature: 0.7, topP: 0.8, topK: 4, minP: 0.1, seed: 3)
        var fromParameters = Sampler(parameters: p, vocabularySize: values.count)
        var direct = TemperatureSampler(temperature: 0.7, topK: 4, minP: 0.1, topP: 0.8, seed: 3)
        values.withUnsafeBufferPointer { b in
            for _ in 0..<200 { #expect(fromParameters.sample(b, recentTokens: []) == direct.sample(b)) }
        }
    }

    /// xoshiro256** seeded through SplitMix64 from 0 (whose first output is the
    /// well-known 0xE220A8397B1DCDAF): the first outputs, worked out with a separate Python
    /// transcription of the authors' reference C code.
    @Test func generatorMatchesTheReferenceAlgorithm() {
        var generator = Xoshiro256StarStar(seed: 0)
        #expect((0..<3).map { _ in generator.next() } == [0x99EC_5F36_CB75_F2B4, 0xBF6E_1F78_4956_452A, 0x1A5F_849D_4933_E6E0])
        for _ in 0..<1000 {
            let u = generator.nextUnitFloat()
            #expect(u >= 0 && u < 1)
        }
    }
}

/// Sets every logit below `below` to minus infinity.
private struct Ban: LogitProcessor {
    let below: Float
    func process(_ logits: UnsafeMutableBufferPointer<Float>, recentTokens: [Int32]) {
        for i in logits.indices where logits[i] < below { logits[i] = -.infinity }
    }
}

/// Bans the tokens generated so far, remembering where the prompt ended on its first call.
private struct NoRepeats: LogitProcessor {
    private var promptLength: Int?
    mutating func process(_ logits: UnsafeMutableBufferPointer<Float>, recentTokens: [Int32]) {
        let start = promptLength ?? recentTokens.count
        promptLength = start
        for id in recentTokens[start...] where Int(id) < logits.count { logits[Int(id)] = -.infinity }
    }
}

/// Greedy, but the last of equal maxima (unlike `GreedySampler`).
private struct LastMaximum: LogitSampler {
    func sample(_ logits: UnsafeBufferPointer<Float>) -> Int32 {
        Int32(logits.indices.last { logits[$0] == logits.max() } ?? 0)
    }
}
