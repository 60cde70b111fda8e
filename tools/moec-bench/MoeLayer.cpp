//===- MoeLayer.cpp - running an emitted MoE layer --------------*- C++ -*-===//
//
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//

#include "tools/moec-bench/MoeLayer.h"
#include "runtime/File.h"
#include "runtime/StringUtil.h"

#include <algorithm>
#include <cstring>
#include <functional>
#include <optional>

using namespace moec;
using namespace moec::bench;
using moec::runtime::CudaFunction;
using moec::runtime::DeviceBuffer;
using moec::runtime::JsonValue;

/// Four GEMM descriptions (gate_up, down, shared_gate_up, shared_down).
static absl::Status parseLayerGemms(const JsonValue *gemms,
                                    const std::string &path,
                                    std::vector<GemmDescription> &out) {
  for (const JsonValue &gemm : *gemms->asArray()) {
    absl::StatusOr<GemmDescription> parsed = parseGemmDescription(gemm, path);
    if (!parsed.ok())
      return parsed.status();
    out.push_back(*parsed);
  }
  return absl::OkStatus();
}

absl::StatusOr<MoeLayerDescription>
bench::loadMoeLayerDescription(const std::string &path) {
  absl::StatusOr<JsonValue> root = readJsonFile(path);
  if (!root.ok())
    return root.status();
  auto field = [&](std::string_view key) -> std::optional<int64_t> {
    const JsonValue *value = root->find(key);
    return value ? value->asInt() : std::nullopt;
  };
  auto fourGemms = [&](std::string_view key) -> const JsonValue * {
    const JsonValue *value = root->find(key);
    return value && value->asArray() && value->asArray()->size() == 4 ? value
                                                                      : nullptr;
  };
  const JsonValue *kind = root->find("kind");
  const JsonValue *name = root->find("name");
  const JsonValue *gemms = fourGemms("gemms");
  const JsonValue *decodeGemms = fourGemms("decode_gemms");
  if (!kind || !kind->asString() || *kind->asString() != "moe_layer" || !name ||
      !name->asString() || !gemms || !decodeGemms || !field("experts") ||
      !field("hidden") || !field("inter") || !field("row_alignment") ||
      !field("decode_row_alignment") || !field("routed_decode_max_tokens") ||
      !field("shared_decode_max_tokens"))
    return absl::InvalidArgumentError(runtime::strCat(
        path, ": not a moe_layer description (kind, name, experts, hidden, "
              "inter, row_alignment, decode_row_alignment, "
              "routed_decode_max_tokens, shared_decode_max_tokens, four gemms "
              "and four decode_gemms)"));
  MoeLayerDescription desc;
  desc.name = *name->asString();
  const JsonValue *precision = root->find("precision");
  if (!precision || !precision->asString() ||
      (*precision->asString() != "fp8-rowwise" &&
       *precision->asString() != "bf16"))
    return absl::InvalidArgumentError(runtime::strCat(
        path, ": 'precision' must be \"fp8-rowwise\" or \"bf16\""));
  desc.fp8 = *precision->asString() == "fp8-rowwise";
  desc.experts = *field("experts");
  desc.hidden = *field("hidden");
  desc.inter = *field("inter");
  desc.rowAlignment = *field("row_alignment");
  desc.decodeRowAlignment = *field("decode_row_alignment");
  desc.routedDecodeMaxTokens = *field("routed_decode_max_tokens");
  desc.sharedDecodeMaxTokens = *field("shared_decode_max_tokens");
  if (desc.rowAlignment <= 0 || desc.decodeRowAlignment <= 0)
    return absl::InvalidArgumentError(
        runtime::strCat(path, ": row alignments must be positive"));
  if (absl::Status s = parseLayerGemms(gemms, path, desc.gemms); !s.ok())
    return s;
  if (absl::Status s = parseLayerGemms(decodeGemms, path, desc.decodeGemms);
      !s.ok())
    return s;
  return desc;
}

