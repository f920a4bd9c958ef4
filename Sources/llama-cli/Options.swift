// The options that several commands share, each declared once with its help text: the
// parser reads the name and whether a value follows, and `Help` prints the same
// declaration. Options of one command are declared in that command's file.

enum Options {
    static let model = OptionSpec("--model", "DIR|FILE", """
        Meta's checkpoint folder (consolidated.00.pth, params.json,
        tokenizer.model) or a llama GGUF file (F32, F16, BF16, Q8_0, Q4_0,
        Q4_1, Q5_0, Q5_1, Q4_K, Q6_K: Q4_K_M files among them).
        Default: $LLAMA_MODEL, else the demo model Models/demo
        (a tiny completion model trained on Python's docs).
        """)
    static let prompt = OptionSpec("--prompt", "TEXT", "the prompt text (after <|begin_of_text|>, if the model adds one)")
    static let promptTokens = OptionSpec("--prompt-tokens", "IDS",
                                         "raw token ids, comma-separated (works without tokenizer.model)")
    static let threads = OptionSpec("--threads", "N", "worker threads (default: one per core)")
    static let system = OptionSpec("--system", "TEXT", "the system message")
    static let tokenizer = OptionSpec("--tokenizer", "FILE", "a tokenizer.model file")
}
