#!/usr/bin/env python3
"""Reference outputs for the demo model, from Meta's own forward pass, for the Swift tests.

    python3 Scripts/demo/make_reference.py [--llama-models DIR_OR_WHEEL]

Loads Models/demo exactly as shipped (bfloat16 weights, widened to float32 as our
library does) into Meta's llama_models/llama3/model.py (llama-models 0.3.0, fetched with
pip unless --llama-models is given) and writes Tests/Fixtures/demo/reference.json:

  heldout_ids            tiktoken's ids for all of Tests/Fixtures/demo/heldout.txt
                         (the tokenizer configured as Meta's tokenizer.py configures it)
  passage                <|begin_of_text|> + the first 255 held-out ids
  mean_log_likelihood    mean log p(next token) over the passage, from Meta's model
  log_likelihoods        each of those log p(next token), in order (so a test may check a
                         prefix of the passage: a debug build decodes only ~10 tokens/s)
  prompt / greedy        <|begin_of_text|> "The Python interpreter", then 48 greedy tokens
                         decoded with the KV cache as Meta's generation.py does
  greedy_text / margins  their text, and each step's top-1 minus top-2 logit

and Tests/Fixtures/demo/golden-greedy.txt (prompt text + greedy text), the transcript the
documentation shows. It also runs the training script's own model on the same weights
and refuses to write anything if the two forward passes disagree by more than 1e-4.
"""

import argparse
import json
import os
import sys
import tempfile

import torch

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.join(ROOT, "Scripts"))
import make_model_fixtures as fixtures  # noqa: E402
import train_model  # noqa: E402
from tokenizer_file import encoding  # noqa: E402

PROMPT = "The Python interpreter"
GREEDY_TOKENS = 48
PASSAGE_TOKENS = 255


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--llama-models", default=None)
    args = parser.parse_args()
    torch.set_num_threads(1)
    folder = os.path.join(ROOT, "Models/demo")
    with open(os.path.join(folder, "params.json")) as f:
        params = json.load(f)
    state = torch.load(os.path.join(folder, "consolidated.00.pth"), map_location="cpu", weights_only=True)
    enc = encoding()
    bos = enc.encode("<|begin_of_text|>", allowed_special="all")[0]

    with tempfile.TemporaryDirectory() as tmp:
        root = fixtures.locate_llama_models(args.llama_models, tmp)
        model_mod, args_mod = fixtures.import_meta_model(root)
        meta = fixtures.build_reference_model(model_mod, args_mod, params, state, max_seq_len=512, tied=False)

    ours = train_model.Transformer(params, max_length=512)
    ours.load_state_dict({k: v.float() for k, v in state.items()}, strict=True)
    ours.eval()

    with open(os.path.join(ROOT, "Tests/Fixtures/demo/heldout.txt"), encoding="utf-8") as f:
        heldout = f.read()
    heldout_ids = enc.encode(heldout, disallowed_special=())
    passage = [bos] + heldout_ids[:PASSAGE_TOKENS]
    with torch.no_grad():
        meta_logits = meta.forward(torch.tensor([passage]), 0)[0].float()
        our_logits = ours(torch.tensor([passage]))[0].float()
    difference = (meta_logits - our_logits).abs().max().item()
    print(f"training model vs Meta's model.py: max |logit difference| {difference:.2e}")
    if difference > 1e-4:
        sys.exit("the training model and Meta's model disagree; not writing references")
    log_probs = torch.log_softmax(meta_logits, dim=-1)
    targets = torch.tensor(passage[1:])
    per_token = log_probs[:-1].gather(1, targets[:, None])[:, 0]
    mean_log_likelihood = per_token.mean().item()
    ours_mean = torch.log_softmax(our_logits, dim=-1)[:-1].gather(1, targets[:, None]).mean().item()
    print(f"mean log-likelihood on held-out text: {mean_log_likelihood:.4f} (training model {ours_mean:.4f})")

    # Greedy, as generation.py: the prompt at position 0, then one token at a time. (The
    # cache still holds the passage beyond the prompt; every step overwrites its own
    # position before attention reads it, and reads nothing beyond.)
    prompt = [bos] + enc.encode(PROMPT, disallowed_special=())
    greedy, margins = [], []
    with torch.no_grad():
        logits = meta.forward(torch.tensor([prompt]), 0)[0, -1].float()
        position = len(prompt)
        for _ in range(GREEDY_TOKENS):
            top = torch.topk(logits, 2).values
            token = int(torch.argmax(logits))
            greedy.append(token)
            margins.append(float(top[0] - top[1]))
            logits = meta.forward(torch.tensor([[token]]), position)[0, -1].float()
            position += 1
    greedy_text = enc.decode(greedy)
    print(f"{PROMPT}{greedy_text}")
    smallest = min(margins)
    print(f"smallest greedy margin {smallest:.4f}")
    if smallest < 1e-2:
        # float32 sums in a different order could flip a near-tie; Swift's greedy test
        # would then fail for no real reason.
        print("warning: a greedy step is a near-tie (margin < 1e-2)", file=sys.stderr)
    if enc.decode_bytes(greedy).decode("utf-8", errors="strict") != greedy_text:
        sys.exit("the greedy tokens do not decode to whole UTF-8 characters")

    reference = {
        "heldout_ids": heldout_ids,
        "passage": passage,
        "mean_log_likelihood": mean_log_likelihood,
        "log_likelihoods": [round(x, 6) for x in per_token.tolist()],
        "prompt_text": PROMPT,
        "prompt": prompt,
        "greedy": greedy,
        "greedy_text": greedy_text,
        "greedy_margins": [round(m, 5) for m in margins],
    }
    out = os.path.join(ROOT, "Tests/Fixtures/demo")
    with open(os.path.join(out, "reference.json"), "w") as f:
        json.dump(reference, f)
        f.write("\n")
    with open(os.path.join(out, "golden-greedy.txt"), "w", encoding="utf-8") as f:
        f.write(PROMPT + greedy_text)


if __name__ == "__main__":
    main()
