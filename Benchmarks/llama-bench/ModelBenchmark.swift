// Prefill and decode speed of the whole model, on random weights of a named shape or on a
// model folder, against the measured bandwidth roof.

import Foundation
import LlamaLoader
import LlamaModel
import LlamaTensor

/// Builds models and times them.
enum ModelBenchmark {
    /// The shapes of Meta's released models (random weights, bf16).
    static func params(shape: String) -> ModelParams? {
        switch shape {
        case "tiny":
            return ModelParams(dim: 256, nLayers: 4, nHeads: 8, nKVHeads: 4, vocabSize: 4352, multipleOf: 32)
        case "1b":  // Llama 3.2 1B
            return ModelParams(dim: 2048, nLayers: 16, nHeads: 32, nKVHeads: 8, vocabSize: 128_256,
                               multipleOf: 256, ffnDimMultiplier: 1.5, ropeTheta: 500_000, useScaledRope: true)
        case "3b":  // Llama 3.2 3B
            return ModelParams(dim: 3072, nLayers: 28, nHeads: 24, nKVHeads: 8, vocabSize: 128_256,
                               multipleOf: 256, ffnDimMultiplier: 1.0, ropeTheta: 500_000, useScaledRope: true)
        case "8b":  // Llama 3.1 8B
            return ModelParams(dim: 4096, nLayers: 32, nHeads: 32, nKVHeads: 8, vocabSize: 128_256,
                               multipleOf: 1024, ffnDimMultiplier: 1.3, ropeTheta: 500_000, useScaledRope: true)
        default:
            return nil
        }
    }

    /// Random bf16 weights in memory for `params`; the output is tied to the embeddings for
    /// the 1B and 3B shapes, as in Meta's checkpoints.
    static func randomWeights(_ params: ModelParams, tiedOutput: Bool, pool: ThreadPool) throws -> ModelWeights {
        var tensors: [String: Tensor] = [:]
        func make(_ name: String, _ shape: Shape) {
            let t = Tensor(zeros: shape, dtype: .bf16)
            let raw = t.storage.mutableBaseAddress.assumingMemoryBound(to: UInt16.self)
            let count = shape.elementCount
            let isNorm = shape.rank == 1
            pool.parallelFor(count, granularity: 1 << 16) { range in
                var state = UInt64(truncatingIfNeeded: range.lowerBound &* 2_654_435_761 &+ name.hashValue)
                for i in range {
                    state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
                    let r = UInt16(truncatingIfNeeded: state >> 48)
                    // Norms near 1; matrices small (|w| < 0.03): sign, exponent 0x79-0x7B, mantissa.
                    raw[i] = isNorm ? 0x3F80 | (r & 0x000F) : (r & 0x807F) | 0x3C80 | ((r >> 7) & 0x0100)
                }
            }
            tensors[name] = t
        }
        let dim = params.dim, kv = params.nKVHeads * params.headDim, hidden = params.ffnHiddenDim
        make(CheckpointKeys.tokEmbeddings, [params.vocabSize, dim])
        for i in 0..<params.nLayers {
            let key = CheckpointKeys.layer(i)
            make(key.attentionNorm, [dim]); make(key.ffnNorm, [dim])
            make(key.wq, [dim, dim]); make(key.wk, [kv, dim]); make(key.wv, [kv, dim]); make(key.wo, [dim, dim])
            make(key.w1, [hidden, dim]); make(key.w2, [dim, hidden]); make(key.w3, [hidden, dim])
        }
        make(CheckpointKeys.norm, [dim])
        if !tiedOutput { make(CheckpointKeys.output, [params.vocabSize, dim]) }
        return try ModelWeights(params: params, source: "random weights") { tensors[$0] }
    }

    /// The same weights with every matrix quantized to `dtype` (norms unchanged; with the
    /// 4-bit types the embedding table and output head in Q8_0), as `llama-cli quantize`
    /// would write them; quantized on all cores.
    static func quantized(_ weights: ModelWeights, _ params: ModelParams, to type: GGUFExport.WeightType,
                          pool: ThreadPool) throws -> ModelWeights {
        var tensors: [String: Tensor] = [:]
        for (name, source) in weights.namedTensors {
            guard source.shape.rank == 2 else {
                tensors[name] = source
                continue
            }
            let dtype = type.dtype(for: name)
            let q = Tensor(zeros: source.shape, dtype: dtype)
            let base = q.storage.mutableBaseAddress
            let rowBytes = dtype.byteCount(elements: source.shape[1])
            pool.parallelFor(source.shape[0], granularity: 64) { rows in
                for r in rows {
                    // Cannot fail: the benchmark shapes are whole blocks.
                    try? source[r].encode(as: dtype, into: UnsafeMutableRawBufferPointer(start: base + r * rowBytes, count: rowBytes))
                }
            }
            tensors[name] = q
        }
        return try ModelWeights(params: params, source: "random weights, \(type.rawValue)") { tensors[$0] }
    }

