//===- ExecutorTest.cpp - Tests of the CTA executor -----------------------===//
//
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//
//
// The test kernels are C++ functions with the signature of
// MoecEmuKernel::launch that call the hook table exactly as an emulation
// object's code does: every NVVM operation through its hook, every shared
// or global load/store preceded by the access hook. They record what they
// see in a context struct (params[0] points at a pointer to it); the test
// body checks it after runGrid, never inside a fiber.
//
//===----------------------------------------------------------------------===//

#include "runtime/emulator/Executor.h"
#include "runtime/emulator/executor/Fiber.h"
#include "runtime/emulator/executor/SharedWindowBase.h"
#include "runtime/emulator/semantics/TensorMap.h"
#include "runtime/emulator/semantics/Wgmma.h"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <cmath>
#include <cstring>
#include <string>
#include <vector>

using namespace moec::emu;

namespace {

//===----------------------------------------------------------------------===//
// The hook table, typed (what generated code calls)
//===----------------------------------------------------------------------===//

template <typename Fn> Fn *hook(MoecEmuHook h) {
  return reinterpret_cast<Fn *>(emulatorHookTable()[h]);
}

uint32_t sreg(uint32_t r, const char *site = "t: sreg") {
  return hook<uint32_t(uint32_t, const char *)>(MOEC_EMU_HOOK_SREG)(r, site);
}
uint32_t tid() { return sreg(MOEC_EMU_SREG_TID_X); }
void barSync(uint32_t id = 0, uint32_t threads = 0,
             const char *site = "t: bar.sync") {
  hook<void(uint32_t, uint32_t, const char *)>(MOEC_EMU_HOOK_BARRIER)(
      id, threads, site);
}
uint32_t shfl(uint32_t kind, uint32_t mask, uint32_t value, uint32_t offset,
              uint32_t clamp, uint32_t *valid,
              const char *site = "t: shfl.sync") {
  return hook<uint32_t(uint32_t, uint32_t, uint32_t, uint32_t, uint32_t,
                       uint32_t *, const char *)>(MOEC_EMU_HOOK_SHFL)(
      kind, mask, value, offset, clamp, valid, site);
}
uint32_t elect(uint32_t mask, const char *site = "t: elect.sync") {
  return hook<uint32_t(uint32_t, const char *)>(MOEC_EMU_HOOK_ELECT)(mask,
                                                                     site);
}
void setmaxnreg(uint32_t regs, uint32_t inc,
                const char *site = "t: setmaxnreg") {
  hook<void(uint32_t, uint32_t, const char *)>(MOEC_EMU_HOOK_SETMAXNREG)(
      regs, inc, site);
}
void mbarInit(void *m, uint32_t count, const char *site = "t: mbarrier.init") {
  hook<void(void *, uint32_t, const char *)>(MOEC_EMU_HOOK_MBARRIER_INIT)(
      m, count, site);
}
uint64_t mbarArrive(void *m, uint32_t count = 1,
                    const char *site = "t: mbarrier.arrive") {
  return hook<uint64_t(void *, uint32_t, const char *)>(
      MOEC_EMU_HOOK_MBARRIER_ARRIVE)(m, count, site);
}
uint64_t mbarArriveTx(void *m, uint32_t tx,
                      const char *site = "t: mbarrier.arrive.expect_tx") {
  return hook<uint64_t(void *, uint32_t, const char *)>(
      MOEC_EMU_HOOK_MBARRIER_ARRIVE_EXPECT_TX)(m, tx, site);
}
void mbarWait(void *m, uint32_t parity,
              const char *site = "t: mbarrier.try_wait.parity") {
  hook<void(void *, uint32_t, const char *)>(
      MOEC_EMU_HOOK_MBARRIER_WAIT_PARITY)(m, parity, site);
}
void fence(uint32_t kind, const char *site = "t: fence") {
  hook<void(uint32_t, const char *)>(MOEC_EMU_HOOK_FENCE)(kind, site);
}
void tmaLoad(void *dst, const void *map, const int32_t *coords, uint32_t rank,
             void *mbar, const char *site = "t: cp.async.bulk.tensor") {
  hook<void(void *, const void *, const int32_t *, uint32_t, void *,
            const char *)>(MOEC_EMU_HOOK_TMA_LOAD)(dst, map, coords, rank, mbar,
                                                   site);
}
void wgmmaFence(const char *site = "t: wgmma.fence") {
  hook<void(const char *)>(MOEC_EMU_HOOK_WGMMA_FENCE)(site);
}
void wgmmaCommit(const char *site = "t: wgmma.commit_group") {
  hook<void(const char *)>(MOEC_EMU_HOOK_WGMMA_COMMIT)(site);
}
void wgmmaWait(uint32_t n, const char *site = "t: wgmma.wait_group") {
  hook<void(uint32_t, const char *)>(MOEC_EMU_HOOK_WGMMA_WAIT)(n, site);
}
void wgmma(float *acc, uint64_t a, uint64_t b, uint32_t config,
           const char *site = "t: wgmma.mma_async") {
  hook<void(float *, uint64_t, uint64_t, uint32_t, const char *)>(
      MOEC_EMU_HOOK_WGMMA)(acc, a, b, config, site);
}
uint32_t cvtF8x2(float a, float b, uint32_t config,
                 const char *site = "t: cvt") {
  return hook<uint32_t(float, float, uint32_t, const char *)>(
      MOEC_EMU_HOOK_CVT_F32X2_TO_F8X2)(a, b, config, site);
}
void access(const void *p, uint32_t bytes, uint32_t flags,
            const char *site = "t: access") {
  hook<void(const void *, uint32_t, uint32_t, const char *)>(
      MOEC_EMU_HOOK_ACCESS)(p, bytes, flags, site);
}
uint8_t *dynamicSmem(const char *site = "t: dynamic smem") {
  return static_cast<uint8_t *>(
      hook<void *(const char *)>(MOEC_EMU_HOOK_DYNAMIC_SMEM)(site));
}

// Loads and stores as compiled code does them: the check, then the access.
template <typename T>
T load(const T *p, uint32_t space = 3, const char *site = "t: load") {
  access(p, sizeof(T), MOEC_EMU_ACCESS_FLAGS(space, 1, 0, alignof(T)), site);
  return *p;
}
template <typename T>
void store(T *p, T v, uint32_t space = 3, const char *site = "t: store") {
  access(p, sizeof(T), MOEC_EMU_ACCESS_FLAGS(space, 0, 1, alignof(T)), site);
  *p = v;
}

//===----------------------------------------------------------------------===//
// Launching
//===----------------------------------------------------------------------===//

/// Device memory: the host ranges the test registers.
class TestMemory : public DeviceMemory {
public:
  void add(const void *p, uint64_t bytes) {
    ranges.push_back({reinterpret_cast<uint64_t>(p), bytes});
  }
  bool contains(uint64_t a, uint64_t n, std::string &detail) const override {
    for (auto [base, size] : ranges)
      if (a >= base && a + n <= base + size)
        return true;
    for (auto [base, size] : ranges)
      if (a >= base && a < base + size + 4096) {
        detail = std::to_string(a + n - (base + size)) +
                 " bytes past the end of the " + std::to_string(size) +
                 "-byte allocation";
        return false;
      }
    detail = "no allocation there";
    return false;
  }

private:
  std::vector<std::pair<uint64_t, uint64_t>> ranges;
};

template <typename Ctx> Ctx &context(void **params) {
  return **static_cast<Ctx **>(params[0]);
}

template <typename Ctx>
GridResult launch(const char *name, void (*fn)(void **), Ctx &ctx, Dim3 block,
                  uint32_t smem = 0, Dim3 grid = Dim3(),
                  const DeviceMemory *memory = nullptr) {
  static TestMemory empty;
  Ctx *pointer = &ctx;
  void *params[] = {&pointer};
  static const uint32_t sizes[] = {8}, aligns[] = {8};
  MoecEmuKernel kernel{name, fn, 1, sizes, aligns, 0};
  GridLaunch l;
  l.kernel = &kernel;
  l.params = params;
  l.grid = grid;
  l.block = block;
  l.dynamicSmemBytes = smem;
  l.memory = memory ? memory : &empty;
  return runGrid(l);
}

Dim3 threads(uint32_t x, uint32_t y = 1, uint32_t z = 1) {
  Dim3 d;
  d.x = x;
  d.y = y;
  d.z = z;
  return d;
}

//===----------------------------------------------------------------------===//
// Special registers
//===----------------------------------------------------------------------===//

struct SregCtx {
  struct Seen {
    uint32_t v[MOEC_EMU_SREG_COUNT];
    bool set = false;
  };
  std::vector<Seen> seen; // by CTA linear * 80 + thread linear
};

void sregKernel(void **params) {
  auto &c = context<SregCtx>(params);
  SregCtx::Seen s;
  for (uint32_t r = 0; r < MOEC_EMU_SREG_COUNT; ++r)
    s.v[r] = sreg(r);
  s.set = true;
  uint32_t cta = s.v[MOEC_EMU_SREG_CTAID_X] +
                 s.v[MOEC_EMU_SREG_CTAID_Y] * s.v[MOEC_EMU_SREG_NCTAID_X];
  uint32_t t = s.v[MOEC_EMU_SREG_TID_X] +
               s.v[MOEC_EMU_SREG_TID_Y] * s.v[MOEC_EMU_SREG_NTID_X] +
               s.v[MOEC_EMU_SREG_TID_Z] * s.v[MOEC_EMU_SREG_NTID_X] *
                   s.v[MOEC_EMU_SREG_NTID_Y];
  c.seen[cta * 80 + t] = s;
}

TEST(Executor, SpecialRegisters) {
  SregCtx ctx;
  ctx.seen.resize(2 * 3 * 80);
  Dim3 grid = threads(2, 3);
  GridResult r = launch("sreg", sregKernel, ctx, threads(10, 4, 2), 0, grid);
  ASSERT_TRUE(r.ok()) << r.error;
  for (uint32_t cta = 0; cta < 6; ++cta)
    for (uint32_t t = 0; t < 80; ++t) {
      const auto &s = ctx.seen[cta * 80 + t];
      ASSERT_TRUE(s.set) << cta << " " << t;
      EXPECT_EQ(s.v[MOEC_EMU_SREG_TID_X], t % 10);
      EXPECT_EQ(s.v[MOEC_EMU_SREG_TID_Y], t / 10 % 4);
      EXPECT_EQ(s.v[MOEC_EMU_SREG_TID_Z], t / 40);
      EXPECT_EQ(s.v[MOEC_EMU_SREG_NTID_X], 10u);
      EXPECT_EQ(s.v[MOEC_EMU_SREG_NTID_Y], 4u);
      EXPECT_EQ(s.v[MOEC_EMU_SREG_NTID_Z], 2u);
      EXPECT_EQ(s.v[MOEC_EMU_SREG_CTAID_X], cta % 2);
      EXPECT_EQ(s.v[MOEC_EMU_SREG_CTAID_Y], cta / 2);
      EXPECT_EQ(s.v[MOEC_EMU_SREG_CTAID_Z], 0u);
      EXPECT_EQ(s.v[MOEC_EMU_SREG_NCTAID_X], 2u);
      EXPECT_EQ(s.v[MOEC_EMU_SREG_NCTAID_Y], 3u);
      EXPECT_EQ(s.v[MOEC_EMU_SREG_NCTAID_Z], 1u);
      EXPECT_EQ(s.v[MOEC_EMU_SREG_LANEID], t % 32);
      EXPECT_EQ(s.v[MOEC_EMU_SREG_WARPID], t / 32);
    }
}

//===----------------------------------------------------------------------===//
// bar.sync
//===----------------------------------------------------------------------===//

struct BarrierCtx {
  std::atomic<int> failures{0};
  int rounds = 0;
};

void barrierKernel(void **params) {
  auto &c = context<BarrierCtx>(params);
  uint32_t t = tid();
  uint32_t *smem = reinterpret_cast<uint32_t *>(dynamicSmem());
  for (int round = 0; round < 5; ++round) {
    store(&smem[t], uint32_t(round * 1000 + t));
    barSync(0, 0, "barrier: bar.sync #0");
    uint32_t other = (t * 37 + 11) % 256;
    if (load(&smem[other]) != uint32_t(round * 1000 + other))
      ++c.failures;
    // Named barriers with a count: each warpgroup syncs on its own.
    barSync(1 + t / 128, 128, "barrier: bar.sync #1");
    uint32_t mate = (t / 128) * 128 + (t + 64) % 128;
    if (load(&smem[mate]) != uint32_t(round * 1000 + mate))
      ++c.failures;
    barSync(0, 0, "barrier: bar.sync #2");
  }
  if (t == 0)
    c.rounds = 5;
}

TEST(Executor, BarrierOrdersSharedMemory) {
  BarrierCtx ctx;
  GridResult r = launch("barrier", barrierKernel, ctx, threads(256), 1024);
  ASSERT_TRUE(r.ok()) << r.error;
  EXPECT_EQ(ctx.failures.load(), 0);
  EXPECT_EQ(ctx.rounds, 5);
}

// Exited threads count as arrived at a whole-CTA barrier.
void barrierExitKernel(void **params) {
  auto &c = context<BarrierCtx>(params);
  if (tid() >= 100)
    return;
  barSync();
  barSync();
  ++c.rounds;
}

TEST(Executor, ExitedThreadsCountAtWholeCtaBarrier) {
  BarrierCtx ctx;
  GridResult r = launch("barrier_exit", barrierExitKernel, ctx, threads(160));
  ASSERT_TRUE(r.ok()) << r.error;
  EXPECT_EQ(ctx.rounds, 100);
}

//===----------------------------------------------------------------------===//
// shfl.sync and elect.sync
//===----------------------------------------------------------------------===//

struct ShflCase {
  uint32_t kind, offset, clamp;
};

struct ShflCtx {
  std::vector<ShflCase> cases;
  // [case][thread] = {value, valid}
  std::vector<std::vector<std::pair<uint32_t, uint32_t>>> got;
};

uint32_t shflInput(uint32_t t, size_t k) { return t * 7919u + uint32_t(k); }

void shflKernel(void **params) {
  auto &c = context<ShflCtx>(params);
  uint32_t t = tid();
  for (size_t k = 0; k < c.cases.size(); ++k) {
    const ShflCase &s = c.cases[k];
    uint32_t valid = 99;
    uint32_t v = shfl(s.kind, 0xffffffffu, shflInput(t, k), s.offset, s.clamp,
                      &valid, "shfl: shfl.sync");
    c.got[k][t] = {v, valid};
  }
}

/// The CUDA-level definition (__shfl_*_sync with `width`), independent of
/// the PTX pseudo-code the executor follows.
std::pair<uint32_t, uint32_t> shflReference(uint32_t kind, uint32_t lane,
                                            uint32_t offset, uint32_t width) {
  uint32_t start = lane & ~(width - 1);
  int64_t src;
  bool valid;
  switch (kind) {
  case MOEC_EMU_SHFL_UP:
    src = int64_t(lane) - offset;
    valid = src >= int64_t(start);
    break;
  case MOEC_EMU_SHFL_DOWN:
    src = int64_t(lane) + offset;
    valid = src < int64_t(start + width);
    break;
  case MOEC_EMU_SHFL_BFLY:
    src = lane ^ offset;
    valid = src < int64_t(start + width);
    break;
  default:
    src = start + offset % width;
    valid = true;
    break;
  }
  return {valid ? uint32_t(src) : lane, valid};
}

TEST(Executor, ShflMatchesReference) {
  ShflCtx ctx;
  std::vector<uint32_t> widths;
  for (uint32_t kind = 0; kind < 4; ++kind)
    for (uint32_t width : {32u, 16u, 8u, 4u, 2u, 1u})
      for (uint32_t offset : {0u, 1u, 2u, 3u, 5u, 8u, 13u, 16u, 31u, 33u}) {
        // CUDA's encoding of width: segmask = 32 - width, c = 0 for up,
        // 31 otherwise.
        uint32_t clamp =
            ((32 - width) << 8) | (kind == MOEC_EMU_SHFL_UP ? 0u : 0x1fu);
        if (kind != MOEC_EMU_SHFL_IDX && offset >= 32)
          continue;
        ctx.cases.push_back({kind, offset, clamp});
        widths.push_back(width);
      }
  ctx.got.assign(ctx.cases.size(),
                 std::vector<std::pair<uint32_t, uint32_t>>(64));
  GridResult r = launch("shfl", shflKernel, ctx, threads(64));
  ASSERT_TRUE(r.ok()) << r.error;
  for (size_t k = 0; k < ctx.cases.size(); ++k)
    for (uint32_t t = 0; t < 64; ++t) {
      auto [src, valid] = shflReference(ctx.cases[k].kind, t % 32,
                                        ctx.cases[k].offset, widths[k]);
      uint32_t expected = shflInput((t & ~31u) + src, k);
      ASSERT_EQ(ctx.got[k][t].first, expected)
          << "kind " << ctx.cases[k].kind << " offset " << ctx.cases[k].offset
          << " width " << widths[k] << " thread " << t;
      ASSERT_EQ(ctx.got[k][t].second, uint32_t(valid))
          << "kind " << ctx.cases[k].kind << " offset " << ctx.cases[k].offset
          << " width " << widths[k] << " thread " << t;
    }
}

TEST(Executor, ShflClampOutsideCudaWidths) {
  // down with c = 20, no segments: lanes whose source passes lane 20 keep
  // their own value; up with c = 4: sources below lane 4 are invalid.
  ShflCtx ctx;
  ctx.cases = {{MOEC_EMU_SHFL_DOWN, 3, 20},
               {MOEC_EMU_SHFL_UP, 2, 4},
               {MOEC_EMU_SHFL_BFLY, 4, 0x1f}};
  ctx.got.assign(3, std::vector<std::pair<uint32_t, uint32_t>>(32));
  GridResult r = launch("shfl_clamp", shflKernel, ctx, threads(32));
  ASSERT_TRUE(r.ok()) << r.error;
  for (uint32_t lane = 0; lane < 32; ++lane) {
    bool v0 = lane + 3 <= 20;
    EXPECT_EQ(ctx.got[0][lane].first, shflInput(v0 ? lane + 3 : lane, 0));
    EXPECT_EQ(ctx.got[0][lane].second, uint32_t(v0));
    bool v1 = int(lane) - 2 >= 4;
    EXPECT_EQ(ctx.got[1][lane].first, shflInput(v1 ? lane - 2 : lane, 1));
    EXPECT_EQ(ctx.got[1][lane].second, uint32_t(v1));
    EXPECT_EQ(ctx.got[2][lane].first, shflInput(lane ^ 4, 2));
  }
}

struct ElectCtx {
  std::atomic<int> leaders{0};
  std::vector<uint32_t> leaderLanes;
  std::vector<uint32_t> partial;
};

void electKernel(void **params) {
  auto &c = context<ElectCtx>(params);
  uint32_t t = tid();
  if (elect(0xffffffffu, "elect: all")) {
    ++c.leaders;
    c.leaderLanes[t / 32] = t % 32;
  }
  // A partial membermask: only its lanes take part.
  if ((0x0f0f0f00u >> (t % 32)) & 1)
    c.partial[t] = elect(0x0f0f0f00u, "elect: partial");
}

TEST(Executor, ElectPicksLowestLane) {
  ElectCtx ctx;
  ctx.leaderLanes.assign(3, 99);
  ctx.partial.assign(96, 7);
  GridResult r = launch("elect", electKernel, ctx, threads(96));
  ASSERT_TRUE(r.ok()) << r.error;
  EXPECT_EQ(ctx.leaders.load(), 3);
  for (uint32_t w = 0; w < 3; ++w)
    EXPECT_EQ(ctx.leaderLanes[w], 0u);
  for (uint32_t t = 0; t < 96; ++t) {
    uint32_t lane = t % 32;
    uint32_t expected = !((0x0f0f0f00u >> lane) & 1) ? 7 : lane == 8 ? 1 : 0;
    EXPECT_EQ(ctx.partial[t], expected) << t;
  }
}

//===----------------------------------------------------------------------===//
// mbarrier ring with TMA loads
//===----------------------------------------------------------------------===//

constexpr uint32_t kStages = 4, kTiles = 14, kTileRows = 16, kCols = 32;
constexpr uint32_t kTileBytes = kTileRows * kCols * 4;

struct RingCtx {
  alignas(64) uint8_t map[128];
  std::vector<float> global;
  std::atomic<int> mismatches{0};
  std::atomic<int> checked{0};
  std::atomic<int> stale{0};
  uint32_t expectTx = kTileBytes;
  bool skipWait = false;
};

void ringKernel(void **params) {
  auto &c = context<RingCtx>(params);
  uint32_t t = tid();
  uint8_t *smem = dynamicSmem();
  uint64_t *full = reinterpret_cast<uint64_t *>(smem);
  uint64_t *empty = reinterpret_cast<uint64_t *>(smem + 64);
  float *stage = reinterpret_cast<float *>(smem + 1024);
  if (t == 0) {
    for (uint32_t s = 0; s < kStages; ++s) {
      mbarInit(&full[s], 1, "ring: init full");
      mbarInit(&empty[s], 128, "ring: init empty");
    }
    fence(MOEC_EMU_FENCE_MBARRIER_INIT);
  }
  barSync(0, 0, "ring: bar.sync");
  if (t < 128) {
    // Producer warpgroup: drops to 40 registers, one elected lane issues.
    setmaxnreg(40, 0, "ring: setmaxnreg.dec");
    if (t >= 32)
      return;
    if (!elect(0xffffffffu, "ring: elect"))
      return;
    for (uint32_t k = 0; k < kTiles; ++k) {
      uint32_t s = k % kStages, phase = (k / kStages) & 1;
      mbarWait(&empty[s], phase ^ 1, "ring: wait empty");
      mbarArriveTx(&full[s], c.expectTx, "ring: arrive.expect_tx");
      int32_t coords[2] = {0, int32_t(k * kTileRows)};
      tmaLoad(stage + s * kTileRows * kCols, c.map, coords, 2, &full[s],
              "ring: cp.async.bulk.tensor");
    }
    return;
  }
  setmaxnreg(232, 1, "ring: setmaxnreg.inc");
  uint32_t ct = t - 128;
  for (uint32_t k = 0; k < kTiles; ++k) {
    uint32_t s = k % kStages, phase = (k / kStages) & 1;
    if (!c.skipWait)
      mbarWait(&full[s], phase, "ring: wait full");
    for (uint32_t i = ct; i < kTileRows * kCols; i += 128) {
      float v = load(&stage[s * kTileRows * kCols + i], 3, "ring: ld.shared");
      float want = c.global[k * kTileRows * kCols + i];
      if (std::isnan(v))
        ++c.stale;
      else if (v != want)
        ++c.mismatches;
      ++c.checked;
    }
    mbarArrive(&empty[s], 1, "ring: arrive empty");
  }
}

void makeRingMap(RingCtx &ctx, TestMemory &memory, uint64_t rows) {
  ctx.global.resize(kTiles * kTileRows * kCols);
  for (size_t i = 0; i < ctx.global.size(); ++i)
    ctx.global[i] = float(i) * 0.5f + 1.0f;
  memory.add(ctx.global.data(), ctx.global.size() * sizeof(float));
  TensorMapDesc desc;
  desc.dataType = kTensorMapFloat32;
  desc.rank = 2;
  desc.globalAddress = reinterpret_cast<uint64_t>(ctx.global.data());
  desc.dims[0] = kCols;
  desc.dims[1] = rows;
  desc.strides[0] = 4;
  desc.strides[1] = kCols * 4;
  desc.box[0] = kCols;
  desc.box[1] = kTileRows;
  desc.elementStrides[0] = desc.elementStrides[1] = 1;
  std::string error = encodeTensorMap(ctx.map, desc);
  ASSERT_EQ(error, "");
}

TEST(Executor, MbarrierRingWithTma) {
  RingCtx ctx;
  TestMemory memory;
  makeRingMap(ctx, memory, kTiles * kTileRows);
  GridResult r = launch("ring", ringKernel, ctx, threads(256),
                        1024 + kStages * kTileBytes, Dim3(), &memory);
  ASSERT_TRUE(r.ok()) << r.error;
  EXPECT_EQ(ctx.checked.load(), int(kTiles * kTileRows * kCols));
  EXPECT_EQ(ctx.mismatches.load(), 0);
  EXPECT_EQ(ctx.stale.load(), 0);
}

TEST(Executor, ConsumerSkippingTheWaitReadsStaleData) {
  // TMA copies happen only when no thread can run: a consumer that does not
  // wait reads the 0xFF fill (NaN), never the tile.
  RingCtx ctx;
  ctx.skipWait = true;
  TestMemory memory;
  makeRingMap(ctx, memory, kTiles * kTileRows);
  GridResult r = launch("ring_nowait", ringKernel, ctx, threads(256),
                        1024 + kStages * kTileBytes, Dim3(), &memory);
  // The consumers' arrivals outrun the producer: more arrivals than pending
  // on `empty`, or a clean run; in both cases the first stage read was stale.
  EXPECT_GT(ctx.stale.load(), 0) << r.error;
}

TEST(Executor, NegativeTxCount) {
  RingCtx ctx;
  ctx.expectTx = kTileBytes - 16;
  TestMemory memory;
  makeRingMap(ctx, memory, kTiles * kTileRows);
  GridResult r = launch("ring_tx", ringKernel, ctx, threads(256),
                        1024 + kStages * kTileBytes, Dim3(), &memory);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error.find("tx-count -16 on mbarrier at shared 0x400: the TMA "
                         "copies completed 16 bytes more than "
                         "arrive.expect_tx announced"),
            std::string::npos)
      << r.error;
  EXPECT_NE(r.error.find("thread 0 (warp 0, lane 0), at 'ring: "
                         "cp.async.bulk.tensor'"),
            std::string::npos)
      << r.error;
}

