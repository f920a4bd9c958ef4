// The public face of the library: load a model folder, generate text, chat.
// Explained in Documentation/16-Using-the-Library.md.

import Foundation
import LlamaLoader
import LlamaTensor
import LlamaTokenizer

/// A Llama model ready to generate: the weights of a model folder or GGUF file, its
/// tokenizer and a KV cache.
///
/// ```swift
/// import LlamaModel
///
/// let llama = try Llama(model: URL(fileURLWithPath: "Llama3.2-1B"))
/// var parameters = GenerationParameters()
/// parameters.temperature = 0
/// for try await event in llama.generate(prompt: "The capital of France is", parameters: parameters) {
///     if case .piece(let piece) = event { print(piece.text, terminator: "") }
/// }
/// ```
///
/// One generation runs at a time; concurrent calls wait for each other and run in the order
/// they were made (a stream's place is taken when `generate` is called). When a new prompt
/// starts with tokens already in the KV cache (the earlier turns of a chat), only the new
/// tokens are run.
public final class Llama: @unchecked Sendable {
    // @unchecked Sendable: all mutable state is guarded by `queue` (one request at a time).

    /// How to prepare the model.
    public struct Options: Sendable, Equatable {
        /// The most positions (prompt plus output) held in the KV cache. Default 8192.
        public var contextLength: Int = 8192
        /// Worker threads; `nil` means one per active processor.
        public var threadCount: Int? = nil
        /// The most prompt tokens run in one batch of matrix products.
        public var batchSize: Int = 64
        /// Read every weight once while loading (with progress), so the first tokens do
        /// not wait on the disk.
        public var preload: Bool = true

        /// The defaults.
        public init() {}
    }

    /// Progress of loading: a fraction in 0...1 and what is being done.
    public typealias ProgressHandler = @Sendable (_ fraction: Double, _ stage: String) -> Void

    /// Where the model came from: params and weights of a folder or a GGUF file.
    public let source: ModelSource
    /// The tokenizer, or `nil` when the model has none (no `tokenizer.model` in the folder)
    /// or its vocabulary cannot be used (`tokenizerError` says why); then only token ids
    /// can be given and `GeneratedPiece.text` stays empty.
    public let tokenizer: Tokenizer?
    /// Why the model's vocabulary cannot be used, or nil. A model whose tokenizer fails to
    /// load still runs from token ids; only what needs text reports this error.
    public let tokenizerError: TokenizerError?
    /// The layout of chat prompts: Llama 3's for a model folder; for a GGUF file, the one
    /// its `tokenizer.chat_template` writes (Llama 3's when it has no template but has
    /// Llama 3's header tokens). Nil when it is neither.
    public let chatStyle: ChatFormat.Style?
    /// The transformer and its KV cache that `generate` and `chat` use.
    package var transformer: Transformer { conversation.transformer }
    /// The KV cache of `generate` and `chat` and the tokens it holds (guarded by `queue`).
    let conversation: Conversation
    /// How the model was prepared (for the transformers of `ChatSession`s).
    let options: Options
    /// Seconds spent loading.
    public let loadSeconds: Double

    /// Requests run one at a time, in the order they were made.
    let queue = RequestQueue()

    /// Loads a model: Meta's folder (`consolidated.00.pth`, `params.json`, and usually
    /// `tokenizer.model`) or a `.gguf` file (see `ModelSource`).
    /// - Throws: `LoaderError` for a missing or bad file, `TokenizerError` for a bad
    ///   tokenizer, `ModelError` for bad options.
    public init(model url: URL, options: Options = Options(), progress: ProgressHandler? = nil) throws {
        let start = DispatchTime.now().uptimeNanoseconds
        progress?(0, "opening \(url.lastPathComponent)")
        source = try ModelSource(url: url)
        do {
            tokenizer = try source.loadTokenizer()
            tokenizerError = nil
        } catch let error as TokenizerError {
            tokenizer = nil
            tokenizerError = error
        }
        chatStyle = source.chatStyle(tokenizer: tokenizer)
        if let tokenizer, tokenizer.vocabularySize > source.params.vocabSize {
            throw ModelError.tokenizerMismatch(tokenizerSize: tokenizer.vocabularySize,
                                               vocabularySize: source.params.vocabSize)
        }
        self.options = options
        conversation = Conversation(try Transformer(weights: source.weights, params: source.params,
                                                    contextLength: options.contextLength,
                                                    threadCount: options.threadCount, batchSize: options.batchSize))
        if options.preload {
            Self.preload(source.weightsFile, progress: progress)
        }
        progress?(1, "loaded")
        loadSeconds = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
    }