    struct Result: Encodable {
        let model: String
        let threads: Int
        /// The kernels' variant (`InstructionSet.current`).
        var instructionSet = InstructionSet.current.rawValue
        let weightBytesPerToken: Int
        let promptTokens: Int
        let prefillTokensPerSecond: Double
        let decodeTokensPerSecond: Double
        let msPerTokenAtPosition: [String: Double]
        /// The median, over every step of every round, of the step's time at the farthest
        /// position over its time at the nearest, the two taken one after the other.
        let farOverNear: Double
        let effectiveGBps: Double
        let readBandwidthGBps: Double
        let fractionOfBandwidth: Double
        /// The median, over every decode step at the nearest position, of the step's GB/s
        /// over the GB/s of one read of the probe's buffer made right after it: both sides
        /// of each ratio saw the same second of this shared machine.
        let pairedFractionOfBandwidth: Double
        let prefillOverDecode: Double
        let prefillGMACs: Double
        let computeRoofGMACs: Double
        let prefillFractionOfCompute: Double
        let prefillOverDecodeCeiling: Double

        enum CodingKeys: String, CodingKey {
            case model, threads, instructionSet = "instruction_set"
            case weightBytesPerToken = "weight_bytes_per_token"
            case promptTokens = "prompt_tokens"
            case prefillTokensPerSecond = "prefill_tokens_per_second"
            case decodeTokensPerSecond = "decode_tokens_per_second"
            case msPerTokenAtPosition = "ms_per_token_at_position"
            case farOverNear = "far_over_near"
            case effectiveGBps = "effective_gbps"
            case readBandwidthGBps = "read_bandwidth_gbps"
            case fractionOfBandwidth = "fraction_of_bandwidth"
            case pairedFractionOfBandwidth = "paired_fraction_of_bandwidth"
            case prefillOverDecode = "prefill_over_decode"
            case prefillGMACs = "prefill_gmacs"
            case computeRoofGMACs = "compute_roof_gmacs"
            case prefillFractionOfCompute = "prefill_fraction_of_compute"
            case prefillOverDecodeCeiling = "prefill_over_decode_ceiling"
        }
    }

    /// The multiply-adds of a `tokens`-token prefill in the linear layers: every layer's
    /// matrices for every token, and the output matrix for the last token only (the
    /// logits of the others are never computed). Attention's own products are left out;
    /// at 128 tokens they are under 1% of the total.
    static func prefillMultiplyAdds(_ params: ModelParams, tokens: Int) -> Double {
        let dim = params.dim, kv = params.nKVHeads * params.headDim, hidden = params.ffnHiddenDim
        let perLayer = 2 * dim * dim + 2 * kv * dim + 3 * hidden * dim
        return Double(tokens * params.nLayers * perLayer + params.vocabSize * dim)
    }