TEST(Executor, TmaReadOutsideDeviceMemory) {
  // The map claims 4 more tiles than the allocation holds.
  RingCtx ctx;
  TestMemory memory;
  makeRingMap(ctx, memory, (kTiles + 4) * kTileRows);
  // A map whose base is 2 tiles into the allocation: tile 12 lies past it.
  TensorMapDesc desc;
  std::string error;
  desc = *decodeTensorMap(ctx.map, error);
  desc.globalAddress += 2 * kTileBytes;
  ASSERT_EQ(encodeTensorMap(ctx.map, desc), "");
  GridResult r = launch("ring_oob", ringKernel, ctx, threads(256),
                        1024 + kStages * kTileBytes, Dim3(), &memory);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error.find("out-of-bounds TMA read: the box at tensor "
                         "coordinates (0, 192) reads 128 bytes at"),
            std::string::npos)
      << r.error;
  EXPECT_NE(r.error.find("at 'ring: cp.async.bulk.tensor'"), std::string::npos)
      << r.error;
}

//===----------------------------------------------------------------------===//
// wgmma through the warpgroup rendezvous
//===----------------------------------------------------------------------===//

// bf16 m64n8k16, no swizzle: A = 8x2 core matrices (8 rows x 16 bytes) at
// shared 0x400, B = 1x2 at 0x400 + 2048.
constexpr uint32_t kWgmmaConfig = MOEC_EMU_WGMMA_CONFIG(
    8, 16, MOEC_EMU_TYPE_BF16, MOEC_EMU_TYPE_BF16, 1, 0, 0, 0, 0);

