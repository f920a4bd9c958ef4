// Help text for the tool and each command. Kept next to each other so the commands read
// as one reference; each option's line comes from its declaration (`OptionSpec`), the same
// one the parser reads. Documentation/16-Using-the-Library.md shows them in use.

enum Help {
    static let version = "llama-cli 0.1.0 (SwiftLlama)"

    static let tool = """
    llama-cli: run Meta's Llama 3.x models on the CPU from the original checkpoint folder.

    usage: llama-cli <command> [options]
           llama-cli [--model DIR]          an interactive menu of prompts

    commands:
      generate     continue a prompt (or answer it with --chat), streaming the text
      chat         an interactive conversation in the model's chat format
      tokenize     text to token ids (a JSON array)
      detokenize   token ids to text
      info         parameters, sizes and every tensor of a model folder or GGUF file
      quantize     write a GGUF file with Q8_0, Q4_0, Q4_1 or bf16 weights
      trace        every step of one forward pass: shapes, values, statistics
      perplexity   how well the model predicts a text, token by token
      attention    the attention weights of a layer as an SVG picture
      picture      the documentation's diagrams as SVG: the model, attention, RoPE, ...
      help         this text, or `llama-cli help <command>`

    Run `llama-cli <command> --help` for a command's options.
    Exit status: 0 success, 1 error (bad files, bad input), 2 usage mistake.

    """

    static let generate = """
    usage: llama-cli generate [--model DIR] (--prompt TEXT | --prompt-file FILE | --prompt-tokens IDS)
                              [options]

    Continues the prompt, streaming text to stdout as it is generated.

    \(describe(GenerateCommand.specs))

    The demo model is a completion model: give it the start of a text, not a question.

    """

    static let chat = """
    usage: llama-cli chat [--model DIR] [--system TEXT] [options]

    An interactive conversation in the model's chat format (Llama 3's, or ChatML when a
    GGUF file's template says so). Type a message and press Enter; the reply streams
    back. Commands: /reset (forget the conversation),
    /system TEXT (set the system message and reset), /stats (speeds of the last reply),
    /tool TEXT (send a tool's output, with --tools), /help. Ctrl-C stops a reply (a second
    Ctrl-C, or one at the prompt, leaves); Ctrl-D leaves. Lines of at most 64 MiB.

    \(describe(ChatCommand.specs))

    """

    static let tokenize = """
    usage: llama-cli tokenize [--tokenizer FILE | --model DIR] [--text TEXT] [--special] [--bos]

    Prints the token ids of the text as a JSON array. The text is --text, else all of stdin
    (at most 64 MiB; a trailing newline from `echo` is part of it).

    \(describe(TokenizeCommand.tokenizeSpecs))

    """

    static let detokenize = """
    usage: llama-cli detokenize [--tokenizer FILE | --model DIR] [--ids IDS]

    Prints the text of token ids, with nothing added. The ids are --ids 1,2,3, else a JSON
    array on stdin (at most 64 MiB).

    \(describe(TokenizeCommand.detokenizeSpecs))

    """

    static let info = """
    usage: llama-cli info [--model DIR] [--format text|json]

    Parameters and derived sizes, the parameter count, every tensor's name, type and shape,
    file sizes, and the memory the weights and the KV cache need. Reads no weights.

    \(describe(InfoCommand.specs))

    """

    static let quantize = """
    usage: llama-cli quantize [--model DIR|FILE] [--out FILE.gguf] [--type TYPE]

    Writes the model as a GGUF file (the format of llama.cpp) with every matrix as Q8_0,
    blocks of 32 int8 weights sharing one f16 scale, about 1.06 bytes per weight; as Q4_0
    (4-bit levels and a scale, 0.56 bytes) or Q4_1 (4-bit levels, a scale and a minimum,
    0.63 bytes), keeping the embedding table and output head in Q8_0; or as bf16. Norm weights stay f32; the tokenizer goes in as
    tokenizer.ggml.* (a GGUF model's keys are copied). The file runs here with
    --model FILE.gguf and in llama.cpp.

    The file is written beside its final name and renamed into place when complete: an
    error or Ctrl-C leaves any old file as it was. An --out that is one of the model's own
    files (by any path), or that exists and is not a regular file, is refused.

    \(describe(QuantizeCommand.specs))

    """

