/* A program outside the moec tree: opens a compiled artifact through the C
 * API of an installed moec, prints what the artifact says about itself and
 * generates greedy tokens from a prompt.
 *
 *   moec-consumer ARTIFACT MAX_NEW_TOKENS ID [ID...]
 *
 * stdout: "generated: a,b,c" (moec-run's format, so a test can compare the
 * two); stderr: the versions and the model's metadata. Exit 1 on failure. */

#include <moec/moec.h>
#include <moec/version.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int parse_id(const char *text, int64_t *out) {
  char *end = NULL;
  long long value = strtoll(text, &end, 10);
  if (end == text || *end != '\0' || value < 0)
    return 0;
  *out = (int64_t)value;
  return 1;
}

static int run(moec_session *session, const int64_t *prompt, size_t n,
               size_t max_new) {
  int64_t *out = calloc(max_new ? max_new : 1, sizeof(int64_t));
  size_t count = 0;
  moec_generate_options options;
  moec_generate_options_init(&options);
  options.max_new_tokens = max_new;
  if (!out) {
    fprintf(stderr, "out of memory\n");
    return 1;
  }
  if (moec_session_generate(session, prompt, n, &options, out, max_new,
                            &count) != MOEC_OK) {
    fprintf(stderr, "generate: %s\n", moec_session_last_error(session));
    free(out);
    return 1;
  }
  printf("generated: ");
  for (size_t i = 0; i < count; ++i)
    printf(i ? ",%lld" : "%lld", (long long)out[i]);
  printf("\n");
  free(out);
  return 0;
}

int main(int argc, char **argv) {
  if (argc < 4) {
    fprintf(stderr, "usage: %s ARTIFACT MAX_NEW_TOKENS ID [ID...]\n", argv[0]);
    return 2;
  }
  /* The headers and the library must be one moec. */
  if (strcmp(moec_version(), MOEC_VERSION_STRING) != 0) {
    fprintf(stderr, "library moec %s, headers moec %s\n", moec_version(),
            MOEC_VERSION_STRING);
    return 1;
  }
  int64_t max_new = 0;
  size_t n = (size_t)(argc - 3);
  int64_t *prompt = calloc(n, sizeof(int64_t));
  if (!prompt || !parse_id(argv[2], &max_new)) {
    fprintf(stderr, "bad MAX_NEW_TOKENS '%s'\n", argv[2]);
    return 2;
  }
  for (size_t i = 0; i < n; ++i)
    if (!parse_id(argv[3 + i], &prompt[i])) {
      fprintf(stderr, "bad token id '%s'\n", argv[3 + i]);
      return 2;
    }

  moec_session *session = NULL;
  if (moec_session_open(argv[1], "cpu", &session) != MOEC_OK) {
    fprintf(stderr, "open: %s\n", moec_last_error());
    free(prompt);
    return 1;
  }
  fprintf(stderr,
          "moec %s; artifact by moec %s for %s (cpu %s): %zu layers, "
          "hidden %zu, %zu experts, vocabulary %zu, up to %zu tokens a "
          "call\n",
          moec_version(), moec_session_compiler_version(session),
          moec_session_target(session), moec_session_cpu(session),
          moec_session_num_layers(session), moec_session_hidden_size(session),
          moec_session_num_experts(session), moec_session_vocab_size(session),
          moec_session_max_tokens(session));
  int status = run(session, prompt, n, (size_t)max_new);
  moec_session_close(session);
  free(prompt);
  return status;
}