uint64_t wgmmaDesc(uint32_t address) {
  WgmmaDescriptor d{};
  d.startAddress = address;
  d.leadingByteOffset = 128;
  d.strideByteOffset = 256;
  return encodeWgmmaDescriptor(d);
}

struct WgmmaCtx {
  std::vector<float> out; // [thread][4]
  std::vector<uint16_t> operands;
  bool genericStores = false, fenceAfter = false, disagree = false;
};

void wgmmaKernel(void **params) {
  auto &c = context<WgmmaCtx>(params);
  uint32_t t = tid();
  uint16_t *smem = reinterpret_cast<uint16_t *>(dynamicSmem());
  if (t == 0) {
    for (size_t i = 0; i < c.operands.size(); ++i) {
      if (c.genericStores)
        store(&smem[i], c.operands[i], 3, "wgmma: st.shared");
      else
        smem[i] = c.operands[i]; // as if the async proxy (TMA) wrote it
    }
    if (c.fenceAfter)
      fence(MOEC_EMU_FENCE_PROXY_ASYNC, "wgmma: fence.proxy.async");
  }
  barSync();
  float acc[4];
  for (int i = 0; i < 4; ++i)
    acc[i] = float(t * 4 + i);
  uint64_t a = wgmmaDesc(0x400), b = wgmmaDesc(0x400 + 2048);
  if (c.disagree && t == 77)
    b = wgmmaDesc(0x400 + 2048 + 256);
  wgmmaFence("wgmma: wgmma.fence");
  wgmma(acc, a, b, kWgmmaConfig, "wgmma: wgmma.mma_async");
  wgmmaCommit("wgmma: wgmma.commit_group");
  wgmmaWait(0, "wgmma: wgmma.wait_group");
  for (int i = 0; i < 4; ++i)
    c.out[t * 4 + i] = acc[i];
}

