// Part of the moec project, under the Apache License v2.0 with LLVM Exceptions.
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
// Encoding throughput of Hugging Face's tokenizers (the official Node binding
// of the Rust library) on the corpus of make_corpus.py: one document at a
// time, awaited before the next, so one thread encodes (run.sh also sets
// RAYON_NUM_THREADS=1, TOKENIZERS_PARALLELISM=false, UV_THREADPOOL_SIZE=1).
//
// usage: node hf_bench.js TOKENIZER.json CORPUS.jsonl [MIN_SECONDS]
// with NODE_PATH pointing at a node_modules that holds `tokenizers`.

const fs = require("fs");
const { Tokenizer } = require("tokenizers");

async function main() {
  const [tokenizerPath, corpusPath, minSecondsArg] = process.argv.slice(2);
  const minSeconds = Number(minSecondsArg || 3);
  const loadStart = process.hrtime.bigint();
  const tok = Tokenizer.fromFile(tokenizerPath);
  const loadSeconds = Number(process.hrtime.bigint() - loadStart) / 1e9;
  const documents = fs.readFileSync(corpusPath, "utf8").split("\n")
    .filter((line) => line.length > 0).map((line) => JSON.parse(line));
  const bytes = documents.reduce((n, d) => n + Buffer.byteLength(d, "utf8"), 0);
  let passes = 0, tokens = 0, elapsed = 0;
  const start = process.hrtime.bigint();
  do {
    tokens = 0;
    for (const document of documents) {
      const encoding = await tok.encode(document, null, { addSpecialTokens: false });
      tokens += encoding.getIds().length;
    }
    passes += 1;
    elapsed = Number(process.hrtime.bigint() - start) / 1e9;
  } while (elapsed < minSeconds);
  const megabytes = (bytes * passes) / 1e6;
  console.log(`hf    encode: ${documents.length} documents, ${(bytes / 1e6).toFixed(2)} MB, ` +
    `${tokens} tokens per pass; ${passes} passes in ${elapsed.toFixed(2)} s: ` +
    `${(megabytes / elapsed).toFixed(2)} MB/s (load ${loadSeconds.toFixed(2)} s)`);
}

main().catch((e) => { console.error(e); process.exit(1); });
