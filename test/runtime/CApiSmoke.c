/*===- CApiSmoke.c - The C API used from C --------------------------------===*/
/*
 * Part of the moec project, under the Apache License v2.0 with LLVM Exceptions.
 * SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
 *
 * Compiled as C (so moec.h must be valid C): opens the fake model
 * (FakeModelArtifact.h) through the C API and checks forward, generate,
 * reset and the error paths. CApiTest.cpp runs it.
 */

#include "moec/moec.h"

#include <stdio.h>
#include <string.h>

int moecCApiSmoke(const char *artifactPath, const char *missingPath,
                  char *error, size_t errorSize);

#define CHECK(condition)                                                       \
  do {                                                                         \
    if (!(condition)) {                                                        \
      snprintf(error, errorSize, "%s:%d: %s (last error: %s)", __FILE__,       \
               __LINE__, #condition, moec_session_last_error(session));        \
      moec_session_close(session);                                             \
      return 1;                                                                \
    }                                                                          \
  } while (0)

static int stopAfterTwo(int64_t token, void *userData) {
  int *count = (int *)userData;
  (void)token;
  return ++*count >= 2;
}

int moecCApiSmoke(const char *artifactPath, const char *missingPath,
                  char *error, size_t errorSize) {
  moec_session *session = NULL;
  float logits[4 * 11];
  int64_t out[16];
  size_t count = 0;
  int calls = 0;
  const int64_t prompt[] = {1, 2, 3};
  const int64_t stopPrompt[] = {2, 7, 1};
  const int64_t badIds[] = {1, 11};
  const int32_t stops[] = {6};
  moec_generate_options options;

  /* Opening failures go to moec_last_error. */
  CHECK(moec_session_open(missingPath, "cpu", &session) == MOEC_NOT_FOUND);
  CHECK(session == NULL);
  CHECK(strstr(moec_last_error(), missingPath) != NULL);
  CHECK(moec_session_open(artifactPath, "cuda", &session) ==
        MOEC_UNIMPLEMENTED);
  CHECK(strstr(moec_last_error(), "device cuda") != NULL);
  CHECK(moec_session_open(artifactPath, "tpu", &session) ==
        MOEC_INVALID_ARGUMENT);
  CHECK(moec_session_open(artifactPath, NULL, &session) == MOEC_OK);
  CHECK(moec_session_vocab_size(session) == 11);
  CHECK(moec_session_context_length(session) == 12);

  /* Forward: one-hot logits at the reference's next token (2 after 1,2,3). */
  CHECK(moec_session_forward(session, prompt, 3, logits, 3 * 11) == MOEC_OK);
  CHECK(logits[2 * 11 + 2] == 1.0f && logits[2 * 11 + 3] == 0.0f);
  CHECK(moec_session_position(session) == 3);
  CHECK(moec_session_forward(session, prompt, 3, logits, 3 * 11 - 1) ==
        MOEC_BUFFER_TOO_SMALL);
  CHECK(moec_session_forward(session, badIds, 2, logits, 2 * 11) ==
        MOEC_INVALID_ARGUMENT);
  CHECK(strstr(moec_session_last_error(session), "token id 11") != NULL);
  CHECK(moec_session_position(session) == 3);

  /* Greedy generation with the defaults (the artifact's eos token). */
  CHECK(moec_session_reset(session) == MOEC_OK);
  CHECK(moec_session_generate(session, prompt, 3, NULL, out, 5, &count) ==
        MOEC_OK);
  CHECK(count == 5 && out[0] == 2 && out[1] == 9 && out[2] == 0 &&
        out[3] == 3 && out[4] == 1);

  /* Explicit options: stop tokens, then a callback that stops early. */
  moec_generate_options_init(&options);
  options.max_new_tokens = 8;
  options.stop_token_ids = stops;
  options.num_stop_token_ids = 1;
  CHECK(moec_session_reset(session) == MOEC_OK);
  CHECK(moec_session_generate(session, stopPrompt, 3, &options, out, 16,
                              &count) == MOEC_OK);
  CHECK(count == 3 && out[0] == 5 && out[1] == 2 && out[2] == 6);
  CHECK(moec_session_generate(session, stopPrompt, 3, &options, out, 4,
                              &count) == MOEC_BUFFER_TOO_SMALL);
  moec_generate_options_init(&options);
  options.on_token = stopAfterTwo;
  options.user_data = &calls;
  CHECK(moec_session_reset(session) == MOEC_OK);
  CHECK(moec_session_generate(session, prompt, 3, &options, out, 16, &count) ==
        MOEC_OK);
  CHECK(count == 2 && calls == 2);

  /* The context holds 12 positions. */
  CHECK(moec_session_reset(session) == MOEC_OK);
  for (int i = 0; i < 4; ++i)
    CHECK(moec_session_forward(session, prompt, 3, logits, 3 * 11) == MOEC_OK);
  CHECK(moec_session_forward(session, prompt, 1, logits, 11) ==
        MOEC_CONTEXT_FULL);
  CHECK(strstr(moec_session_last_error(session), "context full") != NULL);
  CHECK(strcmp(moec_status_name(MOEC_CONTEXT_FULL), "MOEC_CONTEXT_FULL") == 0);

  moec_session_close(session);
  session = NULL;
  /* NULL sessions are errors, not crashes. */
  CHECK(moec_session_reset(NULL) == MOEC_INVALID_ARGUMENT);
  CHECK(strstr(moec_last_error(), "NULL") != NULL);
  CHECK(moec_session_vocab_size(NULL) == 0);
  return 0;
}
