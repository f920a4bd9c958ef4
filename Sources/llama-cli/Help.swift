// Help text for the tool and each command. Kept next to each other so the options read
// as one reference; Documentation/16-Using-the-Library.md shows them in use.

enum Help {
    static let version = "llama-cli 0.1.0 (SwiftLlama)"

    static let modelOption = """
      --model DIR|FILE       Meta's checkpoint folder (consolidated.00.pth, params.json,
                             tokenizer.model) or a llama GGUF file (F32, F16, BF16, Q8_0, Q4_0,
                             Q4_1, Q5_0, Q5_1, Q4_K, Q6_K: Q4_K_M files among them).
                             Default: $LLAMA_MODEL, else the demo model Models/demo
                             (a tiny completion model trained on Python's docs).
    """

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

    static let generationOptions = """
      --max-tokens N         the most tokens to generate (default 256)
      --temperature T        0 = greedy, always the most likely token (default 0.6)
      --top-p P              keep the most likely tokens up to mass P (default 0.9)
      --top-k K              keep only the K most likely tokens (default: off)
      --min-p P              drop tokens below P x the best one's probability (default: off)
      --repeat-penalty R     penalize the last 64 tokens, CTRL-style (default 1 = off)
      --seed N               make sampling repeat exactly
      --stop STRING          stop when the text contains STRING (repeatable)
      --threads N            worker threads (default: one per core)
      --context N            KV cache positions, prompt plus output (default 8192)
    """

    static let generate = """
    usage: llama-cli generate [--model DIR] (--prompt TEXT | --prompt-file FILE | --prompt-tokens IDS)
                              [options]

    Continues the prompt, streaming text to stdout as it is generated.

    \(modelOption)
      --prompt TEXT          the prompt text (after <|begin_of_text|>, if the model adds one)
      --prompt-file FILE     read the prompt from FILE ('-' for stdin; at most 64 MiB)
      --prompt-tokens IDS    raw token ids, comma-separated (works without tokenizer.model)
      --chat                 wrap the prompt as a user message in the model's chat format
      --system TEXT          with --chat: a system message first
    \(generationOptions)
      --format text|json     text: the continuation as it streams (default);
                             json: one line per token {"id": 791, "text": "The"},
                             then {"stats": {...}}
      --logprobs N           json: each token's log-probability and the N most likely
      --stats                text: print token counts and speeds to stderr
      --prompt-cache FILE    resume after the prompt state saved in FILE (the prompt must
                             start with its tokens), or, when FILE does not exist, save the
                             prompt's state there for the next run

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

    \(modelOption)
      --system TEXT          the system message
      --tools FILE           tools the model may call (Llama 3.1): a JSON array of
                             definitions {"name", "description", "parameters": JSON schema}
                             and built-in names ("brave_search", "wolfram_alpha",
                             "code_interpreter"). A reply that calls one is shown as
                             [tool call NAME ARGS]; send the result with /tool TEXT
      --format text|json     text: replies as they stream (default); json: one line per
                             token, {"tool_call": {"name", "arguments"}} for a call, then
                             {"stats": {...}} after each reply
      --prompt-cache FILE    resume after the opening messages saved in FILE, or, when
                             FILE does not exist, save them there after the first reply
    \(generationOptions)

    """

    static let tokenize = """
    usage: llama-cli tokenize [--tokenizer FILE | --model DIR] [--text TEXT] [--special] [--bos]

    Prints the token ids of the text as a JSON array. The text is --text, else all of stdin
    (at most 64 MiB; a trailing newline from `echo` is part of it).

      --tokenizer FILE       a tokenizer.model file
    \(modelOption)
      --text TEXT            the text (default: stdin)
      --special              read special-token strings such as <|eot_id|> as those tokens
                             (default: they are plain text)
      --bos                  put <|begin_of_text|> first

    """

    static let detokenize = """
    usage: llama-cli detokenize [--tokenizer FILE | --model DIR] [--ids IDS]

    Prints the text of token ids, with nothing added. The ids are --ids 1,2,3, else a JSON
    array on stdin (at most 64 MiB).

      --tokenizer FILE       a tokenizer.model file
    \(modelOption)
      --ids IDS              comma-separated token ids (default: a JSON array on stdin)

    """

    static let info = """
    usage: llama-cli info [--model DIR] [--format text|json]

    Parameters and derived sizes, the parameter count, every tensor's name, type and shape,
    file sizes, and the memory the weights and the KV cache need. Reads no weights.

    \(modelOption)
      --format text|json     default text

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

    \(modelOption)
      --out FILE.gguf        where to write (default: <model name>-<type>.gguf here)
      --type TYPE            q8_0 (default), q4_0, q4_1 or bf16

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

    \(modelOption)
      --prompt TEXT          the prompt text (after <|begin_of_text|>, if the model adds one)
      --prompt-tokens IDS    raw token ids, comma-separated (works without tokenizer.model)
      --layers N,N,...       only these layers (default: all)
      --format text|json     text: for reading (default); json: one object per line per step
      --threads N            worker threads (default: one per core)

    """

    static let perplexity = """
    usage: llama-cli perplexity [--model DIR|FILE] (--text-file FILE | --tokens IDS)
                                [--window N] [--format text|json] [--threads N]

    Scores a text the model did not write: each token's log-probability given the tokens
    before it, one token at a time, in windows of N tokens (the first token of each window
    is only context). Prints the perplexity, exp(−mean log-probability), and how often the
    next token is the model's own first choice. Lower perplexity on the same text and
    tokens means better predictions: compare quantizations of one model with it.

    \(modelOption)
      --text-file FILE       the text (tokenized as a prompt, <|begin_of_text|> first if the
                             model adds one)
      --tokens IDS           the text as token ids, comma-separated
      --window N             tokens per window (default 512)
      --format text|json     text: one line (default); json: one line per scored token
                             {"position", "id", "logprob", "best", "best_logprob"}, then
                             {"perplexity": {...}}
      --threads N            worker threads (default: one per core)

    """

    static let attention = """
    usage: llama-cli attention [--model DIR] (--prompt TEXT | --prompt-tokens IDS) --out FILE.svg
                               [--layer N] [--head H] [--threads N]

    Draws the attention weights (the softmax of one forward pass over the prompt) as heat
    maps in a self-contained SVG file: rows are the tokens that attend, columns the tokens
    they read, labelled with the token text on both axes. One map per head in a grid, or
    one head. At most 256 prompt tokens.

    \(modelOption)
      --prompt TEXT          the prompt text (after <|begin_of_text|>, if the model adds one)
      --prompt-tokens IDS    raw token ids, comma-separated
      --out FILE.svg         where to write the picture (atomically; never over an input)
      --layer N              which layer (default 0)
      --head H               only this head (default: every head of the layer)
      --threads N            worker threads (default: one per core)

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

    \(modelOption)
      --shape 8b             Llama 3.1 8B's parameters instead of a model (model,
                             attention-shapes, rope)
      --tokenizer FILE       bpe: a tokenizer.model file (default: the model's tokenizer)
      --text WORD            bpe: the word to merge (one pre-tokenizer piece, e.g. " tokenization")
      --out FILE.svg         where to write the picture (atomically; never over an input)

    """

    static let menu = """
    usage: llama-cli [--model DIR] [options]

    An interactive menu: model metadata, predefined prompts in text-completion and chat
    mode, and prompts of your own. End of input (Ctrl-D) leaves.

    \(modelOption)
    \(generationOptions)

    """

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