    /// Loads a model off the caller's thread: `init(model:options:progress:)` on a thread
    /// of its own, so an app's main actor (or a cooperative thread) never waits on the disk.
    ///
    /// ```swift
    /// let llama = try await Llama.load(model: url) { fraction, stage in print(fraction, stage) }
    /// ```
    /// - Throws: What `init(model:options:progress:)` throws.
    public static func load(model url: URL, options: Options = Options(),
                            progress: ProgressHandler? = nil) async throws -> Llama {
        try await withCheckedThrowingContinuation { continuation in
            let thread = Thread {
                continuation.resume(with: Result { try Llama(model: url, options: options, progress: progress) })
            }
            thread.stackSize = 1 << 22
            thread.start()
        }
    }

    /// Touches every page of the checkpoint once, in order, so the operating system reads
    /// it from disk now (sequentially, with read-ahead) rather than during the first tokens.
    private static func preload(_ file: MappedFile, progress: ProgressHandler?) {
        let bytes = file.bytes
        guard let base = bytes.baseAddress, bytes.count > 0 else { return }
        file.advise(.sequential)
        let page = 4096, reportEvery = max(page, bytes.count / 100)
        var checksum: UInt8 = 0
        var offset = 0, nextReport = reportEvery
        while offset < bytes.count {
            checksum &+= base.load(fromByteOffset: offset, as: UInt8.self)
            offset += page
            if offset >= nextReport {
                progress?(Double(min(offset, bytes.count)) / Double(bytes.count), "reading weights")
                nextReport += reportEvery
            }
        }
        file.advise(.normal)
        // Keep the reads observable so they are not optimized away.
        if checksum == 0x5A { _ = checksum.nonzeroBitCount }
    }

    /// The hyperparameters.
    public var params: ModelParams { source.params }

    // MARK: - Prompts

    /// The token ids of a completion prompt: `<|begin_of_text|>` (when the vocabulary
    /// adds one) then the text, with special-token look-alikes in the text treated as
    /// plain text.
    /// - Throws: `ModelError.noTokenizer` when the model has no tokenizer, the
    ///   `TokenizerError` that kept its vocabulary from loading.
    public func promptTokens(for text: String) throws -> [Int32] {
        let tokenizer = try requireTokenizer()
        return tokenizer.encode(text, bos: tokenizer.addsBeginOfText)
    }

    /// The token ids of a dialog in the model's chat format (`chatStyle`), ending with the
    /// open assistant header.
    /// - Throws: what `chatFormat()` throws.
    public func promptTokens(for messages: [ChatFormat.Message]) throws -> [Int32] {
        try chatFormat().encodeDialogPrompt(messages)
    }

    /// The model's chat format.
    /// - Throws: `ModelError.noTokenizer` or the tokenizer's error, as `promptTokens`;
    ///   `ModelError.unknownChatTemplate` when the model's template is neither Llama 3's
    ///   nor ChatML; `TokenizerError.missingSpecialToken` when the vocabulary lacks a token
    ///   of the format.
    public func chatFormat() throws -> ChatFormat {
        let tokenizer = try requireTokenizer()
        guard let chatStyle else {
            throw ModelError.unknownChatTemplate(file: source.url.lastPathComponent, template: source.chatTemplate)
        }
        return try ChatFormat(tokenizer: tokenizer, style: chatStyle)
    }

    /// The tokenizer, or the reason there is none.
    private func requireTokenizer() throws -> Tokenizer {
        if let tokenizer { return tokenizer }
        if let tokenizerError { throw tokenizerError }
        throw ModelError.noTokenizer(folder: source.url.path)
    }


    // MARK: - Streams

    /// Generates a continuation of `prompt` as a stream of pieces and a final summary.
    /// Cancelling the consuming task stops the generation, even during a long prompt, and
    /// the stream still ends with `.finished` (reason `.cancelled`); see `GenerationStream`.
    public func generate(prompt: String, parameters: GenerationParameters = GenerationParameters())
        -> GenerationStream {
        stream(parameters: parameters, in: conversation) { try self.promptTokens(for: prompt) }
    }

    /// Generates from raw token ids (for models without a tokenizer, or a prompt made
    /// elsewhere). The ids are used as given: add `<|begin_of_text|>` yourself.
    public func generate(promptTokens: [Int32], parameters: GenerationParameters = GenerationParameters())
        -> GenerationStream {
        stream(parameters: parameters, in: conversation) { promptTokens }
    }

    /// Generates the assistant's reply to a dialog in the model's chat format.
    public func chat(_ messages: [ChatFormat.Message], parameters: GenerationParameters = GenerationParameters())
        -> GenerationStream {
        stream(parameters: parameters, in: conversation) { try self.promptTokens(for: messages) }
    }