namespace {

/// The layer's buffers on the device: inputs, weights, output, workspace.
struct LayerBuffers {
  DeviceBuffer x, router, w13, s13, w2, s2, sharedW13, sharedS13, sharedW2,
      sharedS2, out;
  DeviceBuffer counts, offsets, cursors, expert, score, tokenRow, tokens, aq,
      aScale, h, hAmax, hq, hScale, y, xq, xScale, hs, hsAmax, hsq, hsScale, s;
};

enum class Fill { Fp8, Bf16Unit, Bf16Router, Scales };

/// Fills `buffer` with random values: 64 MiB of fresh ones at most,
/// repeated (Maverick's experts hold 16 GB).
absl::Status fillRandom(DeviceBuffer &buffer, Fill fill, uint64_t seed) {
  uint64_t chunk = std::min<uint64_t>(buffer.size(), uint64_t(64) << 20);
  std::vector<uint8_t> host(static_cast<size_t>(chunk));
  uint64_t state = seed * 0x9E3779B97F4A7C15ULL + 11;
  auto next = [&] {
    state = state * 6364136223846793005ULL + 1442695040888963407ULL;
    return static_cast<uint32_t>(state >> 33);
  };
  auto uniform = [&] { return next() / 2147483648.0 - 1.0; }; // [-1, 1)
  for (size_t i = 0; i < host.size();) {
    if (fill == Fill::Fp8) {
      uint32_t bits = next();
      host[i++] = static_cast<uint8_t>(
          ((bits & 1) << 7) | ((5 + (bits >> 1) % 4) << 3) | ((bits >> 8) & 7));
    } else if (fill == Fill::Scales) {
      float value = static_cast<float>(0.01 * (1.0 + 0.5 * uniform()));
      std::memcpy(&host[i], &value, std::min<size_t>(4, host.size() - i));
      i += 4;
    } else {
      float value = static_cast<float>(uniform() *
                                       (fill == Fill::Bf16Router ? 0.05 : 1.0));
      uint32_t bits;
      std::memcpy(&bits, &value, 4);
      uint16_t half =
          static_cast<uint16_t>((bits + 0x7FFF + ((bits >> 16) & 1)) >> 16);
      std::memcpy(&host[i], &half, std::min<size_t>(2, host.size() - i));
      i += 2;
    }
  }
  for (uint64_t at = 0; at < buffer.size(); at += chunk) {
    size_t count = static_cast<size_t>(std::min(chunk, buffer.size() - at));
    if (absl::Status s = buffer.copyFromHost(
            absl::Span<const uint8_t>(host.data(), count), at);
        !s.ok())
      return s;
  }
  return absl::OkStatus();
}

class LayerRun {
public:
  LayerRun(const runtime::CudaDevice &device, const MoeLayerDescription &desc,
           int64_t tokens)
      : device(device), desc(desc), tokens(tokens),
        align(desc.routedDecode(tokens) ? desc.decodeRowAlignment
                                        : desc.rowAlignment),
        capacity((tokens + desc.experts * (align - 1) + align - 1) / align *
                 align) {}

  absl::Status load(const std::string &path);
  absl::Status allocate(uint64_t seed);
  /// Queues the whole layer on `stream`.
  absl::Status enqueue(const runtime::CudaStream &stream);
  absl::StatusOr<int64_t> expertsUsed() const;

private:
  absl::Status enqueueRouting(const runtime::CudaStream &stream);
  absl::Status enqueueRoutedExperts(const runtime::CudaStream &stream);
  absl::Status enqueueSharedExpert(const runtime::CudaStream &stream);
  absl::Status small(const CudaFunction &fn, int64_t grid, uint32_t smem,
                     std::vector<void *> params,
                     const runtime::CudaStream &stream);

