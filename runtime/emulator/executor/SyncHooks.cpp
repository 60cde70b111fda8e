//===- SyncHooks.cpp - Thread ids, barriers, mbarriers, collectives -------===//
//
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//

#include "runtime/emulator/executor/CtaState.h"

#include <cstring>

namespace moec::emu::detail {

//===----------------------------------------------------------------------===//
// Hooks
//===----------------------------------------------------------------------===//

uint32_t hookSreg(uint32_t reg, const char *site) {
  Thread &t = current(site);
  const Cta &cta = *t.cta;
  const GridLaunch &l = *cta.launch;
  switch (reg) {
  case MOEC_EMU_SREG_TID_X:
    return t.x;
  case MOEC_EMU_SREG_TID_Y:
    return t.y;
  case MOEC_EMU_SREG_TID_Z:
    return t.z;
  case MOEC_EMU_SREG_NTID_X:
    return l.block.x;
  case MOEC_EMU_SREG_NTID_Y:
    return l.block.y;
  case MOEC_EMU_SREG_NTID_Z:
    return l.block.z;
  case MOEC_EMU_SREG_CTAID_X:
    return cta.bx;
  case MOEC_EMU_SREG_CTAID_Y:
    return cta.by;
  case MOEC_EMU_SREG_CTAID_Z:
    return cta.bz;
  case MOEC_EMU_SREG_NCTAID_X:
    return l.grid.x;
  case MOEC_EMU_SREG_NCTAID_Y:
    return l.grid.y;
  case MOEC_EMU_SREG_NCTAID_Z:
    return l.grid.z;
  case MOEC_EMU_SREG_LANEID:
    return t.lane;
  case MOEC_EMU_SREG_WARPID:
    // %warpid is the warp's slot on the SM, which is not the program's warp
    // index on the GPU; the emulator gives the index, a valid slot.
    return t.warp;
  default:
    FAIL(t, site, "unknown special register %u", reg);
  }
}

void hookBarrier(uint32_t id, uint32_t threads, const char *site) {
  Thread &t = current(site);
  Cta &cta = *t.cta;
  if (id >= 16)
    FAIL(t, site, "bar.sync %u: barrier ids are 0..15", id);
  if (threads != 0 && (threads % 32 != 0 || threads > cta.threadCount))
    FAIL(t, site,
         "bar.sync %u, %u: the thread count must be a multiple of 32 (the "
         "warp size) no larger than the CTA's %u threads",
         id, threads, cta.threadCount);
  NamedBarrier &b = cta.barriers[id];
  if (b.arrived == 0) {
    b.threads = threads;
    b.site = site;
  } else if (b.threads != threads) {
    FAIL(t, site,
         "bar.sync %u: thread count %u differs from the %u that the %u "
         "threads already waiting at '%s' expect (%s)",
         id, threads, b.threads, b.arrived, b.site,
         b.threads ? "an explicit count" : "0 means the whole CTA");
  }
  ++b.arrived;
  if (barrierComplete(cta, b)) {
    releaseBarrier(cta, b);
    return;
  }
  b.waiters.push_back(t.linear);
  block(t, WaitKind::Barrier, site, id);
}

/// PTX ISA, 'shfl.sync': the source lane j of each lane and whether it is
/// in range (the `valid` predicate); out of range, a lane gets its own value.
static void shflSource(uint32_t kind, uint32_t lane, uint32_t b, uint32_t clamp,
                       uint32_t &j, bool &valid) {
  uint32_t c = clamp & 0x1f;
  uint32_t segmask = (clamp >> 8) & 0x1f;
  int64_t maxLane = int64_t((lane & segmask) | (c & ~segmask));
  int64_t minLane = int64_t(lane & segmask);
  int64_t src = 0;
  switch (kind) {
  case MOEC_EMU_SHFL_UP:
    src = int64_t(lane) - int64_t(b);
    valid = src >= maxLane;
    break;
  case MOEC_EMU_SHFL_DOWN:
    src = int64_t(lane) + int64_t(b);
    valid = src <= maxLane;
    break;
  case MOEC_EMU_SHFL_BFLY:
    src = int64_t(lane ^ b);
    valid = src <= maxLane;
    break;
  default: // MOEC_EMU_SHFL_IDX
    src = minLane | int64_t(b & 0x1f & ~segmask);
    valid = src <= maxLane;
    break;
  }
  j = valid ? uint32_t(src) : lane;
}

uint32_t hookShfl(uint32_t kind, uint32_t mask, uint32_t value, uint32_t offset,
                  uint32_t clamp, uint32_t *valid, const char *site) {
  Thread &t = current(site);
  Cta &cta = *t.cta;
  if (kind > MOEC_EMU_SHFL_IDX)
    FAIL(t, site, "shfl.sync: unknown mode %u", kind);
  t.shflValue = value;
  t.shflOffset = offset;
  t.shflClamp = clamp;
  WarpCollective &c = joinWarpCollective(t, Collective::Shfl, kind, mask, site);
  if (c.arrived == c.mask) {
    uint32_t base = t.warp * 32;
    for (uint32_t lane = 0; lane < 32; ++lane) {
      if (!(c.mask >> lane & 1))
        continue;
      Thread &u = cta.threads[base + lane];
      uint32_t j;
      bool ok;
      shflSource(kind, lane, u.shflOffset, u.shflClamp, j, ok);
      if (!(c.mask >> j & 1))
        FAIL(t, site,
             "%s: lane %u reads lane %u, which is not in membermask 0x%08x "
             "(the value is undefined in PTX)",
             collectiveName(Collective::Shfl, kind), lane, j, c.mask);
      u.result = cta.threads[base + j].shflValue;
      u.resultValid = ok;
    }
    closeWarpCollective(cta, t.warp, c);
  } else {
    block(t, WaitKind::Warp, site);
  }
  if (valid)
    *valid = t.resultValid;
  return t.result;
}

uint32_t hookElect(uint32_t mask, const char *site) {
  Thread &t = current(site);
  Cta &cta = *t.cta;
  WarpCollective &c = joinWarpCollective(t, Collective::Elect, 0, mask, site);
  if (c.arrived == c.mask) {
    // PTX ISA, 'elect.sync': the leader is the lowest lane of membermask.
    uint32_t leader = uint32_t(__builtin_ctz(c.mask));
    uint32_t base = t.warp * 32;
    for (uint32_t lane = 0; lane < 32; ++lane)
      if (c.mask >> lane & 1)
        cta.threads[base + lane].result = lane == leader;
    closeWarpCollective(cta, t.warp, c);
  } else {
    block(t, WaitKind::Warp, site);
  }
  return t.result;
}

void hookSetMaxNReg(uint32_t registers, uint32_t increase, const char *site) {
  Thread &t = current(site);
  Cta &cta = *t.cta;
  // PTX ISA, 'setmaxnreg': the count is in [24, 256] and a multiple of 8;
  // .sync.aligned: all threads of the warpgroup execute the same instruction.
  const char *op = increase ? "setmaxnreg.inc" : "setmaxnreg.dec";
  if (registers < 24 || registers > 256 || registers % 8)
    FAIL(t, site,
         "%s.sync.aligned.u32 %u: the register count must be a multiple of 8 "
         "in [24, 256]",
         op, registers);
  uint32_t wg = t.warp / 4;
  WarpgroupCollective &c = cta.warpgroupCollectives[wg];
  if (!c.open) {
    // The first to arrive sets the count the others must match.
    c.registers = registers;
    c.increase = increase != 0;
  } else if (c.kind == Collective::SetMaxNReg &&
             (c.registers != registers || c.increase != (increase != 0)))
    FAIL(t, site,
         "setmaxnreg mismatch in warpgroup %u: thread %u executes %s %u while "
         "thread %u executed %s %u",
         wg, t.linear, op, registers, c.first,
         c.increase ? "setmaxnreg.inc" : "setmaxnreg.dec", c.registers);
  if (joinWarpgroup(t, Collective::SetMaxNReg, site))
    releaseWarpgroup(cta, wg);
}

void hookMbarrierInit(void *p, uint32_t count, const char *site) {
  Thread &t = current(site);
  uint32_t address;
  Mbarrier *m = mbarrierAt(t, p, "mbarrier.init", site, address, true);
  // PTX ISA, 'mbarrier.init': count in [1, 2^20 - 1].
  if (count < 1 || count > uint32_t(kMaxTxCount))
    FAIL(t, site,
         "mbarrier.init at shared 0x%x with count %u: the count must be in "
         "[1, 1048575]",
         address, count);
  if (!m->waiters.empty())
    FAIL(t, site,
         "mbarrier.init at shared 0x%x while %zu threads wait on it (it was "
         "initialized at '%s')",
         address, m->waiters.size(), m->initSite);
  m->phase = 0;
  m->expected = m->pending = count;
  m->tx = 0;
  m->initSite = site;
}

/// mbarrier.arrive: decrements the pending count; returns the state token
/// (the phase the arrival belongs to).
static uint64_t arrive(Thread &t, Mbarrier &m, uint32_t address, uint32_t count,
                       const char *op, const char *site) {
  if (count == 0 || count > m.pending)
    FAIL(t, site,
         "%s with count %u on %s: more arrivals than the phase has pending", op,
         count, describeMbarrier(address, m).c_str());
  uint64_t token = m.phase;
  m.pending -= count;
  maybeCompletePhase(*t.cta, m);
  return token;
}

uint64_t hookMbarrierArrive(void *p, uint32_t count, const char *site) {
  Thread &t = current(site);
  uint32_t address;
  Mbarrier *m = mbarrierAt(t, p, "arrive", site, address, false);
  return arrive(t, *m, address, count, "mbarrier.arrive", site);
}

uint64_t hookMbarrierArriveExpectTx(void *p, uint32_t txBytes,
                                    const char *site) {
  Thread &t = current(site);
  uint32_t address;
  Mbarrier *m = mbarrierAt(t, p, "arrive.expect_tx", site, address, false);
  // PTX ISA, 'mbarrier' — tx-count: expect-tx increments it; its range is
  // [-(2^20 - 1), 2^20 - 1].
  if (m->tx + int64_t(txBytes) > kMaxTxCount)
    FAIL(t, site,
         "mbarrier.arrive.expect_tx of %u bytes on %s: the tx-count would "
         "exceed 2^20-1",
         txBytes, describeMbarrier(address, *m).c_str());
  m->tx += txBytes;
  return arrive(t, *m, address, 1, "mbarrier.arrive.expect_tx", site);
}

void hookMbarrierWaitParity(void *p, uint32_t parity, const char *site) {
  Thread &t = current(site);
  uint32_t address;
  Mbarrier *m =
      mbarrierAt(t, p, "mbarrier.try_wait.parity", site, address, false);
  // PTX ISA, 'mbarrier.test_wait/try_wait': .parity P succeeds once the
  // phase with parity P has completed, i.e. while the current phase's parity
  // differs from P.
  if ((m->phase & 1) != (parity & 1))
    return;
  m->waiters.push_back(t.linear);
  block(t, WaitKind::Mbarrier, site, address, parity & 1);
}

void hookFence(uint32_t kind, const char *site) {
  Thread &t = current(site);
  Cta &cta = *t.cta;
  // fence.proxy.async orders the generic proxy's shared-memory writes before
  // later async-proxy (wgmma, TMA) accesses: after it, those bytes are safe
  // for wgmma to read. The other fences order nothing the emulator could get
  // wrong: it runs one thread at a time with sequentially consistent memory.
  if (kind == MOEC_EMU_FENCE_PROXY_ASYNC && cta.dirtyLo < cta.dirtyHi) {
    memset(cta.genericWritten.data() + cta.dirtyLo, 0,
           cta.dirtyHi - cta.dirtyLo);
    cta.dirtyLo = cta.dirtyHi = 0;
  } else if (kind > MOEC_EMU_FENCE_ACQ_REL) {
    FAIL(t, site, "unknown fence kind %u", kind);
  }
}

} // namespace moec::emu::detail