TEST(Executor, WgmmaRendezvous) {
  WgmmaCtx ctx;
  ctx.out.assign(128 * 4, -1);
  // All ones: D = 16 + the accumulator each thread passed, whatever the
  // core-matrix layout.
  ctx.operands.assign((2048 + 256) / 2, 0x3f80);
  GridResult r = launch("wgmma", wgmmaKernel, ctx, threads(128), 4096);
  ASSERT_TRUE(r.ok()) << r.error;
  for (uint32_t i = 0; i < 128 * 4; ++i)
    ASSERT_EQ(ctx.out[i], float(i) + 16.0f) << i;

  // Structured operands: the rendezvous must give the same result as
  // calling the semantics directly with the same fragments.
  WgmmaCtx ctx2;
  ctx2.out.assign(128 * 4, -1);
  ctx2.operands.resize((2048 + 256) / 2);
  std::vector<uint8_t> window(0x400 + 4096);
  for (size_t i = 0; i < ctx2.operands.size(); ++i) {
    float f = float(int(i * 37 % 11) - 5) * 0.25f;
    uint32_t bits;
    memcpy(&bits, &f, 4);
    ctx2.operands[i] = uint16_t(bits >> 16); // exact in bf16
  }
  memcpy(window.data() + 0x400, ctx2.operands.data(), ctx2.operands.size() * 2);
  r = launch("wgmma", wgmmaKernel, ctx2, threads(128), 4096);
  ASSERT_TRUE(r.ok()) << r.error;
  std::vector<float> expected(128 * 4);
  float *fragments[128];
  for (uint32_t t = 0; t < 128; ++t) {
    for (int i = 0; i < 4; ++i)
      expected[t * 4 + i] = float(t * 4 + i);
    fragments[t] = &expected[t * 4];
  }
  ASSERT_EQ(wgmmaExecute(wgmmaDesc(0x400), wgmmaDesc(0x400 + 2048),
                         kWgmmaConfig,
                         SharedWindow{window.data(), uint32_t(window.size())},
                         fragments, nullptr),
            "");
  for (uint32_t i = 0; i < 128 * 4; ++i)
    ASSERT_EQ(ctx2.out[i], expected[i]) << i;
}

