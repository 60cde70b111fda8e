//===- DeadlockReport.cpp - What every thread of a stuck CTA waits for ----===//
//
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//

#include "runtime/emulator/executor/CtaState.h"

#include <unordered_map>

namespace moec::emu::detail {

//===----------------------------------------------------------------------===//
// Deadlock report
//===----------------------------------------------------------------------===//

static std::string describeWait(const Cta &cta, const Thread &t) {
  if (t.state == ThreadState::Exited)
    return "exited";
  switch (t.wait) {
  case WaitKind::Barrier: {
    const NamedBarrier &b = cta.barriers[t.waitObject];
    if (b.threads == 0)
      return format("bar.sync (site '%s') on barrier %u for the whole CTA: %u "
                    "of %u threads arrived, %u exited",
                    t.waitSite, t.waitObject, b.arrived, cta.threadCount,
                    cta.exitedCount);
    return format("bar.sync (site '%s') on barrier %u: %u of %u threads "
                  "arrived",
                  t.waitSite, t.waitObject, b.arrived, b.threads);
  }
  case WaitKind::Mbarrier: {
    auto it = cta.mbarriers.find(t.waitObject);
    if (it == cta.mbarriers.end())
      return format("mbarrier.try_wait.parity (site '%s') on a vanished "
                    "mbarrier at shared 0x%x",
                    t.waitSite, t.waitObject);
    const Mbarrier &m = it->second;
    return format("mbarrier.try_wait.parity (site '%s') on mbarrier at shared "
                  "0x%x: waits for the phase with parity %u to complete; "
                  "current phase %llu (parity %u), %u of %u arrivals pending, "
                  "tx-count %lld",
                  t.waitSite, t.waitObject, t.waitParity,
                  (unsigned long long)m.phase, unsigned(m.phase & 1), m.pending,
                  m.expected, (long long)m.tx);
  }
  case WaitKind::Warp:
    for (const WarpCollective &c : cta.warpCollectives[t.warp])
      if (c.mask >> t.lane & 1)
        return format("%s (site '%s') with membermask 0x%08x: lanes %s "
                      "arrived, lanes %s missing",
                      collectiveName(c.kind, c.shflKind), c.site, c.mask,
                      laneList(c.arrived).c_str(),
                      laneList(c.mask & ~c.arrived).c_str());
    return "a warp collective";
  case WaitKind::Warpgroup: {
    const WarpgroupCollective &c = cta.warpgroupCollectives[t.waitObject];
    return format("%s (site '%s') in warpgroup %u: %u of 128 threads arrived",
                  collectiveName(c.kind), c.site, t.waitObject, c.arrived);
  }
  case WaitKind::None:
    break;
  }
  return "runnable";
}

/// "warp 0 lanes 1-31, warps 1-3" for a sorted list of thread ids.
static std::string describeThreads(const Cta &cta,
                                   const std::vector<uint32_t> &ids) {
  std::string out;
  auto add = [&](const std::string &s) {
    if (!out.empty())
      out += ", ";
    out += s;
  };
  auto warpEnd = [&](uint32_t w) { return w * 32 + warpLaneCount(cta, w) - 1; };
  for (size_t i = 0; i < ids.size();) {
    size_t j = i;
    while (j + 1 < ids.size() && ids[j + 1] == ids[j] + 1)
      ++j;
    uint32_t a = ids[i], b = ids[j];
    uint32_t wa = a / 32, wb = b / 32;
    auto lanes = [](uint32_t w, uint32_t lo, uint32_t hi) {
      return lo == hi ? format("warp %u lane %u", w, lo)
                      : format("warp %u lanes %u-%u", w, lo, hi);
    };
    uint32_t fullLo = wa, fullHi = wb;
    bool fullHead = a % 32 == 0, fullTail = b == warpEnd(wb);
    if (wa == wb) {
      if (fullHead && fullTail)
        add(format("warp %u", wa));
      else
        add(lanes(wa, a % 32, b % 32));
    } else {
      if (!fullHead) {
        add(lanes(wa, a % 32, warpEnd(wa) % 32));
        ++fullLo;
      }
      uint32_t hi = fullTail ? fullHi : fullHi - 1;
      if (fullLo <= hi && hi != ~0u)
        add(fullLo == hi ? format("warp %u", fullLo)
                         : format("warps %u-%u", fullLo, hi));
      if (!fullTail)
        add(lanes(wb, 0, b % 32));
    }
    i = j + 1;
  }
  if (ids.size() > 1)
    out += format(" (%zu threads)", ids.size());
  return out;
}

std::string deadlockReport(const Cta &cta) {
  std::string out = format("deadlock in kernel '%s' block (%u,%u,%u): every "
                           "live thread waits",
                           cta.kernelName(), cta.bx, cta.by, cta.bz);
  // Threads grouped by identical wait state, groups in order of their first
  // thread.
  std::vector<std::string> descriptions;
  std::vector<std::vector<uint32_t>> members;
  std::unordered_map<std::string, size_t> group;
  for (const Thread &t : cta.threads) {
    std::string d = describeWait(cta, t);
    auto [it, inserted] = group.emplace(d, descriptions.size());
    if (inserted) {
      descriptions.push_back(std::move(d));
      members.emplace_back();
    }
    members[it->second].push_back(t.linear);
  }
  constexpr size_t kMaxGroups = 48;
  for (size_t g = 0; g < descriptions.size() && g < kMaxGroups; ++g)
    out += "\n  " + describeThreads(cta, members[g]) + ": " + descriptions[g];
  if (descriptions.size() > kMaxGroups)
    out += format("\n  ... and %zu more groups of threads",
                  descriptions.size() - kMaxGroups);
  return out;
}

} // namespace moec::emu::detail
