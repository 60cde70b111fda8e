/* An example consumer of `moec emit-kernel moe-layer ... --name=example_moe`:
   random bf16 activations and router, random FP8 (e4m3, row-wise scales) or
   bf16 expert and shared-expert weights (the header's EXAMPLE_MOE_FP8);
   one launch of the whole layer; the output compared with a
   double-precision reference that applies the same rounding steps (FP8:
   x * score and the SwiGLU output quantized per token to e4m3; bf16: both
   rounded to bf16; bf16 wherever the kernels store bf16), plus a random
   residual
   added in the combine kernel (rounded as the unfused layer rounds it).
   The token count picks the prefill or the decode (swap-AB) GEMMs; the
   summary line says which ran. The launch is also captured into a CUDA
   graph and replayed: the replay must match the eager output bit for bit.

   usage: moe_layer_example [TOKENS] [seed] [routing] [REPS] [residual]
     routing: uniform (default) or skewed (every token prefers expert 0, a
     few the last expert: empty experts and one large segment)
     REPS > 0: also time REPS launches of the whole layer (CUDA events,
     median after warm-up) and check only the first 8 tokens (the float64
     reference of a full-size layer is slow)
     residual: residual (default) or none (no residual pointer)
   exit status 0 when the relative L2 error is within 2e-2 (FP8) or 5e-3
   (bf16) and every output element was written. */

#include "example_moe.h"

#define EXAMPLE_NAME "moe_layer_example"
#include "example_util.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define E EXAMPLE_MOE_EXPERTS
#define H EXAMPLE_MOE_HIDDEN
#define I EXAMPLE_MOE_INTER
#define FP8 EXAMPLE_MOE_FP8
/* Bytes of a weight element, and the relative L2 bound. */
#define WB EXAMPLE_MOE_ELEMENT_BYTES
#define BOUND (FP8 ? 2e-2 : 5e-3)

static double round_bf16(double v) { return from_bf16(to_bf16(v)); }

/* Round to the nearest e4m3 value (ties to even), saturating at 448. */
static double round_e4m3(double v) {
  double a = fabs(v), step, r;
  int e;
  if (a >= 448.0)
    return v < 0 ? -448.0 : 448.0;
  if (a < ldexp(1.0, -6)) {
    step = ldexp(1.0, -9); /* subnormals */
  } else {
    frexp(a, &e); /* a = f * 2^e, f in [0.5, 1) */
    step = ldexp(1.0, e - 1 - 3);
  }
  r = rint(a / step) * step;
  if (r > 448.0)
    r = 448.0;
  return v < 0 ? -r : r;
}

/* Quantizes the row v[n] * multiplier as the kernels do, in float: amax
   of the scaled row, scale = amax / 448 (1 for a zero row), each value
   multiplied by multiplier * (1 / scale) and rounded to e4m3; v receives
   the dequantized values. The reciprocal matters: a bf16 value divided by
   a bf16 amax / 448 often lands exactly on an e4m3 rounding tie, which the
   kernels' product rounds to either side (the emulator showed 1e-2 errors
   from such ties with a dividing reference). */
static void fake_quantize(double *v, int n, float multiplier) {
  float amax = 0.0f, scale, factor;
  int i;
  for (i = 0; i < n; ++i)
    amax = fmaxf(amax, fabsf((float)v[i] * multiplier));
  scale = amax > 0.0f ? fmaxf(amax, 1e-12f) / 448.0f : 1.0f;
  factor = multiplier * (1.0f / scale);
  for (i = 0; i < n; ++i)
    v[i] = round_e4m3((double)((float)v[i] * factor)) * scale;
}

/* What the layer stores between its GEMMs, from v[n] * multiplier: FP8
   quantizes per row, bf16 rounds each float product. */
static void round_activations(double *v, int n, float multiplier) {
  int i;
  if (FP8) {
    fake_quantize(v, n, multiplier);
    return;
  }
  for (i = 0; i < n; ++i)
    v[i] = round_bf16((double)((float)v[i] * multiplier));
}

/* FP8: random e4m3 codes of magnitude 1/4..4 and random row scales around
   `scale`; bf16: values of the same magnitudes (the scales stay 1, unused).
   Past 64 MiB the values repeat (Maverick's experts hold 16 GB; fresh
   random bytes for all of them would take the host a minute). */
