// NaN and infinity in a model: generation stops with an error that names the layer where
// the values first went bad, the cache stays usable, and healthy models are untouched.

import Foundation
import Testing
import TestSupport
import LlamaLoader
import LlamaTensor
@testable import LlamaModel

/// A bf16 GGUF copy of fixture model `fixture`, in a temporary folder.
func ggufCopy(_ fixture: String) throws -> URL {
    let source = try ModelSource(url: ModelFixtures.folderURL(fixture))
    let url = try Fixtures.temporaryFolder("non-finite").appendingPathComponent("\(fixture).gguf")
    try GGUFExport.write(source, tokenizer: nil, as: .bf16, to: url)
    return url
}

/// A bf16 GGUF copy of fixture model `fixture` with `value` written over `elements`
/// (every element when `nil`) of tensor `tensor`, under llama.cpp's name
/// (`blk.1.ffn_down.weight`, `output.weight`, `token_embd.weight`).
func modelWithNonFiniteWeights(_ fixture: String, tensor: String, value: Float,
                               elements: Range<Int>? = nil) throws -> URL {
    let url = try ggufCopy(fixture)
    let (offset, byteWidth, count): (Int, Int, Int) = try {
        let file = try GGUFFile(url: url)
        let info = try #require(file.info(named: tensor), "no \(tensor)")
        let dtype = try #require(info.type.dtype)
        try #require(dtype == .bf16 || dtype == .f32, "\(tensor) is \(dtype)")
        return (file.dataOffset + info.offset, dtype == .bf16 ? 2 : 4, info.shape.elementCount)
    }()
    let range = elements ?? 0..<count
    // bf16 is the top half of an f32, so NaN and the infinities keep their meaning.
    let bits = byteWidth == 2 ? value.bitPattern >> 16 : value.bitPattern
    var bytes = Data()
    for _ in range {
        for k in 0..<byteWidth { bytes.append(UInt8(truncatingIfNeeded: bits >> (8 * k))) }
    }
    let handle = try FileHandle(forWritingTo: url)
    try handle.seek(toOffset: UInt64(offset + range.lowerBound * byteWidth))
    try handle.write(contentsOf: bytes)
    try handle.close()
    return url
}

@Suite("Non-finite logits")
struct NonFiniteLogitsTests {
    static let fixture = "gqa-scaled"

    func llama(_ url: URL, batchSize: Int = 64) throws -> Llama {
        var options = Llama.Options()
        options.contextLength = 64
        options.batchSize = batchSize
        options.preload = false
        return try Llama(model: url, options: options)
    }

    /// Runs the streaming API to its end and returns the error it finished with.
    func streamError(_ llama: Llama, _ prompt: [Int32]) async -> (any Error)? {
        do {
            for try await _ in llama.generate(promptTokens: prompt, parameters: greedy(4)) {}
            return nil
        } catch {
            return error
        }
    }

    /// The fast check agrees with `isFinite` element by element, wherever the bad value
    /// sits (in the unrolled body or the tail) and whatever its kind; the largest finite
    /// floats stay finite (their `x - x` is 0, not an overflow).
    @Test func allFiniteAgreesWithIsFinite() {
        for count in [0, 1, 7, 31, 32, 33, 64, 100, 997] {
            var values = (0..<count).map { Float($0 % 13) - 6 }
            if count > 2 { values[1] = .greatestFiniteMagnitude; values[2] = -.greatestFiniteMagnitude }
            #expect(values.withUnsafeBufferPointer(allFinite), "\(count)")
            for index in 0..<count {
                for bad: Float in [.nan, .infinity, -.infinity, .signalingNaN] {
                    let saved = values[index]
                    values[index] = bad
                    #expect(!values.withUnsafeBufferPointer(allFinite), "\(bad) at \(index) of \(count)")
                    values[index] = saved
                }
            }
        }
    }