    /// A stream over a generation in `conversation`'s cache, run on a thread of its own when
    /// this request's turn comes; `finished` sees the summary (and the text generated)
    /// before the stream ends, still in turn, and returns events to send before `.finished`.
    func stream(parameters: GenerationParameters, in conversation: Conversation,
                finished: (@Sendable (GenerationSummary, String) -> [GenerationEvent])? = nil,
                _ tokens: @escaping @Sendable () throws -> [Int32]) -> GenerationStream {
        let channel = GenerationStream.Channel()
        // The place in line is taken now, in the caller's order, not when the thread starts.
        let ticket = queue.take()
        // A dedicated thread: generation is long CPU-bound work that would otherwise
        // hold one of Swift concurrency's few cooperative threads.
        let thread = Thread {
            do {
                self.queue.wait(for: ticket)
                defer { self.queue.done() }
                var text = ""
                let summary = try self.generateInTurn(in: conversation, promptTokens: tokens(), parameters: parameters,
                                                      isCancelled: { channel.isStopRequested }) { piece in
                    text += piece.text
                    channel.send(.piece(piece))
                    return !channel.isStopRequested
                }
                for event in finished?(summary, text) ?? [] { channel.send(event) }
                channel.send(.finished(summary))
                channel.finish()
            } catch {
                channel.finish(throwing: error)
            }
        }
        thread.stackSize = 1 << 22
        thread.start()
        return GenerationStream(channel: channel)
    }

    // MARK: - The generation loop

    /// Generates synchronously, calling `onPiece` for every token as it is produced.
    ///
    /// - Parameters:
    ///   - promptTokens: The prompt, exactly as the model should see it.
    ///   - parameters: Sampling and stopping options.
    ///   - isCancelled: Asked between the prompt's batches and layers: `true` stops the
    ///     prefill within one layer (finish reason `.cancelled`, no tokens generated), and
    ///     the cache keeps the prompt's batches that finished, so the next call with the same
    ///     prompt runs only the rest. (`{ Task.isCancelled }` ties it to the calling task.)
    ///   - onPiece: Receives each piece; return `false` to stop (finish reason
    ///     `.cancelled`).
    /// - Returns: Counts, speeds and why it ended.
    /// - Throws: `ModelError` for bad options, an empty prompt, out-of-range ids, a
    ///   prompt that does not fit in the context, or logits that are NaN or infinite
    ///   (`.nonFiniteLogits`, naming the layer where they start). The KV cache stays
    ///   usable after any of these.
    public func generate(promptTokens: [Int32], parameters: GenerationParameters,
                         isCancelled: (() -> Bool)? = nil,
                         onPiece: (GeneratedPiece) throws -> Bool) throws -> GenerationSummary {
        try queue.run {
            try generateInTurn(in: conversation, promptTokens: promptTokens, parameters: parameters,
                               isCancelled: isCancelled, onPiece: onPiece)
        }
    }