static void make_weights(unsigned char *codes, float *scales, size_t rows,
                         size_t cols, double scale) {
  size_t count = rows * cols, fresh = count < (64u << 20) ? count : (64u << 20);
  size_t i;
  for (i = 0; i < rows; ++i)
    scales[i] = FP8 ? (float)(scale * (1.0 + 0.5 * uniform())) : 1.0f;
  for (i = 0; i < fresh; ++i) {
    unsigned int bits;
    unsigned char code;
    rng_state = rng_state * 6364136223846793005ULL + 1442695040888963407ULL;
    bits = (unsigned int)(rng_state >> 33);
    code = (unsigned char)(((bits & 1) << 7) | ((5 + (bits >> 1) % 4) << 3) |
                           ((bits >> 8) & 7));
    if (FP8) {
      codes[i] = code;
    } else {
      unsigned short value = to_bf16(from_e4m3(code) * scale);
      memcpy(codes + 2 * i, &value, 2);
    }
  }
  for (i = fresh; i < count; i += fresh)
    memcpy(codes + WB * i, codes, WB * (count - i < fresh ? count - i : fresh));
}

static double weight(const unsigned char *codes, const float *scales,
                     size_t row, size_t col, size_t cols) {
  unsigned short value;
  if (FP8)
    return from_e4m3(codes[row * cols + col]) * scales[row];
  memcpy(&value, codes + 2 * (row * cols + col), 2);
  return from_bf16(value);
}

static double silu(double x) { return x / (1.0 + exp(-x)); }

/* One SwiGLU expert on the already quantized input a[H]: out[H] (bf16). */
static void expert(const double *a, const unsigned char *w13, const float *s13,
                   const unsigned char *w2, const float *s2, double *out) {
  static double h[I];
  int j, c, k;
  for (j = 0; j < I; ++j) {
    double g = 0.0, u = 0.0;
    for (k = 0; k < H; ++k) {
      g += a[k] * weight(w13, s13, j, k, H);
      u += a[k] * weight(w13, s13, I + j, k, H);
    }
    h[j] = round_bf16(silu(g) * u);
  }
  round_activations(h, I, 1.0f);
  for (c = 0; c < H; ++c) {
    double y = 0.0;
    for (k = 0; k < I; ++k)
      y += h[k] * weight(w2, s2, c, k, I);
    out[c] = round_bf16(y);
  }
}

static int compare_floats(const void *a, const void *b) {
  float x = *(const float *)a, y = *(const float *)b;
  return (x > y) - (x < y);
}

/* The device buffers of one layer launch. */
typedef struct {
  CUdeviceptr x, router, w13, s13, w2, s2, sw13, ss13, sw2, ss2, residual, out,
      work;
  int tokens;
} layer_args;

static CUresult launch_layer(const example_moe_kernel *k, const layer_args *a,
                             CUstream stream) {
  return example_moe_launch(k, a->x, a->router, a->w13, a->s13, a->w2, a->s2,
                            a->sw13, a->ss13, a->sw2, a->ss2, a->residual,
                            a->out, a->tokens, a->work, stream);
}

/* Median time of `reps` launches of the whole layer (after 3 warm-ups),
   with FLOPs (routed + shared expert) and the bytes of expert weights a
   token batch touches at least (one expert per token, at most E). */
static int time_layer(const example_moe_kernel *k, const layer_args *a,
                      int reps) {
  CUevent start, stop;
  float *times = malloc(sizeof(float) * (size_t)reps), ms;
  double flops = 2.0 * 2 * a->tokens * (3.0 * H * I), experts, bytes;
  int r;
  if (check(cuEventCreate(&start, 0), "cuEventCreate") ||
      check(cuEventCreate(&stop, 0), "cuEventCreate"))
    return 1;
  for (r = -3; r < reps; ++r) {
    if (check(cuEventRecord(start, 0), "cuEventRecord") ||
        check(launch_layer(k, a, 0), "example_moe_launch") ||
        check(cuEventRecord(stop, 0), "cuEventRecord") ||
        check(cuEventSynchronize(stop), "the layer") ||
        check(cuEventElapsedTime(&ms, start, stop), "cuEventElapsedTime"))
      return 1;
    if (r >= 0)
      times[r] = ms;
  }
  qsort(times, (size_t)reps, sizeof(float), compare_floats);
  ms = times[reps / 2];
  experts = a->tokens < E ? a->tokens : E;
  bytes = (experts + 1) * 3.0 * H * I;
  printf("example_moe E=%d H=%d I=%d T=%d: %.4f ms median of %d, %.1f "
         "TFLOP/s, %.0f GB/s of expert weights (at least %.0f experts "
         "touched)\n",
         E, H, I, a->tokens, ms, reps, flops / (ms * 1e-3) / 1e12,
         bytes / (ms * 1e-3) / 1e9, experts + 1);
  free(times);
  return 0;
}