    /// Times a 128-token prefill and decode steps at each position in `positions`.
    /// Runs `rounds` rounds of: bandwidth, prefill, decode steps at the positions in turn,
    /// bandwidth.
    /// Prefill is also judged against `computeRoof` (see `ComputeRoof`), the rate of
    /// multiply-adds this build can do at all.
    ///
    /// This machine shares its memory with neighbours, and the bandwidth it gets moves by
    /// tens of percent from minute to minute, so one number of each kind would compare a
    /// good minute with a bad one. Each quantity is its best over the rounds (a step's time
    /// is the median of its steps), and the bandwidth roof is measured between the model
    /// runs, so both sides of the ratio saw the same conditions at their best. Where the
    /// speed changes from second to second, even that compares a quiet second (the best
    /// read) with a typical one (a median step); `farOverNear` and
    /// `pairedFractionOfBandwidth` compare measurements taken one right after the other.
    static func run(_ transformer: Transformer, name: String, promptTokens: Int, positions: [Int],
                    stepsPerPosition: Int, rounds: Int, computeRoof: Double,
                    probe: Bandwidth.ReadProbe) throws -> Result {
        let vocabulary = Int32(transformer.vocabularySize)
        let prompt = (0..<promptTokens).map { Int32(($0 * 7919 + 13) % Int(vocabulary)) }
        // Warm-up: touch every weight once.
        try transformer.forward([1], startingAt: 0)
        var bandwidth = 0.0
        var prefillSeconds = Double.infinity
        var msAt: [String: Double] = [:]
        var farOverNear: [Double] = []
        var pairedFractions: [Double] = []
        let bytesPerStep = Double(transformer.weightBytesPerToken)
        let near = positions.min() ?? 0, far = positions.max() ?? 0
        for _ in 0..<max(1, rounds) {
            bandwidth = max(bandwidth, probe.best(repeats: 3))
            transformer.reset()
            let prefillStart = DispatchTime.now().uptimeNanoseconds
            try transformer.forward(prompt, startingAt: 0)
            prefillSeconds = min(prefillSeconds, elapsed(since: prefillStart))
            // The positions take turns step by step, so a slow second on this shared
            // machine slows them alike instead of landing on one position's steps.
            fillCache(transformer.cache, positions: far + stepsPerPosition)
            var steps: [Int: [Double]] = [:]
            for step in 0..<stepsPerPosition {
                for position in positions {
                    transformer.cache.count = position + step
                    let start = DispatchTime.now().uptimeNanoseconds
                    try transformer.forward([Int32(step % Int(vocabulary))], startingAt: position + step)
                    let seconds = elapsed(since: start)
                    steps[position, default: []].append(seconds * 1000)
                    if position == near {
                        pairedFractions.append(bytesPerStep / seconds / 1e9 / probe.read(streams: probe.bestStreams))
                    }
                }
            }
            if let nearTimes = steps[near], let farTimes = steps[far] {
                farOverNear += zip(farTimes, nearTimes).map { $0 / $1 }
            }
            for (position, times) in steps {
                let median = times.sorted()[times.count / 2]
                msAt[String(position), default: .infinity] = min(msAt[String(position), default: .infinity], median)
            }
            bandwidth = max(bandwidth, probe.best(repeats: 3))
        }
        let decodeSeconds = (msAt[String(near)] ?? 0) / 1000
        let decodeRate = decodeSeconds > 0 ? 1 / decodeSeconds : 0
        let prefillRate = Double(promptTokens) / prefillSeconds
        let gbps = Double(transformer.weightBytesPerToken) * decodeRate / 1e9
        let prefillMACs = prefillMultiplyAdds(transformer.params, tokens: promptTokens)
        let prefillGMACs = prefillMACs / prefillSeconds / 1e9
        // The best prefill/decode ratio the two roofs allow: prefill at the compute roof
        // over decode at the bandwidth roof (for a model too big for the caches; the tiny
        // shape decodes from cache, above the bandwidth roof).
        let prefillCeiling = computeRoof * 1e9 / (prefillMACs / Double(promptTokens))
        let decodeCeiling = bandwidth * 1e9 / Double(transformer.weightBytesPerToken)
        return Result(model: name, threads: transformer.pool.threadCount,
                      weightBytesPerToken: transformer.weightBytesPerToken, promptTokens: promptTokens,
                      prefillTokensPerSecond: prefillRate, decodeTokensPerSecond: decodeRate,
                      msPerTokenAtPosition: msAt,
                      farOverNear: farOverNear.isEmpty ? 1 : farOverNear.sorted()[farOverNear.count / 2],
                      effectiveGBps: gbps, readBandwidthGBps: bandwidth,
                      fractionOfBandwidth: gbps / bandwidth,
                      pairedFractionOfBandwidth: pairedFractions.isEmpty ? 0 : pairedFractions.sorted()[pairedFractions.count / 2],
                      prefillOverDecode: prefillRate / max(decodeRate, 1e-9),
                      prefillGMACs: prefillGMACs, computeRoofGMACs: computeRoof,
                      prefillFractionOfCompute: prefillGMACs / computeRoof,
                      prefillOverDecodeCeiling: prefillCeiling / decodeCeiling)
    }

    /// Fills `cache` with arbitrary keys and values up to `positions`, as if that many
    /// tokens had been run: decoding far out is then timed without a long prefill. Setting
    /// `cache.count` afterwards to any position up to `positions` lets decode steps
    /// alternate between near and far positions (each step rewinds or advances the cache).
    static func fillCache(_ cache: KVCache, positions: Int) {
        precondition(positions <= cache.capacity)
        for layer in 0..<cache.layerCount {
            for head in 0..<cache.kvHeadCount {
                let k = cache.keys(layer: layer, head: head), v = cache.values(layer: layer, head: head)
                for i in 0..<(positions * cache.headDim) {
                    k[i] = Float(i % 7) * 0.01
                    v[i] = Float(i % 5) * 0.01
                }
            }
        }
        cache.count = positions
    }

    static func elapsed(since start: UInt64) -> Double {
        Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
    }
}