    /// NaN in layer 1's `w2` makes every logit NaN; the error names layer 1 and the step,
    /// from the synchronous and the streaming API, whether the prompt runs in one batch or
    /// several, and the observer is left as it was.
    @Test(arguments: [64, 4])
    func nanInALayerNamesThatLayer(batchSize: Int) async throws {
        let reference = try ModelFixtures.reference(Self.fixture)
        let url = try modelWithNonFiniteWeights(Self.fixture, tensor: "blk.1.ffn_down.weight", value: .nan)
        let llama = try llama(url, batchSize: batchSize)
        let expected = ModelError.nonFiniteLogits(position: reference.prompt.count - 1, layer: 1,
                                                  step: "layers.1.feed_forward.w2", found: "997 NaN of 997")
        #expect(throws: expected) {
            try llama.generate(promptTokens: reference.prompt, parameters: greedy(4)) { _ in
                Issue.record("a piece was produced from NaN logits")
                return true
            }
        }
        #expect(llama.transformer.observer == nil)
        #expect(expected.description == "the logits at position 19 are not finite (997 NaN of 997): they start at "
            + "layer 1, in layers.1.feed_forward.w2; check that layer's weights")
        #expect(await streamError(llama, reference.prompt) as? ModelError == expected)
    }

    /// +inf in the output head: every layer and the final norm are finite, so the error
    /// names the output head.
    @Test func infinityInTheOutputHeadNamesTheOutputHead() throws {
        let reference = try ModelFixtures.reference(Self.fixture)
        let url = try modelWithNonFiniteWeights(Self.fixture, tensor: "output.weight", value: .infinity)
        let llama = try llama(url)
        do {
            _ = try llama.generate(promptTokens: reference.prompt, parameters: greedy(4)) { _ in true }
            Issue.record("no error")
        } catch let error as ModelError {
            guard case let .nonFiniteLogits(position, layer, step, _) = error else {
                Issue.record("\(error)")
                return
            }
            #expect(position == reference.prompt.count - 1 && layer == nil && step == "output")
            #expect(error.description.contains("they start in the output head (output)"), "\(error)")
        }
    }

    /// NaN in the embedding row of the first generated token: the prompt runs clean, the
    /// first token is produced, and the decode step that reads the row stops. The cache
    /// keeps only what was good, so the next generation over the same prompt works.
    @Test func nanInAnEmbeddingRowStopsTheDecodeStepAndTheCacheStaysUsable() throws {
        let reference = try ModelFixtures.reference(Self.fixture)
        let first = reference.greedy[0]
        try #require(!reference.prompt.contains(first))
        let dim = 64
        let url = try modelWithNonFiniteWeights(Self.fixture, tensor: "token_embd.weight", value: .nan,
                                                elements: (Int(first) * dim)..<(Int(first) * dim + dim))
        let llama = try llama(url)
        var produced: [Int32] = []
        #expect(throws: ModelError.nonFiniteLogits(position: reference.prompt.count, layer: nil,
                                                   step: "tok_embeddings", found: "997 NaN of 997")) {
            try llama.generate(promptTokens: reference.prompt, parameters: greedy(4)) { piece in
                produced += piece.tokenIDs
                return true
            }
        }
        #expect(produced == [first])

        var again: [Int32] = []
        let summary = try llama.generate(promptTokens: reference.prompt, parameters: greedy(1)) { piece in
            again += piece.tokenIDs
            return true
        }
        #expect(again == [first])
        #expect(summary.prefilledTokens == 1, "the prompt's cached positions are reused")
    }

    /// The same check on a healthy model changes nothing: greedy output is Meta's, from
    /// the checkpoint and from its GGUF copy, through the stream.
    @Test func healthyModelGeneratesAsBefore() async throws {
        let reference = try ModelFixtures.reference(Self.fixture)
        for url in [ModelFixtures.folderURL(Self.fixture),
                    try ggufCopy(Self.fixture)] {
            var ids: [Int32] = []
            for try await event in try llama(url).generate(promptTokens: reference.prompt,
                                                           parameters: greedy(reference.greedy.count)) {
                if case .piece(let piece) = event { ids += piece.tokenIDs }
            }
            #expect(ids == reference.greedy, "\(url.lastPathComponent)")
        }
    }

    /// NaN and each infinity are counted apart and left out of the numbers; a step with no
    /// finite value has NaN statistics, not zeros that would read like data.
    @Test func statisticsCountEachKindOfNonFiniteValue() {
        let mixed = TraceStatistics([1, .nan, .infinity, -.infinity, -.infinity, -2])
        #expect(mixed.min == -2 && mixed.max == 1 && mixed.mean == -0.5)
        #expect(mixed.nanCount == 1 && mixed.infinityCount == 1 && mixed.negativeInfinityCount == 2)
        #expect(mixed.nonFiniteCount == 4)
        let allNaN = TraceStatistics([.nan, .nan])
        #expect(allNaN.min.isNaN && allNaN.max.isNaN && allNaN.mean.isNaN && allNaN.rms.isNaN)
        #expect(allNaN.nanCount == 2)
    }
}
