// The names of Llama 3's special tokens, in Meta's order (llama_models/llama3/tokenizer.py).
// With a `tokenizer.model` file they take the ids right after the base vocabulary, whatever
// its size; a GGUF vocabulary names its own special tokens.
// Documentation: Documentation/08-Tokenizer.md

enum Llama3SpecialTokens {
    /// How many ids Meta reserves for special tokens (`num_reserved_special_tokens`).
    static let count = 256

    /// The named special tokens, first in Meta's list; reserved placeholders fill the rest.
    static let named = [
        "<|begin_of_text|>",
        "<|end_of_text|>",
        "<|reserved_special_token_0|>",
        "<|reserved_special_token_1|>",
        "<|finetune_right_pad_id|>",
        "<|step_id|>",
        "<|start_header_id|>",
        "<|end_header_id|>",
        "<|eom_id|>",  // end of message: the assistant waits for a tool's result
        "<|eot_id|>",  // end of turn
        "<|python_tag|>",
        "<|image|>",
    ]

    /// All `count` names: `named`, then `<|reserved_special_token_2|>` and onwards.
    /// The special token with index `i` in this list has id `baseVocabularySize + i`.
    static let names: [String] =
        named + (0..<(count - named.count)).map { "<|reserved_special_token_\(2 + $0)|>" }
}
