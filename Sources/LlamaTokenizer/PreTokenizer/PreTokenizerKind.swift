// Which split pattern a vocabulary was trained with. GGUF names it in `tokenizer.ggml.pre`;
// llama.cpp maps each name to a list of regular expressions (llama-vocab.cpp), and the
// names below are the ones whose expressions are the patterns implemented here.
// Documentation: Documentation/08-Tokenizer.md

/// The pre-tokenizer: how text is cut into pieces before byte-pair merging.
public enum PreTokenizerKind: String, Sendable, CaseIterable {
    /// Llama 3's pattern (Meta's `pat_str`, run by tiktoken): contractions in any case,
    /// numbers in groups of up to three digits, line breaks kept with what precedes them.
    case llama3 = "llama-bpe"
    /// GPT-2's pattern: `'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+`.
    case gpt2 = "gpt-2"
    /// Every digit on its own, then GPT-2's pattern between them (SmolLM, StarCoder):
    /// Hugging Face's `Digits(individual_digits=True)` before `ByteLevel`.
    case smollm = "smollm"

    /// The kind a GGUF `tokenizer.ggml.pre` value names, or nil for a pattern not
    /// implemented here. Names that llama.cpp maps to the same expressions are accepted.
    /// - Parameter name: the value of `tokenizer.ggml.pre`.
    public init?(ggufName name: String) {
        switch name {
        case "llama-bpe", "llama3", "llama-v3", "dbrx", "smaug-bpe":
            self = .llama3
        case "gpt-2", "gpt2", "mpt", "olmo", "jais":
            self = .gpt2
        case "smollm", "starcoder", "refact", "command-r", "codeshell", "exaone", "minerva-7b":
            self = .smollm
        default:
            return nil
        }
    }
}

/// Anything that hands out the pieces of a text as byte ranges.
protocol PieceSequence {
    /// The byte range of the next piece, or nil at the end of the text.
    mutating func next() -> Range<Int>?
}

extension PreTokenizer: PieceSequence {}
