// How to choose tokens and when to stop. Explained in Documentation/13-Output-and-Sampling.md.

/// Options for one generation, with Meta's defaults (temperature 0.6, top-p 0.9).
///
/// ```swift
/// var parameters = GenerationParameters()
/// parameters.temperature = 0          // greedy
/// parameters.maxTokens = 64
/// parameters.stopStrings = ["\n\n"]
/// parameters.logitProcessors = [LogitBias([13: -.infinity])]  // an app's own step
/// ```
///
/// Not `Equatable`: `logitProcessors` holds steps of any type, which cannot be compared.
public struct GenerationParameters: Sendable {
    /// The most tokens to generate (the prompt not counted). Default 256.
    public var maxTokens: Int = 256
    /// Divides the logits before sampling; 0 means greedy (always the most likely token).
    public var temperature: Float = 0.6
    /// Nucleus sampling: keep the smallest set of most likely tokens whose probabilities
    /// add up to at least this (Meta's `sample_top_p`); 1 keeps everything.
    public var topP: Float = 0.9
    /// Keep only the `topK` most likely tokens; `nil` keeps all.
    public var topK: Int? = nil
    /// Drop tokens whose probability is below `minP` times the most likely token's;
    /// `nil` keeps all.
    public var minP: Float? = nil
    /// Penalizes tokens already in the prompt or the output (CTRL-style: positive logits
    /// are divided by it, negative ones multiplied); 1 means no penalty.
    public var repetitionPenalty: Float = 1
    /// How many of the most recent tokens the repetition penalty looks at.
    public var repetitionWindow: Int = 64
    /// Seeds the random generator, making sampling repeat exactly; `nil` picks a seed
    /// from the system's random source.
    public var seed: UInt64? = nil
    /// Generation stops when the text contains one of these; the stop string itself is
    /// not emitted.
    public var stopStrings: [String] = []
    /// When set, each generated token reports its log-probability and those of the
    /// `logprobs` most likely alternatives (0: the chosen token's only).
    public var logprobs: Int? = nil
    /// Steps of the app's own that rewrite the logits for every token (a `LogitBias`, a
    /// grammar's mask), run in this order after the repetition penalty and before the
    /// token is picked. See `Sampler` for the whole chain.
    public var logitProcessors: [any LogitProcessor] = []

    /// Meta's defaults.
    public init() {}

    /// Checks every option's range.
    /// - Throws: `ModelError.invalidOption` naming the option, the range and the value.
    public func validate() throws {
        func check(_ ok: Bool, _ name: String, _ expected: String, _ value: Any) throws {
            if !ok { throw ModelError.invalidOption(name: name, expected: expected, found: "\(value)") }
        }
        try check(maxTokens >= 0, "max tokens", "0 or more", maxTokens)
        try check(temperature.isFinite && temperature >= 0, "temperature", "a finite number >= 0", temperature)
        try check(topP.isFinite && topP > 0 && topP <= 1, "top-p", "a number in (0, 1]", topP)
        if let topK { try check(topK > 0, "top-k", "a positive number", topK) }
        if let minP { try check(minP.isFinite && minP >= 0 && minP <= 1, "min-p", "a number in [0, 1]", minP) }
        try check(repetitionPenalty.isFinite && repetitionPenalty > 0, "repeat penalty", "a positive number", repetitionPenalty)
        try check(repetitionWindow >= 0, "repetition window", "0 or more", repetitionWindow)
        if let logprobs { try check(logprobs >= 0 && logprobs <= 100, "logprobs", "0...100", logprobs) }
        try check(!stopStrings.contains(""), "stop", "a non-empty string", "\"\"")
    }
}