TEST(Executor, WgmmaReadsGenericWritesOnlyAfterFence) {
  WgmmaCtx ctx;
  ctx.out.assign(128 * 4, -1);
  ctx.operands.assign((2048 + 256) / 2, 0x3f80);
  ctx.genericStores = true;
  GridResult r = launch("wgmma_nofence", wgmmaKernel, ctx, threads(128), 4096);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error.find("written by a generic-proxy store"), std::string::npos)
      << r.error;
  EXPECT_NE(r.error.find("at 'wgmma: wgmma.mma_async'"), std::string::npos)
      << r.error;

  ctx.fenceAfter = true;
  r = launch("wgmma_fence", wgmmaKernel, ctx, threads(128), 4096);
  ASSERT_TRUE(r.ok()) << r.error;
  EXPECT_EQ(ctx.out[5], 5.0f + 16.0f);
}

TEST(Executor, WgmmaDescriptorDisagreement) {
  WgmmaCtx ctx;
  ctx.out.assign(128 * 4, -1);
  ctx.operands.assign((2048 + 256) / 2, 0x3f80);
  ctx.disagree = true;
  GridResult r = launch("wgmma_disagree", wgmmaKernel, ctx, threads(128), 4096);
  ASSERT_FALSE(r.ok());
  // The reference is the first thread to reach the wgmma (126 here: 127
  // completed the wgmma.fence rendezvous and resumed the others in order).
  EXPECT_EQ(r.error.substr(0, r.error.find(" [")),
            "wgmma.mma_async operands differ within warpgroup 0: thread 77 "
            "passes B " +
                describeWgmmaDescriptor(wgmmaDesc(0x400 + 2048 + 256)) +
                "; thread 126 passed B " +
                describeWgmmaDescriptor(wgmmaDesc(0x400 + 2048)));
}

//===----------------------------------------------------------------------===//
// A persistent GEMM of the shape moec generates: one producer warpgroup
// (TMA into a 4-stage mbarrier ring) and two consumer warpgroups (wgmma),
// 384 threads, three output tiles.
//===----------------------------------------------------------------------===//

constexpr uint32_t kGemmM = 192, kGemmK = 128, kGemmN = 8, kGemmTiles = 3;
constexpr uint32_t kGemmKSteps = kGemmK / 16, kGemmStageBytes = 2304;

struct GemmCtx {
  alignas(64) uint8_t mapA[128];
  alignas(64) uint8_t mapB[128];
  std::vector<uint16_t> a, b; // bf16, A [M][K], B [N][K] (K-major)
  std::vector<float> c[2];    // per consumer warpgroup, [M][N]
};

uint64_t kMajorDesc(uint32_t address, uint32_t lbo, uint32_t sbo) {
  WgmmaDescriptor d{};
  d.startAddress = address;
  d.leadingByteOffset = lbo;
  d.strideByteOffset = sbo;
  return encodeWgmmaDescriptor(d);
}