  const runtime::CudaDevice &device;
  const MoeLayerDescription &desc;
  int64_t tokens, align, capacity;
  /// Prefill GEMMs then decode GEMMs, four each.
  std::vector<GemmKernel> gemms;
  const GemmKernel &routedGemm(int index) const {
    return gemms[(desc.routedDecode(tokens) ? 4 : 0) + index];
  }
  const GemmKernel &sharedGemm(int index) const {
    return gemms[(desc.sharedDecode(tokens) ? 4 : 0) + index];
  }
  CudaFunction route, offsets, dispatch, combine, quantizeInter, quantizeHidden;
  LayerBuffers b;
  /// The shared expert's stream, forked from and joined back to the
  /// launch's, as the generated header does.
  std::optional<runtime::CudaStream> side;
  std::optional<runtime::CudaEvent> fork, join;
};

absl::Status LayerRun::load(const std::string &path) {
  absl::StatusOr<runtime::CudaStream> sideStream = device.createStream();
  absl::StatusOr<runtime::CudaEvent> forkEvent = device.createEvent();
  absl::StatusOr<runtime::CudaEvent> joinEvent = device.createEvent();
  for (const absl::Status &s :
       {sideStream.status(), forkEvent.status(), joinEvent.status()})
    if (!s.ok())
      return s;
  side.emplace(*std::move(sideStream));
  fork.emplace(*std::move(forkEvent));
  join.emplace(*std::move(joinEvent));
  absl::StatusOr<std::string> image = readKernelImage(path);
  if (!image.ok())
    return image.status();
  absl::StatusOr<runtime::CudaModule> loaded = device.loadModule(
      absl::Span<const uint8_t>(
          reinterpret_cast<const uint8_t *>(image->data()), image->size()),
      path);
  if (!loaded.ok())
    return loaded.status();
  auto module = std::make_shared<const runtime::CudaModule>(std::move(*loaded));
  for (const auto *set : {&desc.gemms, &desc.decodeGemms})
    for (const GemmDescription &gemm : *set) {
      absl::StatusOr<GemmKernel> kernel =
          GemmKernel::fromModule(device, gemm, module);
      if (!kernel.ok())
        return kernel.status();
      gemms.push_back(std::move(*kernel));
    }
  std::vector<std::pair<CudaFunction *, const char *>> kernels = {
      {&route, "_route"},
      {&offsets, "_offsets"},
      {&dispatch, "_dispatch"},
      {&combine, "_combine"}};
  // A bf16 layer has no quantizers.
  if (desc.fp8) {
    kernels.push_back({&quantizeInter, "_quantize_inter"});
    kernels.push_back({&quantizeHidden, "_quantize_hidden"});
  }
  for (auto [out, suffix] : kernels) {
    absl::StatusOr<CudaFunction> fn =
        module->function(runtime::strCat(desc.name, suffix));
    if (!fn.ok())
      return fn.status();
    *out = *fn;
  }
  return absl::OkStatus();
}

absl::Status LayerRun::allocate(uint64_t seed) {
  // wb: bytes of a weight or routed-row element; q: 1 for the FP8-only
  // buffers (quantized copies and their scales), 0 in a bf16 layer.
  uint64_t t = tokens, e = desc.experts, h = desc.hidden, i = desc.inter,
           cap = capacity, wb = desc.fp8 ? 1 : 2, q = desc.fp8 ? 1 : 0;
  std::pair<DeviceBuffer *, uint64_t> sizes[] = {{&b.x, 2 * t * h},
                                                 {&b.router, 2 * e * h},
                                                 {&b.w13, wb * e * 2 * i * h},
                                                 {&b.s13, 4 * e * 2 * i},
                                                 {&b.w2, wb * e * h * i},
                                                 {&b.s2, 4 * e * h},
                                                 {&b.sharedW13, wb * 2 * i * h},
                                                 {&b.sharedS13, 4 * 2 * i},
                                                 {&b.sharedW2, wb * h * i},
                                                 {&b.sharedS2, 4 * h},
                                                 {&b.out, 2 * t * h},
                                                 {&b.counts, 4 * e},
                                                 {&b.offsets, 4 * (e + 1)},
                                                 {&b.cursors, 4 * e},
                                                 {&b.expert, 4 * t},
                                                 {&b.score, 4 * t},
                                                 {&b.tokenRow, 4 * t},
                                                 {&b.tokens, 4},
                                                 {&b.aq, wb * cap * h},
                                                 {&b.aScale, q * 4 * cap},
                                                 {&b.h, 2 * cap * i},
                                                 {&b.hAmax, q * 4 * cap},
                                                 {&b.hq, q * cap * i},
                                                 {&b.hScale, q * 4 * cap},
                                                 {&b.y, 2 * cap * h},
                                                 {&b.xq, q * t * h},
                                                 {&b.xScale, q * 4 * t},
                                                 {&b.hs, 2 * t * i},
                                                 {&b.hsAmax, q * 4 * t},
                                                 {&b.hsq, q * t * i},
                                                 {&b.hsScale, q * 4 * t},
                                                 {&b.s, 2 * t * h}};
  for (auto [buffer, bytes] : sizes) {
    // The FP8-only buffers of a bf16 layer are empty: keep them valid.
    absl::StatusOr<DeviceBuffer> allocated =
        device.allocate(std::max<uint64_t>(bytes, 256));
    if (!allocated.ok())
      return allocated.status();
    *buffer = std::move(*allocated);
  }
  // bf16 weights of the FP8 weights' magnitude (the router's 0.05 scale).
  Fill weights = desc.fp8 ? Fill::Fp8 : Fill::Bf16Router;
  std::pair<DeviceBuffer *, Fill> fills[] = {
      {&b.x, Fill::Bf16Unit},  {&b.router, Fill::Bf16Router},
      {&b.w13, weights},       {&b.s13, Fill::Scales},
      {&b.w2, weights},        {&b.s2, Fill::Scales},
      {&b.sharedW13, weights}, {&b.sharedS13, Fill::Scales},
      {&b.sharedW2, weights},  {&b.sharedS2, Fill::Scales}};
  for (auto [buffer, fill] : fills)
    if (absl::Status s = fillRandom(*buffer, fill, seed++); !s.ok())
      return s;
  return absl::OkStatus();
}

absl::Status LayerRun::small(const CudaFunction &fn, int64_t grid,
                             uint32_t smem, std::vector<void *> params,
                             const runtime::CudaStream &stream) {
  runtime::LaunchDims dims;
  dims.grid[0] = static_cast<uint32_t>(grid);
  dims.block[0] = 128;
  dims.dynamicSharedBytes = smem;
  return device.launch(fn, dims, params.data(), &stream);
}

/// Runs `steps` in order, stopping at the first error.
static absl::Status
runSteps(std::initializer_list<std::function<absl::Status()>> steps) {
  for (const auto &step : steps)
    if (absl::Status status = step(); !status.ok())
      return status;
  return absl::OkStatus();
}

/// Histogram reset, router, segment offsets, dispatch into the segments.
absl::Status LayerRun::enqueueRouting(const runtime::CudaStream &stream) {
  int32_t t = static_cast<int32_t>(tokens),
          rowAlign = static_cast<int32_t>(align);
  cuda::CUdeviceptr x = b.x.address(), router = b.router.address(),
                    expert = b.expert.address(), score = b.score.address(),
                    counts = b.counts.address(), offs = b.offsets.address(),
                    cursors = b.cursors.address(), aq = b.aq.address(),
                    aScale = b.aScale.address(), row = b.tokenRow.address();
  uint32_t routeSmem =
      static_cast<uint32_t>(std::max<int64_t>(4 * desc.experts, 64));
  return runSteps({
      [&] { return b.counts.fillWordsAsync(0, desc.experts, &stream); },
      [&] {
        return small(route, t, routeSmem,
                     {&x, &router, &expert, &score, &counts, &t}, stream);
      },
      [&] {
        return small(offsets, 1, 64, {&counts, &offs, &cursors, &rowAlign},
                     stream);
      },
      [&] {
        return small(dispatch, t + desc.experts, 64,
                     {&x, &expert, &score, &offs, &counts, &cursors, &aq,
                      &aScale, &row, &t},
                     stream);
      },
  });
}

/// Grouped gate|up with SwiGLU, FP8 re-quantization, grouped down (bf16:
/// down reads gate|up's output).
absl::Status LayerRun::enqueueRoutedExperts(const runtime::CudaStream &stream) {
  cuda::CUdeviceptr offs = b.offsets.address(), aq = b.aq.address(),
                    aScale = b.aScale.address(), h = b.h.address(),
                    hq = b.hq.address(), hScale = b.hScale.address(),
                    rows = offs + 4 * desc.experts;
  if (!desc.fp8)
    return runSteps({
        [&] {
          return routedGemm(0).launch(capacity, aq, b.w13.address(), 0, 0, h,
                                      &stream, offs);
        },
        [&] {
          return routedGemm(1).launch(capacity, h, b.w2.address(), 0, 0,
                                      b.y.address(), &stream, offs);
        },
    });
  cuda::CUdeviceptr hAmax = b.hAmax.address();
  return runSteps({
      [&] { return b.hAmax.fillWordsAsync(0, capacity, &stream); },
      [&] {
        return routedGemm(0).launch(capacity, aq, b.w13.address(), aScale,
                                    b.s13.address(), h, &stream, offs, hAmax);
      },
      [&] {
        return small(quantizeInter, capacity, 64,
                     {&h, &rows, &hAmax, &hq, &hScale}, stream);
      },
      [&] {
        return routedGemm(1).launch(capacity, hq, b.w2.address(), hScale,
                                    b.s2.address(), b.y.address(), &stream,
                                    offs);
      },
  });
}

/// The shared expert on the unscaled input: quantize, gate|up, quantize,
/// down (bf16: gate|up on x, down on its output).
absl::Status LayerRun::enqueueSharedExpert(const runtime::CudaStream &stream) {
  int32_t t = static_cast<int32_t>(tokens);
  cuda::CUdeviceptr x = b.x.address(), slot = b.tokens.address(),
                    xq = b.xq.address(), xScale = b.xScale.address(),
                    hs = b.hs.address(), hsq = b.hsq.address(),
                    hsScale = b.hsScale.address(), hsAmax = b.hsAmax.address();
  if (!desc.fp8)
    return runSteps({
        [&] {
          return sharedGemm(2).launch(t, x, b.sharedW13.address(), 0, 0, hs,
                                      &stream);
        },
        [&] {
          return sharedGemm(3).launch(t, hs, b.sharedW2.address(), 0, 0,
                                      b.s.address(), &stream);
        },
    });
  return runSteps({
      [&] {
        return small(quantizeHidden, t, 64, {&x, &slot, &xq, &xScale}, stream);
      },
      [&] { return b.hsAmax.fillWordsAsync(0, tokens, &stream); },
      [&] {
        return sharedGemm(2).launch(t, xq, b.sharedW13.address(), xScale,
                                    b.sharedS13.address(), hs, &stream, 0,
                                    hsAmax);
      },
      [&] {
        return small(quantizeInter, t, 64,
                     {&hs, &slot, &hsAmax, &hsq, &hsScale}, stream);
      },
      [&] {
        return sharedGemm(3).launch(t, hsq, b.sharedW2.address(), hsScale,
                                    b.sharedS2.address(), b.s.address(),
                                    &stream);
      },
  });
}

absl::Status LayerRun::enqueue(const runtime::CudaStream &stream) {
  int32_t t = static_cast<int32_t>(tokens);
  // No residual: the benchmark times the MoE block itself.
  cuda::CUdeviceptr y = b.y.address(), s = b.s.address(),
                    row = b.tokenRow.address(), residual = 0,
                    out = b.out.address();
  return runSteps({
      // The quantizers' row count, before the fork.
      [&] { return b.tokens.fillWordsAsync(t, 1, &stream); },
      [&] { return fork->record(&stream); },
      [&] { return side->waitFor(*fork); },
      [&] { return enqueueSharedExpert(*side); },
      [&] { return join->record(&*side); },
      [&] { return enqueueRouting(stream); },
      [&] { return enqueueRoutedExperts(stream); },
      [&] { return stream.waitFor(*join); },
      [&] {
        return small(combine, t, 64, {&y, &s, &row, &residual, &out, &t},
                     stream);
      },
  });
}

absl::StatusOr<int64_t> LayerRun::expertsUsed() const {
  std::vector<int32_t> counts(static_cast<size_t>(desc.experts));
  if (absl::Status s = b.counts.copyToHost(absl::Span<uint8_t>(
          reinterpret_cast<uint8_t *>(counts.data()), 4 * counts.size()));
      !s.ok())
    return s;
  return std::count_if(counts.begin(), counts.end(),
                       [](int32_t c) { return c > 0; });
}

} // namespace

