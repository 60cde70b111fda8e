/*===- moec.h - The moec runtime's C API --------------------------*- C -*-===*/
/*
 * Part of the moec project, under the Apache License v2.0 with LLVM Exceptions.
 * SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
 *
 * A C interface to the moec runtime (runtime/Session.h): open a compiled
 * artifact, run forward passes and generations with a KV cache. Every
 * function that can fail returns a moec_status; the message of the last
 * failure is moec_session_last_error(session), or moec_last_error() for
 * moec_session_open and calls given a NULL session. Nothing here aborts or
 * throws on bad input. A session is not thread-safe.
 *
 * Security: an artifact is executable code (moec_session_open loads its
 * shared object into this process); open only artifacts you trust, as you
 * would run a program. The runtime checks the SHA-256 of the artifact and of
 * its packed weights (MOEC_NO_VERIFY_WEIGHTS=1 skips the weights for trusted
 * local files), the CPU's features, the metadata against the ABI the code
 * was compiled for, and that entry symbols lie in the artifact's own code.
 * These catch corruption and accidental edits, not a malicious author: there
 * are no signatures, and whoever writes an artifact can rewrite its hashes.
 */

#ifndef MOEC_MOEC_H
#define MOEC_MOEC_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef enum moec_status {
  MOEC_OK = 0,
  /* A bad argument: a malformed file (or one whose SHA-256 does not match
     what its artifact records), a token id outside the vocabulary,
     bad sampling parameters, an unknown device. */
  MOEC_INVALID_ARGUMENT = 1,
  /* A file or a kernel's entry symbol is missing. */
  MOEC_NOT_FOUND = 2,
  /* The KV cache holds no more positions (moec_session_reset starts over). */
  MOEC_CONTEXT_FULL = 3,
  /* Not available in this build, e.g. the "cuda" device. */
  MOEC_UNIMPLEMENTED = 4,
  /* An output buffer is too small; nothing was run. */
  MOEC_BUFFER_TOO_SMALL = 5,
  /* The artifact cannot run here (kernels for another machine or device). */
  MOEC_FAILED_PRECONDITION = 6,
  /* Anything else: I/O errors, out of memory. */
  MOEC_INTERNAL = 7
} moec_status;

/* An open artifact with the KV cache of one sequence. */
typedef struct moec_session moec_session;

typedef struct moec_generate_options {
  /* New tokens to generate at most (the stop token included). */
  size_t max_new_tokens;
  /* 0: greedy. Otherwise softmax(logits / temperature) sampling. */
  float temperature;
  /* Nucleus mass in (0, 1]; 1 disables top-p. */
  float top_p;
  uint64_t seed;
  /* NULL: the artifact's eos and stop token ids. Otherwise these
     num_stop_token_ids ids (0 of them: no stop tokens). */
  const int32_t *stop_token_ids;
  size_t num_stop_token_ids;
  /* Optional: called with each new token; a non-zero return ends the
     generation after that token. */
  int (*on_token)(int64_t token, void *user_data);
  void *user_data;
} moec_generate_options;

/* Sets the defaults: 16 new tokens, greedy, top_p 1, seed 0, the artifact's
   stop tokens, no callback. */
void moec_generate_options_init(moec_generate_options *options);

/* Opens the artifact at artifact_path (its packed weights beside it) for
   device "cpu" (NULL means "cpu"; "cuda" fails with MOEC_FAILED_PRECONDITION
   without an NVIDIA driver and an sm_90 GPU, else with MOEC_UNIMPLEMENTED in
   this build). On success *out is the session; on failure *out is NULL and
   moec_last_error() says why. */
moec_status moec_session_open(const char *artifact_path, const char *device,
                              moec_session **out);

/* Closes the session (NULL is allowed). */
void moec_session_close(moec_session *session);

/* Empties the KV cache: the next forward starts at position 0. */
moec_status moec_session_reset(moec_session *session);

/* Runs the n ids at the next n positions and writes their logits,
   n * vocab floats row-major, to logits_out (logits_capacity floats).
   MOEC_BUFFER_TOO_SMALL when logits_capacity < n * vocab. */
moec_status moec_session_forward(moec_session *session, const int64_t *ids,
                                 size_t n, float *logits_out,
                                 size_t logits_capacity);

/* Appends the n prompt ids, then generates; writes the new ids to out_ids
   and their number to *out_count. options NULL: the defaults with
   max_new_tokens = out_capacity. MOEC_BUFFER_TOO_SMALL when out_capacity
   < max_new_tokens. */
moec_status moec_session_generate(moec_session *session, const int64_t *prompt,
                                  size_t n,
                                  const moec_generate_options *options,
                                  int64_t *out_ids, size_t out_capacity,
                                  size_t *out_count);

/* The vocabulary size (the number of logits per token); 0 for NULL. */
size_t moec_session_vocab_size(const moec_session *session);

/* Positions already in the KV cache; 0 for NULL. */
size_t moec_session_position(const moec_session *session);

/* Positions the KV cache holds at most; 0 for NULL. */
size_t moec_session_context_length(const moec_session *session);

/* The message of the session's last failure ("" when none); valid until the
   next call with this session. NULL session: moec_last_error(). */
const char *moec_session_last_error(const moec_session *session);

/* The message of this thread's last failure of moec_session_open or of a
   call given a NULL session ("" when none). */
const char *moec_last_error(void);

/* The name of a status, e.g. "MOEC_CONTEXT_FULL". */
const char *moec_status_name(moec_status status);

/*===-- Versions and artifact metadata ------------------------------------===*/