void gemmKernel(void **params) {
  auto &c = context<GemmCtx>(params);
  uint32_t t = tid();
  uint8_t *smem = dynamicSmem();
  uint64_t *full = reinterpret_cast<uint64_t *>(smem);
  uint64_t *empty = reinterpret_cast<uint64_t *>(smem + 64);
  auto stage = [&](uint32_t s) { return smem + 1024 + s * kGemmStageBytes; };
  if (t == 0) {
    for (uint32_t s = 0; s < kStages; ++s) {
      mbarInit(&full[s], 1, "gemm: init full");
      mbarInit(&empty[s], 256, "gemm: init empty");
    }
    fence(MOEC_EMU_FENCE_MBARRIER_INIT);
  }
  barSync(0, 0, "gemm: bar.sync");
  if (t < 128) {
    setmaxnreg(40, 0, "gemm: setmaxnreg.dec");
    if (t >= 32 || !elect(0xffffffffu, "gemm: elect"))
      return;
    uint32_t it = 0;
    for (uint32_t tile = 0; tile < kGemmTiles; ++tile)
      for (uint32_t ks = 0; ks < kGemmKSteps; ++ks, ++it) {
        uint32_t s = it % kStages, phase = (it / kStages) & 1;
        mbarWait(&empty[s], phase ^ 1, "gemm: wait empty");
        mbarArriveTx(&full[s], kGemmStageBytes, "gemm: arrive.expect_tx");
        // Boxes of 8 K-elements (16 bytes): each is a column of 8x16-byte
        // core matrices, the no-swizzle K-major wgmma layout.
        for (int32_t half = 0; half < 2; ++half) {
          int32_t ca[2] = {int32_t(ks * 16) + 8 * half, int32_t(tile * 64)};
          tmaLoad(stage(s) + half * 1024, c.mapA, ca, 2, &full[s],
                  "gemm: tma A");
          int32_t cb[2] = {int32_t(ks * 16) + 8 * half, 0};
          tmaLoad(stage(s) + 2048 + half * 128, c.mapB, cb, 2, &full[s],
                  "gemm: tma B");
        }
      }
    return;
  }
  setmaxnreg(232, 1, "gemm: setmaxnreg.inc");
  uint32_t wg = t / 128 - 1, w = (t % 128) / 32, l = t % 32;
  uint32_t it = 0;
  for (uint32_t tile = 0; tile < kGemmTiles; ++tile) {
    float acc[4] = {0, 0, 0, 0};
    for (uint32_t ks = 0; ks < kGemmKSteps; ++ks, ++it) {
      uint32_t s = it % kStages, phase = (it / kStages) & 1;
      mbarWait(&full[s], phase, "gemm: wait full");
      uint32_t base = uint32_t(stage(s) - smem) + 1024;
      wgmmaFence("gemm: wgmma.fence");
      wgmma(acc, kMajorDesc(base, 1024, 128), kMajorDesc(base + 2048, 128, 128),
            MOEC_EMU_WGMMA_CONFIG(8, 16, MOEC_EMU_TYPE_BF16, MOEC_EMU_TYPE_BF16,
                                  ks > 0, 0, 0, 0, 0),
            "gemm: wgmma.mma_async");
      wgmmaCommit("gemm: wgmma.commit_group");
      wgmmaWait(0, "gemm: wgmma.wait_group");
      mbarArrive(&empty[s], 1, "gemm: arrive empty");
    }
    for (uint32_t i = 0; i < 4; ++i) {
      uint32_t row = tile * 64 + 16 * w + l / 4 + 8 * (i / 2);
      uint32_t col = 2 * (l % 4) + i % 2;
      store(&c.c[wg][row * kGemmN + col], acc[i], 1, "gemm: st.global");
    }
  }
}

uint16_t bf16(float f) {
  uint32_t bits;
  memcpy(&bits, &f, 4);
  return uint16_t(bits >> 16);
}

TEST(Executor, PersistentGemm384Threads) {
  GemmCtx ctx;
  TestMemory memory;
  ctx.a.resize(kGemmM * kGemmK);
  ctx.b.resize(kGemmN * kGemmK);
  for (size_t i = 0; i < ctx.a.size(); ++i)
    ctx.a[i] = bf16(float(int(i * 7 % 9) - 4));
  for (size_t i = 0; i < ctx.b.size(); ++i)
    ctx.b[i] = bf16(float(int(i * 5 % 7) - 3) * 0.5f);
  for (auto &out : ctx.c) {
    out.assign(kGemmM * kGemmN, -1);
    memory.add(out.data(), out.size() * 4);
  }
  memory.add(ctx.a.data(), ctx.a.size() * 2);
  memory.add(ctx.b.data(), ctx.b.size() * 2);
  TensorMapDesc a;
  a.dataType = kTensorMapBfloat16;
  a.rank = 2;
  a.globalAddress = reinterpret_cast<uint64_t>(ctx.a.data());
  a.dims[0] = kGemmK;
  a.dims[1] = kGemmM;
  a.strides[0] = 2;
  a.strides[1] = kGemmK * 2;
  a.box[0] = 8;
  a.box[1] = 64;
  a.elementStrides[0] = a.elementStrides[1] = 1;
  ASSERT_EQ(encodeTensorMap(ctx.mapA, a), "");
  TensorMapDesc b = a;
  b.globalAddress = reinterpret_cast<uint64_t>(ctx.b.data());
  b.dims[1] = kGemmN;
  b.box[1] = 8;
  ASSERT_EQ(encodeTensorMap(ctx.mapB, b), "");

  auto start = std::chrono::steady_clock::now();
  GridResult r = launch("gemm", gemmKernel, ctx, threads(384),
                        1024 + kStages * kGemmStageBytes, Dim3(), &memory);
  double ms =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start)
          .count() *
      1e3;
  ASSERT_TRUE(r.ok()) << r.error;
  printf("[ perf ] persistent GEMM, 384 threads, %u tiles x %u k-steps: %.2f "
         "ms\n",
         kGemmTiles, kGemmKSteps, ms);
  for (uint32_t m = 0; m < kGemmM; ++m)
    for (uint32_t n = 0; n < kGemmN; ++n) {
      float want = 0;
      for (uint32_t k = 0; k < kGemmK; ++k) {
        uint32_t x = uint32_t(ctx.a[m * kGemmK + k]) << 16,
                 y = uint32_t(ctx.b[n * kGemmK + k]) << 16;
        float fx, fy;
        memcpy(&fx, &x, 4);
        memcpy(&fy, &y, 4);
        want += fx * fy;
      }
      ASSERT_EQ(ctx.c[0][m * kGemmN + n], want) << m << "," << n;
      ASSERT_EQ(ctx.c[1][m * kGemmN + n], want) << m << "," << n;
    }
}

//===----------------------------------------------------------------------===//
// Named errors
//===----------------------------------------------------------------------===//

struct NoCtx {
  int unused = 0;
};

void deadlockKernel(void **) {
  uint32_t t = tid();
  uint8_t *smem = dynamicSmem();
  if (t == 0)
    mbarInit(smem, 256, "deadlock: init");
  barSync(0, 0, "deadlock: bar.sync");
  if (t == 0) {
    mbarWait(smem, 0, "deadlock: wait #0");
  } else if (t >= 128) {
    mbarArrive(smem, 1, "deadlock: arrive");
    mbarWait(smem, 0, "deadlock: wait #1");
  }
}