/* The launch captured into a CUDA graph and replayed on a poisoned output:
   capture fails if the sequence synchronizes with the host, and the replay
   must reproduce the eager output bit for bit (a row's result does not
   depend on where its expert's atomic cursor placed it). */
static int replay_as_graph(const example_moe_kernel *k, const layer_args *a,
                           const unsigned short *eager) {
  size_t bytes = 2 * (size_t)a->tokens * H;
  unsigned short *replayed = malloc(bytes);
  CUstream stream;
  CUgraph graph;
  CUgraphExec exec;
  if (check(cuStreamCreate(&stream, CU_STREAM_NON_BLOCKING),
            "cuStreamCreate") ||
      check(cuMemsetD8(a->out, 0xFF, bytes), "cuMemsetD8") ||
      check(cuStreamBeginCapture(stream, CU_STREAM_CAPTURE_MODE_THREAD_LOCAL),
            "cuStreamBeginCapture") ||
      check(launch_layer(k, a, stream), "example_moe_launch (captured)") ||
      check(cuStreamEndCapture(stream, &graph), "cuStreamEndCapture") ||
      check(cuGraphInstantiate(&exec, graph, 0), "cuGraphInstantiate") ||
      check(cuGraphLaunch(exec, stream), "cuGraphLaunch") ||
      check(cuStreamSynchronize(stream), "the graph") ||
      check(cuMemcpyDtoH(replayed, a->out, bytes), "cuMemcpyDtoH"))
    return 1;
  if (memcmp(replayed, eager, bytes) != 0) {
    fprintf(stderr, "moe_layer_example: the CUDA graph replay differs from "
                    "the eager launch\n");
    return 1;
  }
  cuGraphExecDestroy(exec);
  cuGraphDestroy(graph);
  cuStreamDestroy(stream);
  free(replayed);
  return 0;
}

static int upload(const void *host, size_t bytes, CUdeviceptr *device) {
  return check(cuMemAlloc(device, bytes), "cuMemAlloc") ||
         check(cuMemcpyHtoD(*device, host, bytes), "cuMemcpyHtoD");
}

/* The layer's inputs and weights on the host. */
typedef struct {
  int tokens, skewed, with_residual;
  unsigned short *x, *router, *residual;
  unsigned char *w13, *w2, *sw13, *sw2;
  float *s13, *s2, *ss13, *ss2;
} host_layer;

/* Random bf16 activations, residual and router; skewed routing pushes every
   token to expert 0 (channel 0) and about a third of them to expert E - 1
   (channel 1): experts 1..E-2 stay empty. */
static void make_inputs(host_layer *h) {
  size_t count = (size_t)h->tokens * H, i;
  int t;
  h->x = malloc(2 * count);
  h->residual = malloc(2 * count);
  h->router = malloc(2 * (size_t)E * H);
  for (i = 0; i < count; ++i)
    h->x[i] = to_bf16(uniform());
  for (i = 0; i < count; ++i)
    h->residual[i] = h->with_residual ? to_bf16(4.0 * uniform()) : 0;
  for (i = 0; i < (size_t)E * H; ++i)
    h->router[i] = to_bf16(0.05 * uniform());
  if (!h->skewed)
    return;
  h->router[0] = to_bf16(1.0);
  h->router[(size_t)(E - 1) * H + 1] = to_bf16(1.0);
  for (t = 0; t < h->tokens; ++t) {
    h->x[(size_t)t * H] = to_bf16(4.0);
    h->x[(size_t)t * H + 1] = to_bf16(8.0 * uniform() + 2.0);
  }
}