/* This library's moec version, "MAJOR.MINOR.PATCH"; MOEC_VERSION_STRING of
   moec/version.h is the version of the headers a program was built with. */
const char *moec_version(void);

/* The moec version that compiled the session's artifact; "" for NULL. */
const char *moec_session_compiler_version(const moec_session *session);

/* Where the artifact's code runs: "x86_64", "aarch64", "sm_90a", ...;
   "" for NULL. */
const char *moec_session_target(const moec_session *session);

/* The LLVM CPU a CPU artifact was compiled for ("znver4", "x86-64-v3", ...);
   "" when not recorded, for GPU artifacts and for NULL. */
const char *moec_session_cpu(const moec_session *session);

/* The model: decoder layers, hidden width, routed experts per MoE layer
   (0 for a dense model); 0 for NULL. */
size_t moec_session_num_layers(const moec_session *session);
size_t moec_session_hidden_size(const moec_session *session);
size_t moec_session_num_experts(const moec_session *session);

/* The most tokens one moec_session_forward call takes; 0 for NULL. */
size_t moec_session_max_tokens(const moec_session *session);

/*===-- Text: tokenizer, chat template, generation from text -------------===*/

/* A tokenizer (Hugging Face tokenizer.json of Llama 4's kind) and, when its
   tokenizer_config.json has one, its chat template. Immutable: several
   threads may use one at once, except for its last-error message. */
typedef struct moec_tokenizer moec_tokenizer;

/* Opens the tokenizer a compiled artifact carries (moec compile copies the
   checkpoint's tokenizer files into it). MOEC_NOT_FOUND when it carries
   none. The tokenizer does not keep the session. */
moec_status moec_tokenizer_open_from_session(const moec_session *session,
                                             moec_tokenizer **out);

/* Opens path: a tokenizer.json file, or a folder with tokenizer.json (and
   tokenizer_config.json for the chat template). */
moec_status moec_tokenizer_open(const char *path, moec_tokenizer **out);

/* Closes the tokenizer (NULL is allowed). */
void moec_tokenizer_close(moec_tokenizer *tokenizer);

/* The message of the tokenizer's last failure ("" when none). */
const char *moec_tokenizer_last_error(const moec_tokenizer *tokenizer);

/* Encodes length bytes of UTF-8 text (add_special_tokens: Llama 4's
   <|begin_of_text|> first). Writes the ids to out_ids and their number to
   *out_count; MOEC_BUFFER_TOO_SMALL (nothing written, *out_count the
   number needed) when out_capacity is smaller. */
moec_status moec_tokenize(moec_tokenizer *tokenizer, const char *text,
                          size_t length, int add_special_tokens,
                          int64_t *out_ids, size_t out_capacity,
                          size_t *out_count);

/* Decodes n ids to UTF-8 text (skip_special_tokens: leave out <|eot|> and
   the like), NUL-terminated in out (out_capacity bytes); *out_length is the
   text's length without the NUL. MOEC_BUFFER_TOO_SMALL when it does not
   fit (*out_length is still the length needed). */
moec_status moec_detokenize(moec_tokenizer *tokenizer, const int64_t *ids,
                            size_t n, int skip_special_tokens, char *out,
                            size_t out_capacity, size_t *out_length);

/* Incremental decoding of generated ids: each feed returns the text the id
   completes (a character split across tokens comes out once, whole). */
typedef struct moec_detokenizer moec_detokenizer;

moec_status moec_detokenizer_create(moec_tokenizer *tokenizer,
                                    int skip_special_tokens,
                                    moec_detokenizer **out);
/* The text id completes (possibly ""), valid until the next call with this
   detokenizer; *length is its length. NULL for a NULL detokenizer. */
const char *moec_detokenizer_feed(moec_detokenizer *detokenizer, int64_t id,
                                  size_t *length);
/* The held-back bytes of an incomplete character (as U+FFFD); the
   detokenizer is then empty. */
const char *moec_detokenizer_finish(moec_detokenizer *detokenizer,
                                    size_t *length);
void moec_detokenizer_destroy(moec_detokenizer *detokenizer);

/* Renders the chat template for messages_json (a JSON array of
   {"role", "content"} objects) with tools_json (a JSON array, or NULL) and
   add_generation_prompt, as transformers' apply_chat_template does; output
   as moec_detokenize. MOEC_NOT_FOUND when the tokenizer has no chat
   template; MOEC_INVALID_ARGUMENT for bad JSON or a template error (the
   template's raise_exception message included). */
moec_status moec_apply_chat_template(moec_tokenizer *tokenizer,
                                     const char *messages_json,
                                     const char *tools_json,
                                     int add_generation_prompt, char *out,
                                     size_t out_capacity, size_t *out_length);

/* Called with each piece of generated text as it is decoded (special
   tokens left out); a non-zero return ends the generation. */
typedef int (*moec_text_callback)(const char *text, size_t length,
                                  void *user_data);

/* Encodes prompt (UTF-8, add_special_tokens as moec_tokenize), appends it
   to the session's sequence and generates, streaming the text to on_text.
   options NULL: the defaults; its on_token is called too. The tokenizer's
   <|eot|>, <|eom|> and <|end_of_text|> also stop (with the artifact's
   stop ids, unless options name their own). *out_count (may be NULL): the
   number of tokens generated. Failures are reported on the session. */
moec_status moec_session_generate_text(
    moec_session *session, moec_tokenizer *tokenizer, const char *prompt,
    int add_special_tokens, const moec_generate_options *options,
    moec_text_callback on_text, void *user_data, size_t *out_count);

#ifdef __cplusplus
} /* extern "C" */
#endif

#endif /* MOEC_MOEC_H */