    static let trace = """
    usage: llama-cli trace [--model DIR] (--prompt TEXT | --prompt-tokens IDS) [--layers N,N,...]
                           [--format text|json] [--threads N]

    Runs the prompt through the model once and shows every step in the order of Meta's
    model.py and under its names: the tokens, tok_embeddings, then per layer
    attention_norm, attention.wq/wk/wv, attention.rope.xq/xk, attention.scores, .mask,
    .softmax, .output, .wo, h, ffn_norm, feed_forward.w1/silu/w3/silu*w3/w2, out; then
    norm, output (the logits) and the 5 most likely next tokens. Each step shows its shape,
    min, max, mean and RMS, and its first values; NaN and infinities print as nan, inf and
    -inf (in JSON as the strings "nan", "inf", "-inf"), with their count. At most 256
    prompt tokens.

    \(describe(TraceCommand.specs))

    """

    static let perplexity = """
    usage: llama-cli perplexity [--model DIR|FILE] (--text-file FILE | --tokens IDS)
                                [--window N] [--format text|json] [--threads N]

    Scores a text the model did not write: each token's log-probability given the tokens
    before it, one token at a time, in windows of N tokens (the first token of each window
    is only context). Prints the perplexity, exp(−mean log-probability), and how often the
    next token is the model's own first choice. Lower perplexity on the same text and
    tokens means better predictions: compare quantizations of one model with it.

    \(describe(PerplexityCommand.specs))

    """

    static let attention = """
    usage: llama-cli attention [--model DIR] (--prompt TEXT | --prompt-tokens IDS) --out FILE.svg
                               [--layer N] [--head H] [--threads N]

    Draws the attention weights (the softmax of one forward pass over the prompt) as heat
    maps in a self-contained SVG file: rows are the tokens that attend, columns the tokens
    they read, labelled with the token text on both axes. One map per head in a grid, or
    one head. At most 256 prompt tokens.

    \(describe(AttentionCommand.specs))

    """

    static let picture = """
    usage: llama-cli picture NAME [--model DIR|FILE | --shape 8b] --out FILE.svg
           llama-cli picture bpe [--tokenizer FILE | --model DIR|FILE] --text WORD --out FILE.svg

    Draws one of the documentation's diagrams as a self-contained SVG file, from the
    model's parameters and the package's own code, so the picture matches both:

      model              every step of the forward pass with its weight and activation shapes
      attention-shapes   attention's shapes: projections, GQA head groups, scores, mask,
                         softmax, mix
      rope               one pair rotating with position; each pair's wavelength before and
                         after Llama 3.1's scaling, measured through the model's own RoPE
      kv-cache           the KV cache's memory layout, keys in blocks of eight positions
      blocks             the bytes of one block of BF16, Q8_0, Q4_0 and Q4_K
      bpe                byte-pair merging of one word, step by step (also printed)

    \(describe(PictureCommand.specs))

    """

    static let menu = """
    usage: llama-cli [--model DIR] [options]

    An interactive menu: model metadata, predefined prompts in text-completion and chat
    mode, and prompts of your own. End of input (Ctrl-D) leaves.

    \(describe(MenuCommand.specs))

    """

    /// The options' lines: the name and the value's placeholder, then the help from the
    /// 26th column (on the next line when the name is longer), its further lines indented as
    /// far.
    static func describe(_ specs: [OptionSpec]) -> String {
        let column = 25
        let indent = String(repeating: " ", count: column)
        return specs.map { spec in
            let label = "  " + spec.name + (spec.value.map { " " + $0 } ?? "")
            let help = spec.help.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
            let first = label.count < column - 1
                ? label + String(repeating: " ", count: column - label.count) + help[0]
                : label + "\n" + indent + help[0]
            return ([first] + help.dropFirst().map { indent + $0 }).joined(separator: "\n")
        }.joined(separator: "\n")
    }

    /// The help text of `command`, or of the tool.
    static func text(for command: String?) -> String {
        switch command {
        case "generate": return generate
        case "chat": return chat
        case "tokenize": return tokenize
        case "detokenize": return detokenize
        case "info": return info
        case "quantize": return quantize
        case "trace": return trace
        case "perplexity": return perplexity
        case "attention": return attention
        case "picture": return picture
        case "menu": return menu
        default: return tool
        }
    }
}
