// The model's hyperparameters from params.json, with Meta's defaults and the sizes they
// imply. Explained in Documentation/05-Params-and-Sizes.md.

import Foundation

/// The contents of a Llama 3.x `params.json` (Meta's `ModelArgs`), validated.
///
/// ```json
/// {"dim": 4096, "n_layers": 32, "n_heads": 32, "n_kv_heads": 8, "vocab_size": 128256,
///  "multiple_of": 1024, "ffn_dim_multiplier": 1.3, "norm_eps": 1e-05,
///  "rope_theta": 500000.0, "use_scaled_rope": true}
/// ```
///
/// Absent optional fields take the defaults of Meta's `llama_models/llama3/args.py`
/// (`n_kv_heads` = `n_heads`, `multiple_of` 256, `norm_eps` 1e-5, `rope_theta` 500000,
/// `use_scaled_rope` false, no `ffn_dim_multiplier`); fields we do not use are ignored.
/// `dim`, `n_layers`, `n_heads` and `vocab_size` are required even though `ModelArgs` has
/// defaults for the first three: every shipped `params.json` has them, and guessing 4096
/// for a truncated file would only turn a clear error into a confusing shape mismatch.
public struct ModelParams: Codable, Sendable, Equatable {
    /// The model (residual stream) width: 4096 for 8B, 2048 for 1B, 3072 for 3B.
    public var dim: Int
    /// The number of transformer blocks.
    public var nLayers: Int
    /// The number of query heads.
    public var nHeads: Int
    /// The number of key/value heads (grouped-query attention); `nHeads` when absent.
    public var nKVHeads: Int
    /// The number of tokens in the vocabulary (128,256 for Llama 3).
    public var vocabSize: Int
    /// The FFN hidden size is rounded up to a multiple of this.
    public var multipleOf: Int
    /// Scales the FFN hidden size before rounding (1.3 for 8B, 1.5 for 1B/3B), if present.
    public var ffnDimMultiplier: Double?
    /// The epsilon of RMSNorm.
    public var normEps: Float
    /// The RoPE base frequency.
    public var ropeTheta: Double
    /// Whether RoPE frequencies get Llama 3.1's long-context scaling (`ropeScaling`).
    public var useScaledRope: Bool
    /// The constants of that scaling.
    public var ropeScaling: RopeScaling

    /// Creates parameters, with Meta's defaults for the optional ones. Call `validate()`
    /// before trusting them.
    public init(
        dim: Int, nLayers: Int, nHeads: Int, nKVHeads: Int? = nil, vocabSize: Int,
        multipleOf: Int = 256, ffnDimMultiplier: Double? = nil, normEps: Float = 1e-5,
        ropeTheta: Double = 500_000, useScaledRope: Bool = false,
        ropeScaling: RopeScaling = .llama31
    ) {
        self.dim = dim
        self.nLayers = nLayers
        self.nHeads = nHeads
        self.nKVHeads = nKVHeads ?? nHeads
        self.vocabSize = vocabSize
        self.multipleOf = multipleOf
        self.ffnDimMultiplier = ffnDimMultiplier
        self.normEps = normEps
        self.ropeTheta = ropeTheta
        self.useScaledRope = useScaledRope
        self.ropeScaling = ropeScaling
    }

    /// The width of one attention head: `dim / nHeads` (64 for Llama 3.2 1B, 128 for 3B and 8B).
    public var headDim: Int { dim / nHeads }

    /// The FFN (SwiGLU) hidden size, derived as Meta's `FeedForward.__init__` does:
    /// `h = int(2 * 4 * dim / 3)`, then `h = int(ffn_dim_multiplier * h)` if set, then
    /// rounded up to a multiple of `multiple_of`. 14,336 for 8B, 8,192 for 1B.
    public var ffnHiddenDim: Int {
        // Python's float arithmetic and int() truncation, step by step: the same doubles.
        // doc: ffn-hidden-dim
        var hidden = Int(2 * Double(4 * dim) / 3)
        if let ffnDimMultiplier {
            hidden = Int(ffnDimMultiplier * Double(hidden))
        }
        return multipleOf * ((hidden + multipleOf - 1) / multipleOf)
        // doc: end
    }