static void make_layer_weights(host_layer *h) {
  h->w13 = malloc((size_t)WB * E * 2 * I * H);
  h->w2 = malloc((size_t)WB * E * H * I);
  h->sw13 = malloc((size_t)WB * 2 * I * H);
  h->sw2 = malloc((size_t)WB * H * I);
  h->s13 = malloc(sizeof(float) * E * 2 * I);
  h->s2 = malloc(sizeof(float) * E * H);
  h->ss13 = malloc(sizeof(float) * 2 * I);
  h->ss2 = malloc(sizeof(float) * H);
  make_weights(h->w13, h->s13, (size_t)E * 2 * I, H, 0.01);
  make_weights(h->w2, h->s2, (size_t)E * H, I, 0.01);
  make_weights(h->sw13, h->ss13, (size_t)2 * I, H, 0.01);
  make_weights(h->sw2, h->ss2, (size_t)H, I, 0.01);
}

/* Device copies of everything, a NaN-poisoned output and the workspace. */
static int upload_layer(const host_layer *h, layer_args *a) {
  size_t count = (size_t)h->tokens * H;
  memset(a, 0, sizeof(*a));
  a->tokens = h->tokens;
  return upload(h->x, 2 * count, &a->x) ||
         upload(h->router, 2 * (size_t)E * H, &a->router) ||
         upload(h->w13, (size_t)WB * E * 2 * I * H, &a->w13) ||
         upload(h->s13, sizeof(float) * E * 2 * I, &a->s13) ||
         upload(h->w2, (size_t)WB * E * H * I, &a->w2) ||
         upload(h->s2, sizeof(float) * E * H, &a->s2) ||
         upload(h->sw13, (size_t)WB * 2 * I * H, &a->sw13) ||
         upload(h->ss13, sizeof(float) * 2 * I, &a->ss13) ||
         upload(h->sw2, (size_t)WB * H * I, &a->sw2) ||
         upload(h->ss2, sizeof(float) * H, &a->ss2) ||
         (h->with_residual && upload(h->residual, 2 * count, &a->residual)) ||
         check(cuMemAlloc(&a->out, 2 * count), "cuMemAlloc") ||
         check(cuMemsetD8(a->out, 0xFF, 2 * count), "cuMemsetD8") ||
         check(cuMemAlloc(&a->work, example_moe_workspace_bytes(h->tokens)),
               "cuMemAlloc");
}

/* Token t's expert: the device's choice, which must be the float64 top-1
   unless the two best logits are a near tie (float32 on the device may
   break it the other way). Returns -1 after reporting a wrong choice;
   *logit receives the chosen expert's logit. */
static int check_routing(const host_layer *h, int t, int device_expert,
                         double *logit) {
  const unsigned short *row = h->x + (size_t)t * H;
  double best = -INFINITY, second = -INFINITY;
  int top = 0, e, c;
  for (e = 0; e < E; ++e) {
    double value = 0.0;
    for (c = 0; c < H; ++c)
      value += from_bf16(row[c]) * from_bf16(h->router[(size_t)e * H + c]);
    if (value > best) {
      second = best;
      best = value;
      top = e;
    } else if (value > second) {
      second = value;
    }
  }
  *logit = best;
  if (device_expert < 0 || device_expert >= E) {
    fprintf(stderr,
            "moe_layer_example: token %d: the device chose expert "
            "%d, outside [0, %d)\n",
            t, device_expert, E);
    return -1;
  }
  if (device_expert != top && best - second > 1e-4 * (fabs(best) + 1e-6)) {
    fprintf(stderr,
            "moe_layer_example: token %d routed to expert %d, "
            "expected %d\n",
            t, device_expert, top);
    return -1;
  }
  return device_expert;
}

/* want[H]: token t's output from the float64 reference of its expert
   `top` (input x * sigmoid(logit)) plus the shared expert (input x), with
   the layer's rounding steps and the residual. */
static void reference_token(const host_layer *h, int t, int top, double logit,
                            double *want) {
  static double a[H], y[H], s[H];
  const unsigned short *row = h->x + (size_t)t * H;
  /* The device computes the logit in float32; the score moves little. */
  double score = 1.0 / (1.0 + exp(-logit));
  int c;
  for (c = 0; c < H; ++c)
    a[c] = from_bf16(row[c]);
  round_activations(a, H, (float)score);
  expert(a, h->w13 + (size_t)WB * top * 2 * I * H, h->s13 + (size_t)top * 2 * I,
         h->w2 + (size_t)WB * top * H * I, h->s2 + (size_t)top * H, y);
  /* The shared expert reads x itself (already bf16) or its FP8 rows. */
  for (c = 0; c < H; ++c)
    a[c] = from_bf16(row[c]);
  if (FP8)
    fake_quantize(a, H, 1.0f);
  expert(a, h->sw13, h->ss13, h->sw2, h->ss2, s);
  for (c = 0; c < H; ++c) {
    want[c] = round_bf16(y[c] + s[c]);
    if (h->with_residual)
      want[c] = round_bf16(want[c] + from_bf16(h->residual[(size_t)t * H + c]));
  }
}