TEST(Executor, DeadlockReport) {
  NoCtx ctx;
  GridResult r =
      launch("deadlock", deadlockKernel, ctx, threads(256), 64, threads(2));
  ASSERT_FALSE(r.ok());
  const char *state = "on mbarrier at shared 0x400: waits for the phase with "
                      "parity 0 to complete; current phase 0 (parity 0), 128 "
                      "of 256 arrivals pending, tx-count 0";
  EXPECT_EQ(r.error,
            std::string("deadlock in kernel 'deadlock' block (0,0,0): every "
                        "live thread waits\n"
                        "  warp 0 lane 0: mbarrier.try_wait.parity (site "
                        "'deadlock: wait #0') ") +
                state +
                "\n  warp 0 lanes 1-31, warps 1-3 (127 threads): exited\n"
                "  warps 4-7 (128 threads): mbarrier.try_wait.parity (site "
                "'deadlock: wait #1') " +
                state);
}

void deadlockMixedKernel(void **) {
  uint32_t t = tid();
  if (t < 16)
    shfl(MOEC_EMU_SHFL_BFLY, 0xffffffffu, t, 1, 0x1f, nullptr,
         "mixed: shfl.sync");
  else if (t < 32)
    barSync(3, 64, "mixed: bar.sync");
}

TEST(Executor, DeadlockReportCollectivesAndBarriers) {
  NoCtx ctx;
  GridResult r = launch("mixed", deadlockMixedKernel, ctx, threads(64));
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error,
            "deadlock in kernel 'mixed' block (0,0,0): every live thread "
            "waits\n"
            "  warp 0 lanes 0-15 (16 threads): shfl.sync.bfly (site 'mixed: "
            "shfl.sync') with membermask 0xffffffff: lanes 0-15 arrived, lanes "
            "16-31 missing\n"
            "  warp 0 lanes 16-31 (16 threads): bar.sync (site 'mixed: "
            "bar.sync') on barrier 3: 16 of 64 threads arrived\n"
            "  warp 1 (32 threads): exited");
}

void uninitKernel(void **) {
  if (tid() == 5)
    mbarArrive(dynamicSmem() + 8, 1, "uninit: arrive");
}

TEST(Executor, UninitializedMbarrier) {
  NoCtx ctx;
  GridResult r =
      launch("uninit", uninitKernel, ctx, threads(64), 64, threads(1, 2));
  EXPECT_EQ(r.error,
            "arrive on an mbarrier at shared 0x408 that was never initialized "
            "(mbarrier.init) [kernel 'uninit', block (0,0,0), thread 5 (warp "
            "0, lane 5), at 'uninit: arrive']");
}

void bigArriveKernel(void **) {
  uint8_t *smem = dynamicSmem();
  if (tid() == 0) {
    mbarInit(smem, 4, "arrivals: init");
    mbarArrive(smem, 3, "arrivals: arrive 3");
    mbarArrive(smem, 2, "arrivals: arrive 2");
  }
}

TEST(Executor, ArriveCountBeyondPending) {
  NoCtx ctx;
  GridResult r = launch("arrivals", bigArriveKernel, ctx, threads(32), 64);
  EXPECT_EQ(r.error.substr(0, r.error.find(" [")),
            "mbarrier.arrive with count 2 on mbarrier at shared 0x400: "
            "current phase 0 (parity 0), 1 of 4 arrivals pending, tx-count 0: "
            "more arrivals than the phase has pending");
}

struct AccessCtx {
  int which = 0;
  std::vector<uint16_t> global;
};

void accessKernel(void **params) {
  auto &c = context<AccessCtx>(params);
  uint8_t *smem = dynamicSmem();
  uint32_t t = tid();
  if (t != 33)
    return;
  switch (c.which) {
  case 0: // shared out of bounds: one past the end
    load(reinterpret_cast<uint32_t *>(smem + 0x30400), 3, "oob: ld.shared");
    break;
  case 1: // global out of bounds
    store(&c.global[16], uint16_t(1), 1, "oob: st.global");
    break;
  case 2: // misaligned shared
    load(reinterpret_cast<uint32_t *>(smem + 2), 3, "mis: ld.shared");
    break;
  case 3: // store over a live mbarrier (generic address space)
    mbarInit(smem + 16, 1, "live: init");
    store(reinterpret_cast<uint32_t *>(smem + 20), 0u, 0, "live: st");
    break;
  case 4: // below the dynamic window (the reserved 1 KiB)
    store(smem - 8, uint8_t(0), 3, "oob: st.shared");
    break;
  case 5: // fine: generic loads of shared and global
    load(reinterpret_cast<uint32_t *>(smem + 0x303fc), 0, "ok: ld");
    load(&c.global[15], 0, "ok: ld.global");
    store(reinterpret_cast<uint32_t *>(smem + 24), 0u, 0, "ok: st");
    break;
  }
}

GridResult runAccess(int which) {
  AccessCtx ctx;
  ctx.which = which;
  ctx.global.resize(16);
  TestMemory memory;
  memory.add(ctx.global.data(), 32);
  return launch("access", accessKernel, ctx, threads(64), 0x30400, Dim3(),
                &memory);
}

TEST(Executor, SharedOutOfBounds) {
  EXPECT_EQ(runAccess(0).error,
            "out-of-bounds shared load of 4 bytes at shared 0x30800 (dynamic "
            "shared memory is [0x400, 0x30800)) [kernel 'access', block "
            "(0,0,0), thread 33 (warp 1, lane 1), at 'oob: ld.shared']");
  EXPECT_NE(runAccess(4).error.find("out-of-bounds shared store of 1 bytes at "
                                    "shared 0x3f8"),
            std::string::npos);
}

TEST(Executor, GlobalOutOfBounds) {
  std::string e = runAccess(1).error;
  EXPECT_EQ(e.substr(0, 40), "out-of-bounds global store of 2 bytes at");
  EXPECT_NE(e.find(": 2 bytes past the end of the 32-byte allocation [kernel "
                   "'access', block (0,0,0), thread 33 (warp 1, lane 1), at "
                   "'oob: st.global']"),
            std::string::npos)
      << e;
}

TEST(Executor, MisalignedAccess) {
  std::string e = runAccess(2).error;
  EXPECT_EQ(e.substr(0, e.find(" [")),
            "misaligned shared load of 4 bytes at shared 0x402 (needs 4-byte "
            "alignment)");
}

TEST(Executor, StoreOverLiveMbarrier) {
  std::string e = runAccess(3).error;
  EXPECT_EQ(e.substr(0, e.find(" [")),
            "generic shared store of 4 bytes at shared 0x414 overwrites the "
            "live mbarrier at shared 0x410: current phase 0 (parity 0), 1 of "
            "1 arrivals pending, tx-count 0 (initialized at 'live: init')");
}

TEST(Executor, ValidAccessesPass) { EXPECT_EQ(runAccess(5).error, ""); }

struct RegsCtx {
  uint32_t split = 232;
};

