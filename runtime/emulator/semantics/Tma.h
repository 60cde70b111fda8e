//===- Tma.h - TMA tiled box copies into shared memory ----------*- C++ -*-===//
//
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//

#ifndef MOEC_RUNTIME_EMULATOR_SEMANTICS_TMA_H
#define MOEC_RUNTIME_EMULATOR_SEMANTICS_TMA_H

#include "runtime/emulator/semantics/SharedWindow.h"
#include "runtime/emulator/semantics/TensorMap.h"

#include <cstdint>
#include <string>

namespace moec::emu {

/// cp.async.bulk.tensor.{1..5}d.shared::cluster.global.tile: copies the box
/// at element coordinates coords[0..rank) (signed; out-of-bounds elements
/// are zero, or NaN with OOB_FILL_NAN_REQUEST_ZERO_FMA for float types) into
/// shared window address dst. The box is laid out densely in shared memory
/// (innermost dimension first, elementStrides honoured), with the swizzle
/// applied to shared-window ADDRESS bits (swizzleSharedAddress), as the
/// hardware does. The global memory is read at map.globalAddress as a host
/// pointer; elements outside the tensor bounds are never read.
///
/// txBytes = the full box's bytes (out-of-bounds elements count too): what
/// complete_tx signals on the mbarrier.
///
/// Errors (returned, nothing copied, txBytes 0): rank differs from the
/// map's; dst not 128-byte aligned; for swizzled maps dst not aligned to the
/// swizzle repeat (1024/512/256 B); the box's bytes fall outside the window;
/// a swizzle mode sm_90 does not have (128B_ATOM_*); an unsupported type.
std::string tmaLoadTile(const TensorMapDesc &map, const int32_t *coords,
                        uint32_t rank, uint32_t dst, SharedWindow window,
                        uint32_t &txBytes);

/// The bytes a box of `map` occupies in shared memory (what txBytes
/// reports), 0 when the map's type is unsupported.
uint32_t tmaBoxBytes(const TensorMapDesc &map);

} // namespace moec::emu

#endif // MOEC_RUNTIME_EMULATOR_SEMANTICS_TMA_H