/* The relative L2 error of the first `checked` tokens of `out`, or -1 after
   reporting a wrong routing or an unwritten element. */
static double compare_with_reference(const host_layer *h,
                                     const unsigned short *out,
                                     const int *device_expert, int checked) {
  static double want[H];
  double error = 0.0, norm = 0.0, logit;
  int t, c, top;
  for (t = 0; t < checked; ++t) {
    if ((top = check_routing(h, t, device_expert[t], &logit)) < 0)
      return -1.0;
    reference_token(h, t, top, logit, want);
    for (c = 0; c < H; ++c) {
      double got = from_bf16(out[(size_t)t * H + c]);
      if (isnan(got)) {
        fprintf(stderr, "moe_layer_example: out[%d][%d] was not written\n", t,
                c);
        return -1.0;
      }
      error += (got - want[c]) * (got - want[c]);
      norm += want[c] * want[c];
    }
  }
  return sqrt(error / (norm > 0.0 ? norm : 1.0));
}

int main(int argc, char **argv) {
  int reps = argc > 4 ? atoi(argv[4]) : 0, checked;
  unsigned short *out;
  int *device_expert;
  double error;
  CUdevice device;
  CUcontext context;
  example_moe_kernel kernel;
  layer_args args;
  host_layer h;
  h.tokens = argc > 1 ? atoi(argv[1]) : 100;
  h.skewed = argc > 3 && strcmp(argv[3], "skewed") == 0;
  h.with_residual = !(argc > 5 && strcmp(argv[5], "none") == 0);
  rng_state =
      (argc > 2 ? strtoull(argv[2], NULL, 10) : 1) * 0x9E3779B97F4A7C15ULL + 1;
  if (h.tokens <= 0) {
    fprintf(stderr, "moe_layer_example: bad token count %d\n", h.tokens);
    return 2;
  }
  make_inputs(&h);
  make_layer_weights(&h);
  out = malloc(2 * (size_t)h.tokens * H);
  device_expert = malloc(sizeof(int) * h.tokens);

  if (check(cuInit(0), "cuInit") ||
      check(cuDeviceGet(&device, 0), "cuDeviceGet") ||
      check(cuDevicePrimaryCtxRetain(&context, device),
            "cuDevicePrimaryCtxRetain") ||
      check(cuCtxSetCurrent(context), "cuCtxSetCurrent") ||
      check(example_moe_load(&kernel), "example_moe_load") ||
      upload_layer(&h, &args))
    return 1;
  if (check(launch_layer(&kernel, &args, 0), "example_moe_launch") ||
      check(cuCtxSynchronize(), "the layer") ||
      check(cuMemcpyDtoH(out, args.out, 2 * (size_t)h.tokens * H),
            "cuMemcpyDtoH") ||
      replay_as_graph(&kernel, &args, out) ||
      check(cuMemcpyDtoH(device_expert,
                         example_moe_carve(args.work, h.tokens).expert,
                         sizeof(int) * h.tokens),
            "cuMemcpyDtoH"))
    return 1;

  checked = reps > 0 && h.tokens > 8 ? 8 : h.tokens;
  error = compare_with_reference(&h, out, device_expert, checked);
  if (error < 0.0)
    return 1;
  if (reps > 0 && time_layer(&kernel, &args, reps))
    return 1;
  printf("example_moe E=%d H=%d I=%d T=%d (%s routing, %s, routed %s, "
         "shared %s GEMMs, %d tokens checked): relative L2 error %.3e "
         "(bound %.0e)\n",
         E, H, I, h.tokens, h.skewed ? "skewed" : "uniform",
         h.with_residual ? "residual" : "no residual",
         example_moe_routed_decode(h.tokens) ? "decode" : "prefill",
         example_moe_shared_decode(h.tokens) ? "decode" : "prefill", checked,
         error, BOUND);
  return error <= BOUND ? 0 : 1;
}