    /// `generate` in `conversation`'s cache, once this request's turn has come. A request
    /// cancelled while it waited runs nothing: it ends at once as `.cancelled`, and the cache
    /// is untouched.
    func generateInTurn(in conversation: Conversation, promptTokens: [Int32], parameters: GenerationParameters,
                                isCancelled: (() -> Bool)?,
                                onPiece: (GeneratedPiece) throws -> Bool) throws -> GenerationSummary {
        if isCancelled?() == true {
            return GenerationSummary(promptTokens: promptTokens.count, prefilledTokens: 0, generatedTokens: 0,
                                     prefillSeconds: 0, decodeSeconds: 0, finishReason: .cancelled, decodeSteps: 0)
        }
        try parameters.validate()
        guard !promptTokens.isEmpty else { throw ModelError.emptyInput }
        for id in promptTokens where id < 0 || Int(id) >= params.vocabSize {
            throw ModelError.tokenOutOfRange(id: id, vocabularySize: params.vocabSize)
        }
        guard promptTokens.count <= conversation.transformer.contextLength else {
            throw ModelError.contextFull(requested: promptTokens.count, capacity: conversation.transformer.contextLength)
        }

        // Prefill: run only what the cache does not already hold (at least one token, to
        // get fresh logits).
        let reused = min(commonPrefixLength(conversation.cachedTokens, promptTokens), promptTokens.count - 1)
        let prefillStart = DispatchTime.now().uptimeNanoseconds
        conversation.keepPrefix(reused)
        var logits: UnsafeBufferPointer<Float>
        do {
            logits = try forwardChecked(Array(promptTokens[reused...]), startingAt: reused, in: conversation.transformer,
                                    isCancelled: isCancelled)
        } catch ModelError.cancelled(let position) {
            conversation.cachedTokens = Array(promptTokens[..<position])
            conversation.runSeconds += seconds(since: prefillStart)
            return GenerationSummary(promptTokens: promptTokens.count, prefilledTokens: position - reused,
                                     generatedTokens: 0, prefillSeconds: seconds(since: prefillStart),
                                     decodeSeconds: 0, finishReason: .cancelled, decodeSteps: 0)
        }
        conversation.cachedTokens = promptTokens
        let prefillSeconds = seconds(since: prefillStart)
        conversation.runSeconds += prefillSeconds

        let decodeStart = DispatchTime.now().uptimeNanoseconds
        // A checkpoint may pad its output layer past the tokenizer's last id; those rows
        // were never trained and have no text, so they are never sampled.
        let samplable = min(tokenizer?.vocabularySize ?? params.vocabSize, params.vocabSize)
        var sampler = Sampler(parameters: parameters, vocabularySize: samplable)
        var history = promptTokens
        var textDecoder = tokenizer.map { StreamingTextDecoder(tokenizer: $0) }
        var stopMatcher = StopStringMatcher(parameters.stopStrings)
        let stopTokens = tokenizer?.stopTokens ?? []
        var generated = 0, decodeSteps = 0
        var reason = FinishReason.length
        var stopToken: Int32? = nil
        var stoppedByString = false

        generation: while true {
            if generated >= parameters.maxTokens { reason = .length; break }
            let next = sampler.sample(UnsafeBufferPointer(rebasing: logits[..<samplable]), recentTokens: history)
            if stopTokens.contains(next) { reason = .stop; stopToken = next; break }
            generated += 1
            history.append(next)
            let logprobs = parameters.logprobs.map { [Sampler.logprob(of: next, in: logits, top: $0)] }
            let text = try textDecoder?.append(next) ?? ""
            let (release, hitStopString) = stopMatcher.append(text)
            guard try onPiece(GeneratedPiece(text: release, tokenIDs: [next], logprobs: logprobs)) else {
                reason = .cancelled
                break
            }
            if hitStopString { reason = .stop; stoppedByString = true; break generation }
            if conversation.transformer.position >= conversation.transformer.contextLength { reason = .context; break }
            if generated >= parameters.maxTokens { reason = .length; break }
            logits = try forwardChecked([next], startingAt: conversation.transformer.position, in: conversation.transformer)
            conversation.cachedTokens.append(next)
            decodeSteps += 1
        }
        // Text still held back (an unfinished character, a partial stop string) ends the
        // output, unless a stop string cut it off or the caller stopped listening.
        if !stoppedByString && reason != .cancelled {
            let (release, hit) = stopMatcher.append(textDecoder?.finish() ?? "")
            let rest = hit ? release : release + stopMatcher.flush()
            if hit { reason = .stop }
            if !rest.isEmpty {
                _ = try onPiece(GeneratedPiece(text: rest, tokenIDs: []))
            }
        }
        return GenerationSummary(promptTokens: promptTokens.count, prefilledTokens: promptTokens.count - reused,
                                 generatedTokens: generated, prefillSeconds: prefillSeconds,
                                 decodeSeconds: seconds(since: decodeStart), finishReason: reason,
                                 decodeSteps: decodeSteps, stopToken: stopToken)
    }

    /// Runs `tokens` and returns their logits, checked for NaN and infinity.
    ///
    /// A NaN or infinite logit cannot be sampled meaningfully (the sampler would pick an
    /// arbitrary token and the output would be garbage), so the step stops with an error
    /// that names where the values first went bad. The check is one pass over the
    /// vocabulary per step; the search for the step that went bad runs only when it fails.
    /// On failure `cachedTokens` still ends before `tokens` (callers update it after this
    /// returns), so the next generation runs those positions again.
    /// - Throws: What `Transformer.forward` throws; `ModelError.nonFiniteLogits`.
    func forwardChecked(_ tokens: [Int32], startingAt start: Int, in transformer: Transformer,
                        isCancelled: (() -> Bool)? = nil) throws -> UnsafeBufferPointer<Float> {
        let logits = try transformer.forward(tokens, startingAt: start, isCancelled: isCancelled)
        guard allFinite(logits) else {
            throw try transformer.nonFiniteLogitsError(logits, rerunning: tokens, startingAt: start)
        }
        return logits
    }

    /// Forgets the KV cache (a new conversation).
    public func reset() {
        queue.run {
            conversation.reset()
        }
    }
}

private func commonPrefixLength(_ a: [Int32], _ b: [Int32]) -> Int {
    var n = 0
    while n < a.count && n < b.count && a[n] == b[n] { n += 1 }
    return n
}

private func seconds(since start: UInt64) -> Double {
    Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
}