absl::StatusOr<MoeLayerTiming>
bench::timeMoeLayer(const runtime::CudaDevice &device,
                    const MoeLayerDescription &desc, const std::string &path,
                    int64_t tokens, int reps, uint64_t seed) {
  LayerRun run(device, desc, tokens);
  if (absl::Status s = run.load(path); !s.ok())
    return s;
  if (absl::Status s = run.allocate(seed); !s.ok())
    return s;
  absl::StatusOr<runtime::CudaStream> stream = device.createStream();
  if (!stream.ok())
    return stream.status();
  absl::StatusOr<double> ms =
      medianEventMs(device, *stream, /*warmups=*/3, reps,
                    [&](int) { return run.enqueue(*stream); });
  if (!ms.ok())
    return ms.status();
  absl::StatusOr<runtime::CudaGraph> graph =
      device.captureGraph(*stream, [&] { return run.enqueue(*stream); });
  if (!graph.ok())
    return graph.status();
  absl::StatusOr<double> graphMs =
      medianEventMs(device, *stream, /*warmups=*/3, reps,
                    [&](int) { return graph->launch(*stream); });
  if (!graphMs.ok())
    return graphMs.status();
  absl::StatusOr<int64_t> used = run.expertsUsed();
  if (!used.ok())
    return used.status();
  return MoeLayerTiming{*ms, *graphMs, *used};
}
