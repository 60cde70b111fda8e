// Part of the moec project, under the Apache License v2.0 with LLVM Exceptions.
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
// Answers JSON lines {"id", "text"} as `moec-tokenize --jsonl` does, with
// Hugging Face's tokenizers (Node binding): ids, ids_with_bos,
// ids_specials_as_text (the same tokenizer without its added tokens, as the
// test kit's generator computes it), decoded, decoded_skip_special.
//
// usage: node hf_encode.js TOKENIZER.json IN.jsonl OUT.jsonl
// with NODE_PATH pointing at a node_modules that holds `tokenizers`.

const fs = require("fs");
const { Tokenizer } = require("tokenizers");

async function main() {
  const [tokenizerPath, inPath, outPath] = process.argv.slice(2);
  const json = fs.readFileSync(tokenizerPath, "utf8");
  const tok = Tokenizer.fromString(json);
  const plainJson = JSON.parse(json);
  plainJson.added_tokens = [];
  const plain = Tokenizer.fromString(JSON.stringify(plainJson));
  const lines = fs.readFileSync(inPath, "utf8").split("\n").filter((l) => l).map((l) => JSON.parse(l));
  const encode = async (t, text, add) =>
    Array.from((await t.encode(text, null, { addSpecialTokens: add })).getIds());
  const out = [];
  for (const { id, text } of lines) {
    const ids = await encode(tok, text, false);
    out.push(JSON.stringify({
      id, ids, ids_with_bos: await encode(tok, text, true),
      ids_specials_as_text: await encode(plain, text, false),
      decoded: await tok.decode(ids, false), decoded_skip_special: await tok.decode(ids, true),
    }));
  }
  fs.writeFileSync(outPath, out.join("\n") + "\n");
}

main().catch((e) => { console.error(e); process.exit(1); });
