#!/usr/bin/env python3
"""Writes a 128-token tokenizer of Llama 4's structure for the tiny goldens.

The goldens (test/data/goldens) have a 128-entry vocabulary, so the test
kit's 200k-token tokenizer cannot drive them. This one keeps Llama 4's
structure -- the kit's pre-tokenizer regex, byte-level BPE, special tokens
matched before BPE, the <|begin_of_text|> post-processor, the ByteLevel
decoder and the kit's chat template -- over a vocabulary that fits: the
goldens' bos (1) and eos (2) ids, Llama 4's header and end-of-message
specials, the byte-level spelling of printable ASCII, newline and tab,
and a few merges. Text outside that alphabet has no token.

  make_tiny_tokenizer.py KIT_DIR OUT_DIR   (KIT_DIR: ../shared/tokenizer)
"""
import json
import sys

SPECIALS = ["<|end_of_text|>", "<|begin_of_text|>", "<|eot|>",
            "<|header_start|>", "<|header_end|>", "<|eom|>"]
MERGES = [("Ġ", "t"), ("h", "e"), ("Ġt", "he"), ("i", "n"), ("e", "r"),
          ("Ġ", "a"), ("o", "n"), ("r", "e"), ("Ġ", "s"), ("Ġ", "w"),
          ("e", "s"), ("o", "r"), ("a", "n"), ("Ġ", "c"), ("l", "l"),
          ("Ġ", "h"), ("e", "n"), ("Ġ", "o"), ("Ġ", "i"), ("a", "t"),
          ("Ġ", "b"), ("Ġh", "e"), ("Ġw", "or"), ("l", "d"), ("Ġwor", "ld")]
VOCAB_SIZE = 128


def byte_level(b):
    """GPT-2's byte-to-unicode spelling of one byte."""
    printable = (list(range(ord("!"), ord("~") + 1)) +
                 list(range(ord("¡"), ord("¬") + 1)) +
                 list(range(ord("®"), ord("ÿ") + 1)))
    if b in printable:
        return chr(b)
    n = 0
    for c in range(256):
        if c not in printable:
            if c == b:
                return chr(256 + n)
            n += 1
    raise ValueError(b)


def main(kit, out):
    kit_tokenizer = json.load(open(f"{kit}/tokenizer.json", encoding="utf-8"))
    # The specials are vocabulary entries too: Hugging Face gives an added
    # token the id of its vocabulary entry, and numbers the others after
    # the vocabulary (whatever "id" added_tokens says).
    vocab = {s: i for i, s in enumerate(SPECIALS)}
    for b in [9, 10] + list(range(32, 127)):
        vocab[byte_level(b)] = len(vocab)
    merges = []
    for left, right in MERGES:
        assert left in vocab and right in vocab, (left, right)
        vocab[left + right] = len(vocab)
        merges.append([left, right])
    assert len(vocab) == VOCAB_SIZE, len(vocab)
    added = [{"id": i, "content": s, "single_word": False, "lstrip": False,
              "rstrip": False, "normalized": False, "special": True}
             for i, s in enumerate(SPECIALS)]
    post = kit_tokenizer["post_processor"]
    template = post["processors"][1]
    template["special_tokens"]["<|begin_of_text|>"]["ids"] = [1]
    tokenizer = {
        "version": "1.0", "truncation": None, "padding": None,
        "added_tokens": added, "normalizer": None,
        "pre_tokenizer": kit_tokenizer["pre_tokenizer"],
        "post_processor": post, "decoder": kit_tokenizer["decoder"],
        "model": dict(kit_tokenizer["model"], vocab=vocab, merges=merges),
    }
    with open(f"{out}/tokenizer.json", "w", encoding="utf-8") as f:
        json.dump(tokenizer, f, ensure_ascii=False, indent=1)
        f.write("\n")
    kit_config = json.load(open(f"{kit}/tokenizer_config.json",
                                encoding="utf-8"))
    config = {
        "bos_token": "<|begin_of_text|>", "eos_token": "<|eot|>",
        "pad_token": "<|end_of_text|>", "model_max_length": 4096,
        "tokenizer_class": "PreTrainedTokenizerFast",
        "added_tokens_decoder": {str(t["id"]): {k: v for k, v in t.items()
                                                if k != "id"} for t in added},
        "chat_template": kit_config["chat_template"],
    }
    with open(f"{out}/tokenizer_config.json", "w", encoding="utf-8") as f:
        json.dump(config, f, ensure_ascii=False, indent=1)
        f.write("\n")
    with open(f"{out}/special_tokens_map.json", "w", encoding="utf-8") as f:
        json.dump({"bos_token": "<|begin_of_text|>", "eos_token": "<|eot|>",
                   "pad_token": "<|end_of_text|>"}, f, indent=1)
        f.write("\n")


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