void setmaxnregKernel(void **params) {
  auto &c = context<RegsCtx>(params);
  uint32_t t = tid();
  setmaxnreg(t < 64 ? 232 : c.split, 1, "regs: setmaxnreg");
}

TEST(Executor, SetMaxNRegMismatch) {
  RegsCtx ctx;
  EXPECT_EQ(launch("regs", setmaxnregKernel, ctx, threads(256)).error, "");
  ctx.split = 240;
  GridResult r = launch("regs", setmaxnregKernel, ctx, threads(256));
  EXPECT_EQ(r.error.substr(0, r.error.find(" [")),
            "setmaxnreg mismatch in warpgroup 0: thread 64 executes "
            "setmaxnreg.inc 240 while thread 0 executed setmaxnreg.inc 232");
  ctx.split = 100;
  r = launch("regs", setmaxnregKernel, ctx, threads(256));
  EXPECT_NE(r.error.find("setmaxnreg.inc.sync.aligned.u32 100: the register "
                         "count must be a multiple of 8 in [24, 256]"),
            std::string::npos)
      << r.error;
}

void shflExitedKernel(void **params) {
  bool lateExit = context<NoCtx>(params).unused;
  uint32_t t = tid();
  if (t == 31)
    return;
  // Lane 31 exits first (it counts as arrived at the whole-CTA barrier)...
  if (!lateExit)
    barSync();
  // ... or while lanes 0-30 already wait for it in the shuffle.
  if (t < 32)
    shfl(MOEC_EMU_SHFL_IDX, 0xffffffffu, t, 0, 0x1f, nullptr,
         "exited: shfl.sync");
}

TEST(Executor, ShflWithExitedLane) {
  NoCtx ctx;
  GridResult r = launch("exited", shflExitedKernel, ctx, threads(64));
  EXPECT_EQ(r.error.substr(0, r.error.find(" [")),
            "shfl.sync.idx with membermask 0xffffffff: lane 31 of warp 0 has "
            "exited, so the collective can never complete");
  ctx.unused = 1;
  r = launch("exited", shflExitedKernel, ctx, threads(64));
  EXPECT_EQ(r.error,
            "lane 31 exited while lanes 0-30 of warp 0 wait for it in "
            "shfl.sync.idx at 'exited: shfl.sync' (membermask 0xffffffff) "
            "[kernel 'exited', block (0,0,0), thread 31 (warp 0, lane 31), at "
            "'(kernel return)']");
}

void divergedKernel(void **) {
  uint32_t t = tid();
  shfl(MOEC_EMU_SHFL_DOWN, 0xffffffffu, t, 1, 0x1f, nullptr,
       t < 16 ? "div: shfl #0" : "div: shfl #1");
}

TEST(Executor, WarpDiverged) {
  NoCtx ctx;
  GridResult r = launch("div", divergedKernel, ctx, threads(32));
  EXPECT_EQ(r.error,
            "warp diverged: lane 16 reaches shfl.sync.down (membermask "
            "0xffffffff) while lanes 0-15 of warp 0 wait in shfl.sync.down at "
            "'div: shfl #0' (membermask 0xffffffff) [kernel 'div', block "
            "(0,0,0), thread 16 (warp 0, lane 16), at 'div: shfl #1']");
}

void errorInLaterCtaKernel(void **) {
  if (sreg(MOEC_EMU_SREG_CTAID_X) == 2 && sreg(MOEC_EMU_SREG_CTAID_Y) == 1 &&
      tid() == 3)
    barSync(16, 0, "later: bar.sync");
}

TEST(Executor, ErrorNamesTheBlock) {
  NoCtx ctx;
  GridResult r = launch("later", errorInLaterCtaKernel, ctx, threads(32), 0,
                        threads(3, 2));
  EXPECT_EQ(r.error, "bar.sync 16: barrier ids are 0..15 [kernel 'later', "
                     "block (2,1,0), thread 3 (warp 0, lane 3), at 'later: "
                     "bar.sync']");
  // The executor is reusable after an abandoned CTA.
  BarrierCtx ok;
  r = launch("barrier", barrierKernel, ok, threads(256), 1024);
  EXPECT_TRUE(r.ok()) << r.error;
  EXPECT_EQ(ok.failures.load(), 0);
}

void cvtKernel(void **params) {
  auto &c = context<std::vector<uint32_t>>(params);
  if (tid() == 0) {
    c.push_back(cvtF8x2(1.0f, -2.0f, MOEC_EMU_TYPE_E4M3));
    c.push_back(
        cvtF8x2(1000.0f, -1.0f, MOEC_EMU_TYPE_E4M3 | MOEC_EMU_CVT_RELU));
  }
}

TEST(Executor, CvtF8) {
  std::vector<uint32_t> got;
  ASSERT_TRUE(launch("cvt", cvtKernel, got, threads(32)).ok());
  ASSERT_EQ(got.size(), 2u);
  EXPECT_EQ(got[0], 0x38c0u); // 1.0 = 0x38, -2.0 = 0xc0
  EXPECT_EQ(got[1], 0x7e00u); // 448 (satfinite), relu(-1) = 0
}

//===----------------------------------------------------------------------===//
// Throughput (printed, not asserted)
//===----------------------------------------------------------------------===//

struct SpinCtx {
  int rounds = 0;
};

void spinKernel(void **params) {
  auto &c = context<SpinCtx>(params);
  for (int i = 0; i < c.rounds; ++i)
    barSync();
}

TEST(Executor, SwitchThroughput) {
  SpinCtx ctx;
  ctx.rounds = 2000;
  auto start = std::chrono::steady_clock::now();
  GridResult r = launch("spin", spinKernel, ctx, threads(384));
  double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start)
          .count();
  ASSERT_TRUE(r.ok()) << r.error;
  // Every barrier round resumes each of the 384 fibers once (two switches).
  double resumes = 384.0 * (ctx.rounds + 1);
  printf("[ perf ] 384 threads x %d bar.sync: %.1f ms, %.1f M fiber "
         "resumes/s (%.1f ns per resume incl. the hook)\n",
         ctx.rounds, seconds * 1e3, resumes / seconds / 1e6,
         seconds / resumes * 1e9);

  // The bare context switch.
  static detail::FiberContext mainContext, fiber;
  static long count = 0;
  static detail::StackPool pool;
  ASSERT_TRUE(pool.reserve(1));
  detail::fiberInit(
      fiber, pool.stack(0), detail::StackPool::kStackBytes,
      [](void *) {
        while (true) {
          ++count;
          detail::fiberSwitch(fiber, mainContext);
        }
      },
      nullptr);
  constexpr long kSwitches = 2000000;
  start = std::chrono::steady_clock::now();
  for (long i = 0; i < kSwitches; ++i)
    detail::fiberSwitch(mainContext, fiber);
  seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start)
          .count();
  EXPECT_EQ(count, kSwitches);
  printf("[ perf ] bare fiber switch: %.1f ns (%.1f M switches/s)\n",
         seconds / (2.0 * kSwitches) * 1e9, 2.0 * kSwitches / seconds / 1e6);
}

} // namespace
