"""Reading Models/demo/tokenizer.model with tiktoken, configured exactly as Meta's
llama_models/llama3/tokenizer.py configures it: the Llama 3 pattern, and 256 special
tokens numbered after the last rank (<|begin_of_text|> first)."""

import os

import tiktoken
from tiktoken.load import load_tiktoken_bpe

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
PATTERN = (r"(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n]*"
           r"|\s*[\r\n]+|\s+(?!\S)|\s+")
SPECIAL_NAMES = [
    "<|begin_of_text|>", "<|end_of_text|>", "<|reserved_special_token_0|>",
    "<|reserved_special_token_1|>", "<|finetune_right_pad_id|>", "<|step_id|>",
    "<|start_header_id|>", "<|end_header_id|>", "<|eom_id|>", "<|eot_id|>", "<|python_tag|>",
    "<|image|>",
]
SPECIAL_COUNT = 256  # Meta's num_reserved_special_tokens


def encoding(path=None):
    path = path or os.path.join(ROOT, "Models/demo/tokenizer.model")
    ranks = load_tiktoken_bpe(path)
    names = SPECIAL_NAMES + [f"<|reserved_special_token_{2 + i}|>"
                             for i in range(SPECIAL_COUNT - len(SPECIAL_NAMES))]
    special = {name: len(ranks) + i for i, name in enumerate(names)}
    return tiktoken.Encoding(name="demo", pat_str=PATTERN, mergeable_ranks=ranks, special_tokens=special)


def encode_corpus(path):
    with open(path, encoding="utf-8") as f:
        text = f.read()
    return encoding().encode(text, disallowed_special=())