    /// Reads and validates `params.json`.
    /// - Throws: `LoaderError.cannotOpen` (missing, unreadable, too large), `.invalidJSON`
    ///   (not JSON, not an object), `.invalidParameter` (a field missing, of the wrong type
    ///   or out of range), each naming the file.
    public static func load(from url: URL) throws -> ModelParams {
        let fileName = url.lastPathComponent
        let file = try MappedFile(url: url)
        // A real params.json is a few hundred bytes; refuse to parse anything huge.
        guard file.byteCount <= Limits.paramsFileBytes else {
            throw LoaderError.cannotOpen(
                file: fileName, reason: "expected at most \(Limits.paramsFileBytes) bytes, found \(file.byteCount)")
        }
        let data = Data(file.bytes)
        do {
            let params = try JSONDecoder().decode(ModelParams.self, from: data)
            try params.validate()
            return params
        } catch let error as LoaderError {
            throw error.naming(file: fileName)
        } catch DecodingError.typeMismatch(_, let context) where context.codingPath.isEmpty {
            throw LoaderError.invalidJSON(file: fileName, reason: "expected an object at the top level")
        } catch DecodingError.dataCorrupted(let context) {
            throw LoaderError.invalidJSON(file: fileName, reason: syntaxError(in: data) ?? context.debugDescription)
        } catch {
            throw LoaderError.invalidJSON(file: fileName, reason: "\(error)")
        }
    }
}

/// Where JSON text goes wrong ("Unexpected end of file", "Invalid value around character
/// 11"): JSONDecoder only says that it does, JSONSerialization says where.
private func syntaxError(in data: Data) -> String? {
    do {
        _ = try JSONSerialization.jsonObject(with: data)
        return nil
    } catch let error as NSError {
        return error.userInfo[NSDebugDescriptionErrorKey] as? String
    }
}

/// The constants of Llama 3.1's RoPE frequency scaling (`apply_scaling` in Meta's
/// `model.py`): frequencies whose wavelength exceeds `originalContextLength /
/// lowFreqFactor` are divided by `factor`, those shorter than `originalContextLength /
/// highFreqFactor` are kept, and those between are blended smoothly.
public struct RopeScaling: Codable, Sendable, Equatable {
    /// How much long wavelengths are stretched (`scale_factor`, 8).
    public var factor: Double
    /// Below this many wavelengths per original context, frequencies are scaled fully (1).
    public var lowFreqFactor: Double
    /// Above this many, frequencies are kept (4).
    public var highFreqFactor: Double
    /// The context length the model was first trained with (`old_context_len`, 8192).
    public var originalContextLength: Int

    /// Creates scaling constants.
    public init(factor: Double, lowFreqFactor: Double, highFreqFactor: Double, originalContextLength: Int) {
        self.factor = factor
        self.lowFreqFactor = lowFreqFactor
        self.highFreqFactor = highFreqFactor
        self.originalContextLength = originalContextLength
    }

    /// Meta's Llama 3.1 constants: factor 8, low 1, high 4, original context 8192.
    public static let llama31 = RopeScaling(factor: 8, lowFreqFactor: 1, highFreqFactor: 4, originalContextLength: 8192)
}

extension LoaderError {
    /// The same error about `file` (decoding knows fields, not the file's name).
    func naming(file: String) -> LoaderError {
        switch self {
        case let .invalidParameter(_, field, expected, found):
            return .invalidParameter(file: file, field: field, expected: expected, found: found)
        case let .invalidJSON(_, reason):
            return .invalidJSON(file: file, reason: reason)
        default:
            return self
        }
    }
}
