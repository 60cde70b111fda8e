"""The core of the CPU model of moec's tiled Hopper GEMM kernels (see gemm_model.py, whose
docstring describes the model and its CLI): kernel descriptions, the persistent tile
schedule, the grouped (MoE) expert search, wgmma fragments, mbarriers and the stage ring,
the dense and grouped kernels (TiledGemm, GroupedGemm), the float64 reference, random
inputs and error bounds.  The swap-AB variant lives in gemm_model_swap.py."""

import functools
import json
import os
import sys

import numpy as np

sys.dont_write_bytecode = True          # keep the source tree free of __pycache__
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "reference"))
import llama4_ref as ref  # noqa: E402

PRECISIONS = ("bf16", "fp8-rowwise", "fp8-block")
ACTIVATIONS = ("none", "silu", "swiglu")
# Relative L2 bounds of the model's bf16 output against the float64 reference.
REL_L2_BOUND = {"bf16": 5e-3, "fp8-rowwise": 2e-2, "fp8-block": 2e-2}
# K per wgmma instruction: 32 bytes of K for FP8 operands, 16 for bf16.
MMA_K = {"bf16": 16, "fp8-rowwise": 32, "fp8-block": 32}
ELEM_BYTES = {"bf16": 2, "fp8-rowwise": 1, "fp8-block": 1}
WGMMA_M = 64                            # rows of one wgmma = rows owned by one consumer
WARPGROUP = 128                         # threads per warpgroup
H100_MAX_SMEM = 232448                  # 227 KiB opt-in dynamic shared memory per CTA
POLICIES = ("random", "producer_first", "consumer_first")
KINDS = ("gemm", "grouped_gemm")


class DescError(ValueError):
    """The kernel description is malformed or outside what the kernel supports."""


class ModelError(AssertionError):
    """The modelled kernel broke one of its invariants (an indexing/synchronisation bug)."""


def ceil_div(a, b):
    return -(-a // b)


# --------------------------------------------------------------------------------------
# Kernel description
# --------------------------------------------------------------------------------------

def parse_desc(obj):
    """Validate a kernel description (dict or JSON text) and fill defaulted fields.

    Only the fields that define the algorithm are required; the rest default to what the
    compiler emits, so tests can pass short inline descriptions.  Everything the model
    relies on is checked here, so a description the model cannot represent faithfully is
    rejected with a clear message instead of silently modelled differently."""
    d = json.loads(obj) if isinstance(obj, str) else dict(obj)

    def need(key):
        if key not in d:
            raise DescError("kernel description lacks %r" % key)
        return d[key]

    kind = d.setdefault("kind", "gemm")
    if kind not in KINDS:
        raise DescError("kind is %r, expected 'gemm' or 'grouped_gemm'" % (kind,))
    prec = need("precision")
    if prec not in PRECISIONS:
        raise DescError("precision %r is not one of %s" % (prec, ", ".join(PRECISIONS)))
    for key in ("n", "k", "stages"):
        if not isinstance(need(key), int) or d[key] < 1:
            raise DescError("%s must be a positive integer, got %r" % (key, d[key]))
    d.setdefault("m", None)
    if d["m"] is not None and (not isinstance(d["m"], int) or d["m"] < 1):
        raise DescError("m must be null (dynamic) or a positive integer, got %r" % d["m"])
    if kind == "grouped_gemm":
        experts = need("experts")
        if not isinstance(experts, int) or isinstance(experts, bool) or experts < 1:
            raise DescError("experts must be a positive integer, got %r" % (experts,))
        if d["m"] is not None:
            raise DescError("a grouped_gemm's rows come from the device-side offsets: m must "
                            "be null, got %r" % d["m"])
    elif "experts" in d and d["experts"] not in (None, 0):
        raise DescError("experts %r given for kind 'gemm' (use kind 'grouped_gemm')"
                        % (d["experts"],))
    swap = d.setdefault("swap_ab", False)
    if not isinstance(swap, bool):
        raise DescError("swap_ab must be true or false, got %r" % (swap,))
    tm, tn, tk = _int_triple(need("tile"), "tile")
    mma = _int_triple(need("mma"), "mma")
    roles = need("warp_roles")
    if not (isinstance(roles, list) and len(roles) == 2 and roles[0] == 1 and roles[1] >= 1):
        raise DescError("warp_roles must be [1, consumers], got %r" % (roles,))
    if swap:
        _check_swap_shape(d, tm, tn, mma, roles)
    else:
        _check_shape_fields(tm, tn, mma, roles)
    if kind == "grouped_gemm" and d.setdefault("offsets_alignment", tm) != tm:
        raise DescError("offsets_alignment %r must equal tile M %d: each expert's segment is "
                        "padded to whole tiles of TM rows" % (d["offsets_alignment"], tm))
    if mma[2] != MMA_K[prec]:
        raise DescError("mma k %d must be %d for %s" % (mma[2], MMA_K[prec], prec))
    if tk % mma[2]:
        raise DescError("tile K %d is not a multiple of mma k %d" % (tk, mma[2]))
    d.setdefault("promote_every", tk)
    d.setdefault("scale_block", 128)
    if prec != "bf16" and d["promote_every"] != tk:
        raise DescError("promote_every %r must equal tile K %d for FP8 (one promotion per "
                        "k-block)" % (d["promote_every"], tk))
    if prec == "fp8-block":
        sb = d["scale_block"]
        if sb != tk:
            raise DescError("fp8-block: scale_block %r must equal tile K %d (one scale per "
                            "k-block)" % (sb, tk))
        if sb % tn:
            raise DescError("fp8-block: tile N %d must divide scale_block %d (one weight "
                            "scale per tile column block)" % (tn, sb))
    if not isinstance(d.setdefault("max_ctas", 132), int) or d["max_ctas"] < 1:
        raise DescError("max_ctas must be a positive integer, got %r" % d["max_ctas"])
    if d.setdefault("tile_order", "m_fastest") != "m_fastest":
        raise DescError("tile_order %r: only 'm_fastest' is modelled" % d["tile_order"])
    if d.setdefault("activation", "none") not in ACTIVATIONS:
        raise DescError("activation %r is not one of %s" % (d["activation"], ACTIVATIONS))
    swiglu = d["activation"] == "swiglu"
    if swiglu:
        if d["n"] % 2:
            raise DescError("swiglu needs the fused gate|up width N = 2I to be even, got %d"
                            % d["n"])
        if tn % 16:
            raise DescError("swiglu: tile N %d must be a multiple of 16 (the up register of "
                            "r is r + TN/4, TN/2 columns to the right)" % tn)
        half, box = d["n"] // 2, tn // 2
        if prec == "fp8-block" and (half % d["scale_block"]) % box:
            raise DescError("swiglu with fp8-block needs I = N/2 = %d to be a multiple of %d "
                            "so that the up rows stay inside their 128-row scale blocks"
                            % (half, box))
    for key, want in (("output_n", d["n"] // 2 if swiglu else d["n"]),
                      ("b_box_rows", tn // 2 if swiglu else tn)):
        if d.setdefault(key, want) != want:
            raise DescError("%s %r != %d for activation %s, n %d, tile N %d"
                            % (key, d[key], want, d["activation"], d["n"], tn))
    threads = WARPGROUP * (roles[0] + roles[1])
    if d.setdefault("threads", threads) != threads:
        raise DescError("threads %r != 128 x %d warpgroups" % (d["threads"], sum(roles)))
    ring = d["stages"] * (tm + tn) * tk * ELEM_BYTES[prec]
    if ring > H100_MAX_SMEM:
        raise DescError("the stage ring needs %d bytes (stages x (TM + TN) x TK x %d), more "
                        "than the H100's %d bytes of shared memory"
                        % (ring, ELEM_BYTES[prec], H100_MAX_SMEM))
    smem = d.setdefault("smem_bytes", ring)
    if not (ring <= smem <= H100_MAX_SMEM):
        raise DescError("smem_bytes %r must hold the %d-byte stage ring and fit the H100's "
                        "%d bytes" % (smem, ring, H100_MAX_SMEM))
    d.setdefault("name", "inline_%s_%s_%dx%dx%d%s%s" % (
        kind, prec, tm, tn, tk, "_e%d" % d["experts"] if kind == "grouped_gemm" else "",
        "_swap" if swap else ""))
    return d


def _check_shape_fields(tm, tn, mma, roles):
    """Today's kernel: `consumers` warpgroups of 64 rows each, one m64 x TN wgmma each."""
    consumers = roles[1]
    if tm != WGMMA_M * consumers:
        raise DescError("tile M %d != 64 x %d consumer warpgroups (each owns 64 rows)"
                        % (tm, consumers))
    if mma[0] != WGMMA_M or mma[1] != tn:
        raise DescError("mma %r must be [64, tile N = %d, k]: one wgmma covers a consumer's "
                        "64 x TN accumulator" % (mma, tn))
    if tn % 8 or tn > 256:
        raise DescError("tile N %d must be a multiple of 8 and <= 256 (wgmma N)" % tn)


def _check_swap_shape(d, tm, tn, mma, roles):
    """swap_ab ("decode"): the weight rows fill wgmma M = 64, one part of 64 B rows per
    accumulator (TN = 64 x parts, parts 1 or 2), and the TM tokens of a tile are wgmma N;
    one consumer warpgroup holds all parts.  swiglu: part 0 gate, part 1 up rows."""
    if roles != [1, 1]:
        raise DescError("swap_ab: warp_roles %r must be [1, 1] (one consumer warpgroup holds "
                        "every part of the tile)" % (roles,))
    if tm % 8 or tm > 256:
        raise DescError("swap_ab: tile M %d (tokens per tile = wgmma N) must be a multiple "
                        "of 8 and <= 256" % tm)
    if tn not in (WGMMA_M, 2 * WGMMA_M):
        raise DescError("swap_ab: tile N %d must be 64 x parts with parts 1 or 2 (each part's "
                        "64 weight rows fill wgmma M)" % tn)
    parts = tn // WGMMA_M
    if d.setdefault("parts", parts) != parts:
        raise DescError("swap_ab: parts %r != tile N %d / 64" % (d["parts"], tn))
    if mma[0] != WGMMA_M or mma[1] != tm:
        raise DescError("swap_ab: mma %s must be [64, tile M = %d, k]: one wgmma per part "
                        "computes 64 weight rows x TM tokens" % (list(mma), tm))
    if d.get("activation") == "swiglu" and tn != 2 * WGMMA_M:
        raise DescError("swap_ab with swiglu needs tile N 128 (part 0: 64 gate rows, part 1: "
                        "64 up rows), got %d" % tn)


def _int_triple(v, what):
    if not (isinstance(v, list) and len(v) == 3 and all(isinstance(x, int) and x > 0
                                                        for x in v)):
        raise DescError("%s must be three positive integers, got %r" % (what, v))
    return tuple(v)


def load_desc(path):
    """Read and validate DIR/<name>.json as written by `moec emit-kernel gemm` (or
    grouped-gemm)."""
    with open(path) as f:
        return parse_desc(json.load(f))


# --------------------------------------------------------------------------------------
# Tile schedule (persistent grid, m_fastest)
# --------------------------------------------------------------------------------------

def tile_grid(desc, m):
    """(numMBlocks, numNBlocks, numTiles, grid): the persistent launch the kernel uses.
    A tile covers b_box_rows output columns (TN; TN/2 with swiglu) of output_n."""
    tm = desc["tile"][0]
    nmb, nnb = ceil_div(m, tm), ceil_div(desc["output_n"], desc["b_box_rows"])
    tiles = nmb * nnb
    return nmb, nnb, tiles, min(tiles, desc["max_ctas"])


def cta_tiles(cta, num_tiles, grid):
    """Tiles of persistent CTA `cta`, in processing order: cta, cta+grid, ..."""
    return range(cta, num_tiles, grid)


def tile_blocks(tile, num_m_blocks):
    """m_fastest: consecutive tiles walk down M first, so CTAs share a weight tile."""
    return tile % num_m_blocks, tile // num_m_blocks


# --------------------------------------------------------------------------------------
# Grouped (MoE) schedule: tile-aligned expert segments, device-side offsets
# --------------------------------------------------------------------------------------

def expert_offsets(counts, tm):
    """offsets [E+1] int32 of the contiguous layout: each expert's tokens padded to whole
    row tiles, offsets[e+1] = offsets[e] + ceil(count_e / TM) * TM."""
    counts = np.asarray(counts, np.int64)
    if counts.ndim != 1 or len(counts) < 1 or (counts < 0).any():
        raise ValueError("token counts must be a non-empty list of non-negative integers")
    padded = -(-counts // tm) * tm
    offsets = np.concatenate([[0], np.cumsum(padded)])
    if offsets[-1] >= 2 ** 31:
        raise ValueError("offsets overflow int32")
    return offsets.astype(np.int32)


def row_capacity(counts, tm):
    """The rows a launcher allocates for A and C without knowing the routing: every
    non-empty expert may waste up to TM-1 padding rows, so T + min(E, T) * (TM-1)."""
    t, e = int(np.sum(counts)), len(counts)
    return t + min(e, t) * (tm - 1)


def check_offsets(offsets, experts, tm, rows=None):
    """The launch's preconditions on offsets (caller errors, not kernel bugs)."""
    o = np.asarray(offsets)
    if o.shape != (experts + 1,) or not np.issubdtype(o.dtype, np.integer):
        raise ValueError("offsets must be %d integers (E + 1), got %s %s"
                         % (experts + 1, o.dtype, o.shape))
    o = o.astype(np.int64)
    if o[0] != 0 or (np.diff(o) < 0).any() or (o % tm).any():
        raise ValueError("offsets must start at 0, not decrease and be multiples of TM = %d: "
                         "%s" % (tm, o.tolist()))
    if rows is not None and o[-1] > rows:
        raise ValueError("offsets[E] = %d exceeds the %d allocated rows" % (o[-1], rows))
    return o


def search_steps(experts):
    """Iterations of the unrolled expert search: ceil(log2 E), 0 for E = 1."""
    steps, span = 0, 1
    while span < experts:
        span, steps = span * 2, steps + 1
    return steps


def find_expert(offsets, row, experts, bug=None):
    """The kernel's expert lookup for a tile whose first row is `row`: lo = 0, hi = E and
    ceil(log2 E) steps of mid = (lo + hi) / 2; offsets[mid] <= row ? lo = mid : hi = mid.
    The result is the largest e < E with offsets[e] <= row: past a run of empty experts
    (equal offsets), the one whose segment holds the row.  bug="expert-search" compares
    with < instead of <=."""
    lo, hi = 0, experts
    for _ in range(search_steps(experts)):
        mid = (lo + hi) // 2
        start = int(offsets[mid])
        inside = start < row if bug == "expert-search" else start <= row
        lo, hi = (mid, hi) if inside else (lo, mid)
    return lo


def grouped_tile_grid(desc, offsets):
    """(numMBlocks, numNBlocks, numTiles, grid) of a grouped launch: the kernel derives
    numMBlocks = offsets[E] / TM on the device; the host, which cannot know it, launches
    max_ctas CTAs and those without a tile exit at once."""
    tm = desc["tile"][0]
    rows = int(offsets[-1])
    if rows % tm:
        raise ValueError("offsets[E] = %d is not a multiple of TM = %d" % (rows, tm))
    nmb, nnb = rows // tm, ceil_div(desc["output_n"], desc["b_box_rows"])
    return nmb, nnb, nmb * nnb, desc["max_ctas"]


# --------------------------------------------------------------------------------------
# wgmma accumulator fragments
# --------------------------------------------------------------------------------------

@functools.lru_cache(maxsize=None)
def wgmma_accumulator_layout(tn):
    """Ground truth: where the hardware puts element (row, col) of an m64nTN f32 accumulator.

    Written from the PTX ISA's figure (loops), independently of the kernel's bit formula:
    warp w holds rows 16w..16w+15; per 8-column chunk j a lane holds four values, rows
    lane/4 and lane/4+8, columns 2*(lane%4) and +1, in the order (r,c) (r,c+1) (r+8,c)
    (r+8,c+1).  Returns (row, col) int arrays [128 threads, TN/2 registers]."""
    rows = np.empty((WARPGROUP, tn // 2), np.int64)
    cols = np.empty_like(rows)
    for warp in range(4):
        for lane in range(32):
            t, group, quad = 32 * warp + lane, lane // 4, lane % 4
            for chunk in range(tn // 8):
                for half in range(2):
                    for e in range(2):
                        reg = 4 * chunk + 2 * half + e
                        rows[t, reg] = 16 * warp + group + 8 * half
                        cols[t, reg] = 8 * chunk + 2 * quad + e
    seen = np.zeros((WGMMA_M, tn), np.int64)
    np.add.at(seen, (rows, cols), 1)
    assert (seen == 1).all(), "wgmma layout is not a bijection"
    return rows, cols


@functools.lru_cache(maxsize=None)
def kernel_fragment_coords(tn, bug=None):
    """The kernel's own (row, col) of each (thread, register), as its epilogue computes it:
    row = 16*w + l/4 + 8*((r>>1)&1), col = 8*(r>>2) + 2*(l%4) + (r&1).  Used for the scale
    lookups and the stores; it must agree with the hardware layout above.
    bug="fragment-row" drops the +8 term (row off by 8 for half the registers)."""
    t = np.arange(WARPGROUP)[:, None]
    r = np.arange(tn // 2)[None, :]
    w, lane = t // 32, t % 32
    row = 16 * w + lane // 4 + (0 if bug == "fragment-row" else 8 * ((r >> 1) & 1))
    col = 8 * (r >> 2) + 2 * (lane % 4) + (r & 1)
    return np.broadcast_to(row, (WARPGROUP, tn // 2)), np.broadcast_to(col, (WARPGROUP,
                                                                             tn // 2))


# --------------------------------------------------------------------------------------
# mbarriers and the stage ring
# --------------------------------------------------------------------------------------

class Mbarrier:
    """An mbarrier as a phase counter.

    `phase` counts completed phases; a phase completes when `count` arrivals happened.
    try_wait.parity(P) succeeds iff the phase with parity P has completed, i.e. the current
    (incomplete) phase has the other parity: (phase & 1) != P.  A fresh barrier therefore
    lets parity-1 waits through, which is why the producer waits "empty" with parity^1."""

    def __init__(self, name, count):
        self.name, self.count, self.phase, self.pending = name, count, 0, count

    def arrive(self):
        self.pending -= 1
        if self.pending == 0:
            self.phase, self.pending = self.phase + 1, self.count

    def ready(self, parity):
        return (self.phase & 1) != parity


class StageRing:
    """Shared-memory stages with a tag of what they hold, so reads can be verified."""

    def __init__(self, stages, consumers, where):
        self.tag = [None] * stages                 # (tile, kb) last loaded into the stage
        self.data = [None] * stages                # (A box, B box)
        self.unread = [set() for _ in range(stages)]
        self.consumers, self.where = consumers, where

    def fill(self, stage, tag, data):
        if self.unread[stage]:
            raise ModelError("stage ring (%s): producer loads %s into stage %d, overwriting "
                             "%s before consumer(s) %s read it"
                             % (self.where, _tk(tag), stage, _tk(self.tag[stage]),
                                sorted(self.unread[stage])))
        self.tag[stage], self.data[stage] = tag, data
        self.unread[stage] = set(range(self.consumers))

    def read(self, stage, consumer, tag):
        if self.tag[stage] != tag or consumer not in self.unread[stage]:
            held = _tk(self.tag[stage]) if self.tag[stage] else "nothing"
            if self.tag[stage] == tag:
                held += ", already consumed by it"
            raise ModelError("stage ring (%s): consumer %d expects %s in stage %d but it holds "
                             "%s" % (self.where, consumer, _tk(tag), stage, held))
        self.unread[stage].discard(consumer)
        return self.data[stage]


def _tk(tag):
    return "(tile %d, kb %d)" % tag


def run_agents(agents, policy, rng, where):
    """Interleave producer/consumer coroutines until all finish.

    Each agent is a generator that yields (barrier, parity) before every wait; it resumes
    only when that wait would succeed.  policy picks among the ready agents: the greedy
    policies are the extreme interleavings (producer runs `stages` ahead / consumers chase
    the producer), "random" a seeded mix.  No ready agent while some are unfinished is a
    deadlock."""
    waiting = {}
    for name, gen in agents:
        w = next(gen, None)
        if w is not None:
            waiting[name] = (gen, w)
    while waiting:
        ready = [n for n, (_, (bar, par)) in waiting.items() if bar.ready(par)]
        if not ready:
            raise ModelError("stage ring deadlock (%s): %s" % (where, "; ".join(
                "%s waits %s parity %d (phase %d)" % (n, bar.name, par, bar.phase)
                for n, (_, (bar, par)) in waiting.items())))
        if policy == "random":
            name = ready[rng.integers(len(ready))]
        elif policy == "producer_first":
            name = ready[0]
        elif policy == "consumer_first":
            name = ([n for n in ready if n != "producer"] or ready)[0]
        else:
            raise ValueError("unknown policy %r" % policy)
        gen, _ = waiting[name]
        w = next(gen, None)
        if w is None:
            del waiting[name]
        else:
            waiting[name] = (gen, w)


# --------------------------------------------------------------------------------------
# The kernel
# --------------------------------------------------------------------------------------

def _as_values(x, precision):
    """Operands as float32 values: raw e4m3 bytes / bf16 bits are decoded, values kept."""
    x = np.asarray(x)
    if x.dtype == np.uint8:
        return ref.decode_e4m3(x)
    if x.dtype == np.uint16:
        return ref.bf16_bits_to_f32(x)
    return x.astype(np.float32)


def _load_box(x, r0, rows, k0, cols):
    """A TMA box load: rows [r0, r0+rows) x [k0, k0+cols); out-of-bounds reads are zero."""
    box = np.zeros((rows, cols), np.float32)
    src = x[r0:r0 + rows, k0:k0 + cols]
    box[:src.shape[0], :src.shape[1]] = src
    return box


def _load_rows(x, src, k0, cols):
    """TMA box loads stacked into one tile: row i of the result is row src[i] of x (columns
    [k0, k0+cols)), zero where src[i] < 0 (the box ran past the tensor) or past K."""
    box = np.zeros((len(src), cols), np.float32)
    ok = src >= 0
    part = x[src[ok], k0:k0 + cols]
    box[ok, :part.shape[1]] = part
    return box


def _pad(x, shape):
    """x zero-padded to `shape`: what guarded scale loads return past the tensor's end."""
    out = np.zeros(shape, np.float32)
    out[tuple(slice(0, d) for d in x.shape)] = x
    return out


def _scale_at(arr, what, *idx):
    """A scale load from a zero-padded scale array; reading outside the padded tile grid
    means the kernel computed a wild scale index."""
    for i, n in zip(idx, arr.shape):
        i = np.asarray(i)
        if (i < 0).any() or (i >= n).any():
            raise ModelError("%s index out of range [0, %d): %d" % (
                what, n, i.min() if (i < 0).any() else i.max()))
    return arr[idx]


def _silu32(x):
    with np.errstate(over="ignore"):
        return (x / (np.float32(1) + np.exp(-x))).astype(np.float32)


def check_swiglu_sources(where, what, stored, rows, cols, half_n, positions, sources, up):
    """Every stored C[rows, cols] must come from a gate register holding (its
    position, B row col) and an up register holding (its position, B row I + col):
    positions = (gate, up, expected) per register, as `what` (an accumulator row, or
    a token with swap-AB); sources = the B rows the gate and up registers hold."""
    g_pos, u_pos, expected = positions
    g_src, u_src = sources
    bad = stored & ((g_pos != expected) | (u_pos != expected) | (g_src != cols) |
                    (u_src != half_n + cols))
    if not bad.any():
        return
    t, r = np.argwhere(bad)[0]
    if g_pos[t, r] != expected[t, r] or u_pos[t, r] != expected[t, r]:
        why = "a register holds another %s" % what.split()[-1]
    elif g_src[t, r] >= half_n:
        why = "garbage: gate B row >= I = %d" % half_n
    else:
        why = "wrong B rows"
    raise ModelError("epilogue of %s: thread %d stores C[%d, %d] from gate reg %d "
                     "(%s %d, B row %d) and up reg %d (%s %d, B row %d), expected %s %d "
                     "and B rows %d, %d (%s)"
                     % (where, t, rows[t, r], cols[t, r], r, what, g_pos[t, r],
                        g_src[t, r], up[r], what, u_pos[t, r], u_src[t, r],
                        what.split()[-1], expected[t, r], cols[t, r],
                        half_n + cols[t, r], why))


class TiledGemm:
    """One launch of the dense kernel: operands, output, and the per-CTA agents.

    The grouped kernel (GroupedGemm) shares all of it and overrides the hooks: the tile
    schedule (_schedule), operand setup (_load_operands), the tile -> (m-block, n-block,
    expert) lookup (tile_coords), the tensor B's boxes are read from (_b_matrix) and the
    weight scale loads (_sb_block, _sb_row).  The swap-AB variant (gemm_model_swap.SwapAB,
    mixed in over either) overrides the consumer's math: the accumulator (_wgmma_n,
    _zero_acc, _registers), _wgmma_steps, _promote and _epilogue (sharing _store).  `m` is
    the number of rows in use (the epilogue's bound), `rows` the rows allocated for A and
    C (rows >= m must stay untouched).  C has output_n columns (N, or I = N/2 with
    swiglu)."""

    def __init__(self, desc, a, b, scale_a, scale_b, m, bug=None, compute=True, rows=None):
        self.desc, self.m, self.n, self.k = desc, m, desc["n"], desc["k"]
        self.rows = m if rows is None else rows
        self.prec, self.bug, self.compute = desc["precision"], bug, compute
        self.tm, self.tn, self.tk = desc["tile"]
        self.out_n, self.box_n = desc["output_n"], desc["b_box_rows"]
        self.swiglu = desc["activation"] == "swiglu"
        self.gate_rows_past_i = 0       # swiglu: garbage gate rows (B rows >= I), all tiles
        self.mma_k = desc["mma"][2]
        self.stages, self.consumers = desc["stages"], desc["warp_roles"][1]
        self.nmb, self.nnb, self.num_tiles, self.grid = self._schedule()
        self.nkb = ceil_div(self.k, self.tk)
        if compute:
            self._load_operands(a, b, scale_a, scale_b)
            self.c = np.full((self.rows, self.out_n), np.nan, np.float32)  # poisoned output
            self.writes = np.zeros((self.rows, self.out_n), np.int32)
            n = self._wgmma_n()
            self.hw_rows, self.hw_cols = wgmma_accumulator_layout(n)
            self.k_rows, self.k_cols = kernel_fragment_coords(
                n, bug if bug == "fragment-row" else None)

    # -- hooks (dense kernel) ---------------------------------------------------------

    def _wgmma_n(self):
        """N of the consumer's wgmma (its m64nN accumulator): the tile's TN columns."""
        return self.tn

    def _zero_acc(self):
        """A consumer's accumulator, m64 x TN, in matrix form."""
        return np.zeros((WGMMA_M, self.tn), np.float32)

    def _registers(self, acc):
        """The accumulator as the threads hold it: [128 threads, TN/2 registers]."""
        return acc[self.hw_rows, self.hw_cols]

    def _schedule(self):
        return tile_grid(self.desc, self.m)

    def _load_operands(self, a, b, scale_a, scale_b):
        self.a = _as_values(a, self.prec)
        self.b = _as_values(b, self.prec)
        _check_shape(self.a, (self.m, self.k), "A")
        _check_shape(self.b, (self.n, self.k), "B")
        self.sa, self.sb = self._padded_scales(scale_a, scale_b)

    def tile_coords(self, tile):
        """(m-block, n-block, expert) of a tile, as each role computes it (dense: no
        expert)."""
        mb, nb = tile_blocks(tile, self.nmb)
        return mb, nb, None

    def _a_box(self, mb, kb):
        return _load_box(self.a, mb * self.tm, self.tm, kb * self.tk, self.tk)

    def _b_matrix(self, expert):
        """The [N, K] tensor the B boxes are read from (a 2D map: rows past N read zero)."""
        return self.b

    def _b_rows(self, nb):
        """The B row each row of n-block nb's B tile is loaded from, -1 where the box runs
        past N (TMA fills zero; printed as "B row -1").  Dense/silu: one box, rows
        [nb*TN, +TN).  swiglu: the gate box, rows [nb*TN/2, +TN/2), then the up box, rows
        [I + nb*TN/2, +TN/2): gate rows >= I of a partial last tile are up rows (garbage
        the epilogue must not store)."""
        if self.swiglu:
            j = nb * self.box_n + np.arange(self.box_n)
            src = np.concatenate([j, self.out_n + j])
        else:
            src = nb * self.tn + np.arange(self.tn)
        return np.where(src < self.n, src, -1)

    def _b_box(self, expert, nb, kb):
        """The stage's B tile [TN, TK] and the B row each of its rows came from."""
        src = self._b_rows(nb)
        return _load_rows(self._b_matrix(expert), src, kb * self.tk, self.tk), src

    def _sb_block(self, expert, col_blocks, kb):
        return _scale_at(self.sb, "scale_b", col_blocks, kb)

    def _sb_row(self, expert, cols):
        return _scale_at(self.sb, "scale_b", cols)

    def _tile_name(self, cta, tile, mb, nb, expert):
        return "CTA %d tile %d (m-block %d, n-block %d)" % (cta, tile, mb, nb)

    def _padded_scales(self, scale_a, scale_b):
        """Scales zero-padded to the tile grid (fp8-block: +1 k-block, so that reading
        k-block kb+1's scale stays a numeric error rather than a crash)."""
        sa, sb = _check_scales(self.prec, scale_a, scale_b, self.m, self.n, self.nkb,
                               self.desc["scale_block"])
        rows, cols = self.nmb * self.tm, self.nnb * self.tn
        if self.prec == "fp8-rowwise":
            return _pad(sa, (rows,)), _pad(sb, (cols,))
        if self.prec == "fp8-block":
            blk = self.desc["scale_block"]
            return (_pad(sa, (rows, self.nkb + 1)),
                    _pad(sb, (ceil_div(cols, blk), self.nkb + 1)))
        return None, None

    # -- agents ----------------------------------------------------------------------

    def _ring_pos(self, it):
        stage, parity = it % self.stages, (it // self.stages) & 1
        return stage, parity

    def producer(self, cta, tiles, ring, full, empty):
        """TMA warp: for each (tile, k-block) wait for the stage to be empty, load A and B
        boxes into it, and complete its full barrier (arrive + transaction bytes)."""
        it = 0
        for tile in tiles:
            mb, nb, expert = self.tile_coords(tile)
            for kb in range(self.nkb):
                stage, parity = self._ring_pos(it)
                yield empty[stage], (parity if self.bug == "empty-parity" else parity ^ 1)
                data = None
                if self.compute:
                    data = (self._a_box(mb, kb),) + self._b_box(expert, nb, kb)
                ring.fill(stage, (tile, kb), data)
                full[stage].arrive()
                it += 1

    def consumer(self, cta, c, tiles, ring, full, empty):
        """Consumer warpgroup c: rows [64c, 64c+64) of each tile.  Per k-block: wait full,
        run TK/mma_k wgmma steps, promote (FP8), release the stage; then the epilogue."""
        it = 0
        for tile in tiles:
            mb, nb, expert = self.tile_coords(tile)
            total = None                                                # registers
            acc = self._zero_acc() if self.compute else None            # bf16: whole K
            b_src = None
            for kb in range(self.nkb):
                stage, parity = self._ring_pos(it)
                yield full[stage], (parity ^ 1 if self.bug == "stage-parity" else parity)
                data = ring.read(stage, c, (tile, kb))
                if self.compute:
                    a_box, b_box, src = data
                    if b_src is not None and not np.array_equal(src, b_src):
                        raise ModelError("consumer %d of tile %d: k-block %d's B tile comes "
                                         "from other B rows than k-block 0's" % (c, tile, kb))
                    b_src = src
                    if self.prec == "bf16":
                        self._wgmma_steps(acc, a_box, b_box, c)
                    else:
                        partial = self._zero_acc()
                        self._wgmma_steps(partial, a_box, b_box, c)
                        regs = self._promote(partial, mb, nb, expert, kb, c)
                        total = regs if total is None else total + regs
                empty[stage].arrive()
                it += 1
            if self.compute:
                if self.prec == "bf16":
                    total = self._registers(acc)
                self._epilogue(total, cta, tile, mb, nb, expert, c, b_src)

    # -- math ------------------------------------------------------------------------

    def _wgmma_steps(self, acc, a_box, b_box, c):
        """TK/mma_k wgmma instructions: instruction j forms the float32 products of the K
        slab [j*mma_k, (j+1)*mma_k) and adds them into the accumulator, in instruction
        order.  The slabs' products come from one batched matmul (same float32 math, less
        Python overhead); the accumulation stays one add per instruction."""
        steps, mk = self.tk // self.mma_k, self.mma_k
        a = a_box[c * WGMMA_M:(c + 1) * WGMMA_M].reshape(WGMMA_M, steps, mk)
        b = b_box.reshape(self.tn, steps, mk)
        prods = np.matmul(np.ascontiguousarray(a.transpose(1, 0, 2)),
                          np.ascontiguousarray(b.transpose(1, 2, 0)))
        for p in prods:
            acc += p

    def _global_coords(self, mb, nb, c):
        return (mb * self.tm + c * WGMMA_M + self.k_rows, nb * self.tn + self.k_cols)

    def _promote(self, partial, mb, nb, expert, kb, c):
        """FP8 promotion after each k-block: the partial accumulator (hardware layout) is
        scaled per register with the scales of the row/col the kernel thinks it holds, to be
        added into the float32 total.  fp8-rowwise scales in the epilogue instead."""
        regs = self._registers(partial)
        if self.prec == "fp8-block":
            rows, cols = self._global_coords(mb, nb, c)
            kb_a = kb + 1 if self.bug == "kblock-scale" else kb
            sa = _scale_at(self.sa, "scale_a", rows, kb_a)
            if self.swiglu:
                # One gate and one up weight scale per tile and k-block, by register index
                # (r < TN/4: gate), from the 128-row block of the half's first B row.
                part = np.arange(self.tn // 2) >= self.tn // 4
                first = nb * self.box_n + part * self.out_n
                sb = self._sb_block(expert, (first // self.desc["scale_block"])[None, :], kb)
            else:
                sb = self._sb_block(expert, cols // self.desc["scale_block"], kb)
            regs = regs * sa * sb
        return regs

    def _epilogue(self, total, cta, tile, mb, nb, expert, c, b_src):
        """Scale (rowwise), activation, bf16 rounding, and guarded stores per (thread, reg),
        checking each store stays in the tile this consumer owns and hits a fresh element.
        swiglu: output registers [0, TN/4) only, see _swiglu_values."""
        where = "%s consumer %d" % (self._tile_name(cta, tile, mb, nb, expert), c)
        if self.swiglu:
            rows, cols = self._swiglu_coords(mb, nb, c)
        else:
            rows, cols = self._global_coords(mb, nb, c)
        guard = (rows < self.m) & (cols < self.out_n)
        if self.swiglu:
            vals = self._swiglu_values(total, rows, cols, guard, nb, expert, c, b_src, where)
        else:
            vals = total
            if self.prec == "fp8-rowwise":
                vals = vals * _scale_at(self.sa, "scale_a", rows) * self._sb_row(expert, cols)
            if self.desc["activation"] == "silu":
                vals = _silu32(vals)
        self._store(where, rows, cols, vals, guard, mb * self.tm + c * WGMMA_M, WGMMA_M,
                    nb * self.box_n)

    def _reg_name(self, idx):
        """A register's name in messages, from its index into the epilogue's arrays."""
        return "thread %d reg %d" % tuple(idx)

    def _store(self, where, rows, cols, vals, guard, r0, nrows, c0):
        """bf16 rounding and the guarded stores of the epilogue's registers (`guard`: the
        kernel's bounds test), checking each store stays in the rows [r0, r0+nrows) x cols
        [c0, c0+b_box_rows) its consumer owns, in C's bounds, and hits a fresh element."""
        vals = ref.round_bf16(vals)
        outside = ((rows < r0) | (rows >= r0 + nrows) | (cols < c0) |
                   (cols >= c0 + self.box_n))
        if outside.any():
            i = tuple(np.argwhere(outside)[0])
            raise ModelError("epilogue of %s: %s stores C[%d, %d], outside its rows [%d, %d) x "
                             "cols [%d, %d)" % (where, self._reg_name(i), rows[i], cols[i],
                                                r0, r0 + nrows, c0, c0 + self.box_n))
        oob = ((rows < 0) | (rows >= self.m) | (cols < 0) | (cols >= self.out_n)) & guard
        if oob.any():
            i = tuple(np.argwhere(oob)[0])
            raise ModelError("epilogue of %s: %s stores C[%d, %d], out of bounds [0, %d) x "
                             "[0, %d)" % (where, self._reg_name(i), rows[i], cols[i], self.m,
                                          self.out_n))
        rg, cg = rows[guard], cols[guard]
        np.add.at(self.writes, (rg, cg), 1)
        twice = self.writes[rg, cg] > 1
        if twice.any():
            i = tuple(np.argwhere(guard)[np.argmax(twice)])
            raise ModelError("epilogue of %s: %s writes C[%d, %d] a second time"
                             % (where, self._reg_name(i), rows[i], cols[i]))
        self.c[rg, cg] = vals[guard]

    def _swiglu_coords(self, mb, nb, c):
        """(row, output column) of the SwiGLU epilogue's output registers r in [0, TN/4):
        the kernel's fragment row, and nb*TN/2 + col(r)."""
        q = self.tn // 4
        return (mb * self.tm + c * WGMMA_M + self.k_rows[:, :q],
                nb * self.box_n + self.k_cols[:, :q])

    def _swiglu_values(self, total, rows, cols, stored, nb, expert, c, b_src, where):
        """The SwiGLU epilogue's values for output registers r in [0, TN/4) at (rows, cols)
        (_swiglu_coords): gate = acc[r], up = acc[r + TN/4] (same thread), rowwise-scaled
        with scale_b[col] and scale_b[I + col] (col clamped to I-1 as the kernel's loads),
        out = silu(g) * u in float32.  Checks, for every element the guarded store writes
        (`stored`), that both registers hold the stored row and that the gate comes from B
        row col (< I: never a garbage column) and the up value from B row I + col, using
        the hardware layout and the rows the B boxes were loaded from."""
        q, half_n = self.tn // 4, self.out_n
        up = np.arange(q) + q - (2 if self.bug == "swiglu-up-offset" else 0)
        local = self.k_rows[:, :q]
        if c == 0:
            gate_src = b_src[:self.box_n]
            self.gate_rows_past_i += int(np.count_nonzero((gate_src >= half_n) |
                                                          (gate_src < 0)))
        g_row, u_row = self.hw_rows[:, :q], self.hw_rows[:, up]
        g_src, u_src = b_src[self.hw_cols[:, :q]], b_src[self.hw_cols[:, up]]
        check_swiglu_sources(where, "accumulator row", stored, rows, cols, half_n,
                             (g_row, u_row, local), (g_src, u_src), up)
        g, u = total[:, :q], total[:, up]
        if self.prec == "fp8-rowwise":
            sa = _scale_at(self.sa, "scale_a", rows)
            col = np.minimum(cols, half_n - 1)
            g = g * (sa * self._sb_row(expert, col))
            u = u * (sa * self._sb_row(expert, half_n + col))
        return _silu32(g) * u

    # -- launch ----------------------------------------------------------------------

    def run_cta(self, cta, policy, rng):
        """One persistent CTA: a producer and `consumers` consumer coroutines sharing a
        fresh stage ring, interleaved by `policy`."""
        where = "CTA %d, policy %s" % (cta, policy)
        tiles = cta_tiles(cta, self.num_tiles, self.grid)
        ring = StageRing(self.stages, self.consumers, where)
        full = [Mbarrier("full[%d]" % s, 1) for s in range(self.stages)]
        arrivals = 1 if self.bug == "empty-count" else self.consumers
        empty = [Mbarrier("empty[%d]" % s, arrivals) for s in range(self.stages)]
        agents = [("producer", self.producer(cta, tiles, ring, full, empty))]
        agents += [("consumer %d" % c, self.consumer(cta, c, tiles, ring, full, empty))
                   for c in range(self.consumers)]
        run_agents(agents, policy, rng, where)

    def run(self, policy="random", seed=0):
        rng = np.random.default_rng(seed)
        for cta in range(self.grid):
            self.run_cta(cta, policy, rng)
        if self.compute:
            self._check_output()
        return self.c if self.compute else None

    def _check_output(self):
        """Every element of the rows in use written exactly once and no NaN poison left;
        allocated rows past them (grouped: rows >= offsets[E]) never written."""
        used = self.c[:self.m]
        bad = np.argwhere(self.writes[:self.m] != 1)
        if len(bad):
            r, c = bad[0]
            raise ModelError("C[%d, %d] written %d times (expected once); %d element(s) wrong"
                             % (r, c, self.writes[r, c], len(bad)))
        if np.isnan(used).any():
            r, c = np.argwhere(np.isnan(used))[0]
            raise ModelError("C[%d, %d] still holds the NaN poison" % (r, c))
        tail = np.argwhere((self.writes[self.m:] != 0) | ~np.isnan(self.c[self.m:]))
        if len(tail):
            r, c = tail[0]
            raise ModelError("C[%d, %d] is past the %d rows in use (offsets[E]) but was "
                             "written" % (self.m + r, c, self.m))


class GroupedGemm(TiledGemm):
    """One launch of the grouped (MoE) kernel over the contiguous, tile-aligned layout.

    A [rows, K], B [E, N, K], C [rows, output_n]; offsets int32 [E+1] (expert e owns rows
    [offsets[e], offsets[e+1]), all multiples of TM); rows >= offsets[E] allocated but
    unused.  Scales: fp8-rowwise scale_a [rows], scale_b [E, N]; fp8-block scale_a
    [rows, ceil(K/128)], scale_b [E, ceil(N/128), ceil(K/128)]; bf16 none."""

    def __init__(self, desc, a, b, scale_a, scale_b, offsets, bug=None, compute=True):
        self.experts = desc["experts"]
        tm = desc["tile"][0]
        rows = np.asarray(a).shape[0] if compute else None
        self.offsets = check_offsets(offsets, self.experts, tm, rows)
        m = int(self.offsets[-1])
        super().__init__(desc, a, b, scale_a, scale_b, m, bug=bug, compute=compute,
                         rows=m if rows is None else rows)

    def _schedule(self):
        return grouped_tile_grid(self.desc, self.offsets)

    def _load_operands(self, a, b, scale_a, scale_b):
        """Operands as the kernel sees them; rows >= offsets[E] of A and scale_a hold NaN
        here (stale memory in the kernel), so reading them would poison C."""
        self.a = _as_values(a, self.prec).copy()
        self.b = _as_values(b, self.prec)
        _check_shape(self.a, (self.rows, self.k), "A")
        _check_shape(self.b, (self.experts, self.n, self.k), "B")
        self.a[self.m:] = np.nan
        self.sa, self.sb = self._padded_scales(scale_a, scale_b)

    def _padded_scales(self, scale_a, scale_b):
        """scale_a as given (NaN past offsets[E]; fp8-block +1 zero k-block); scale_b
        zero-padded to the tile grid per expert (fp8-block: +1 k-block), as in the dense
        model, so a wrong k-block is a numeric error rather than a crash."""
        if self.prec == "bf16":
            return None, None
        e, blk, cols = self.experts, self.desc["scale_block"], self.nnb * self.tn
        sa = np.asarray(scale_a, np.float32)
        sb = np.asarray(scale_b, np.float32)
        if self.prec == "fp8-rowwise":
            sa, sb = sa.reshape(-1), sb.reshape(e, -1)
            _check_shape(sa, (self.rows,), "scale_a")
            _check_shape(sb, (e, self.n), "scale_b")
            sa, sb = sa.copy(), _pad(sb, (e, cols))
        else:
            _check_shape(sa, (self.rows, self.nkb), "scale_a")
            _check_shape(sb, (e, ceil_div(self.n, blk), self.nkb), "scale_b")
            sa, sb = (_pad(sa, (self.rows, self.nkb + 1)),
                      _pad(sb, (e, ceil_div(cols, blk), self.nkb + 1)))
        sa[self.m:] = np.nan
        return sa, sb

    def tile_coords(self, tile):
        """m-block and n-block as in the dense kernel; the expert from the binary search
        over offsets with the tile's first row, checked against the segment it lies in."""
        mb, nb = tile_blocks(tile, self.nmb)
        row0 = mb * self.tm
        if not 0 <= row0 < row0 + self.tm <= self.m:
            raise ModelError("tile %d (m-block %d) covers rows [%d, %d), outside the %d rows "
                             "in use (offsets[E])" % (tile, mb, row0, row0 + self.tm, self.m))
        e = find_expert(self.offsets, row0, self.experts, self.bug)
        o = self.offsets
        if not (0 <= e < self.experts and o[e] <= row0 and row0 + self.tm <= o[e + 1]):
            owner = int(np.searchsorted(o, row0, side="right")) - 1
            got = ("rows [%d, %d)" % (o[e], o[e + 1]) if 0 <= e < self.experts
                   else "no expert")
            raise ModelError("expert search for tile %d (m-block %d, rows [%d, %d)) returns "
                             "expert %d (%s), but the rows belong to expert %d (rows "
                             "[%d, %d))" % (tile, mb, row0, row0 + self.tm, e, got, owner,
                                            o[owner], o[owner + 1]))
        return mb, nb, e

    def _b_matrix(self, expert):
        """The expert's [N, K] slice of the 3D tensor map [E, N, K]: rows past N read zero,
        not expert+1's."""
        return self.b[expert]

    def _scale_expert(self, expert):
        if self.bug == "expert-scale" and self.experts > 1:
            return expert + 1 if expert + 1 < self.experts else expert - 1
        return expert

    def _sb_block(self, expert, col_blocks, kb):
        return _scale_at(self.sb, "scale_b", self._scale_expert(expert), col_blocks, kb)

    def _sb_row(self, expert, cols):
        return _scale_at(self.sb, "scale_b", self._scale_expert(expert), cols)

    def _tile_name(self, cta, tile, mb, nb, expert):
        return "CTA %d tile %d (m-block %d, n-block %d, expert %d)" % (cta, tile, mb, nb,
                                                                        expert)


def _check_shape(x, shape, what):
    if x.shape != shape:
        raise ValueError("%s has shape %s, expected %s" % (what, x.shape, shape))


def _check_scales(prec, scale_a, scale_b, m, n, nkb, sblock):
    if prec == "bf16":
        return None, None
    sa = np.asarray(scale_a, np.float32)
    sb = np.asarray(scale_b, np.float32)
    if prec == "fp8-rowwise":
        sa, sb = sa.reshape(-1), sb.reshape(-1)
        _check_shape(sa, (m,), "scale_a")
        _check_shape(sb, (n,), "scale_b")
    else:
        _check_shape(sa, (m, nkb), "scale_a")
        _check_shape(sb, (ceil_div(n, sblock), nkb), "scale_b")
    return sa, sb

# --------------------------------------------------------------------------------------
# Reference and inputs
# --------------------------------------------------------------------------------------

def dequantized_operands(desc, a, b, scale_a, scale_b, m):
    """A and B with their scales folded in, float64 [m, k] and [n, k] (exact: an e4m3 value
    times an f32 scale fits a double), via llama4_ref's dequantizers.  The reference is then
    one plain GEMM, structurally independent of the model's k-block promotion.  Grouped
    operands work as they are: B [E, n, k] with scales [E, n] / [E, n/128, k/128]."""
    return _dequantize_a(desc, a, scale_a, m), _dequantize_b(desc, b, scale_b)


def _dequantize_a(desc, a, scale_a, m):
    prec, blk = desc["precision"], desc["scale_block"]
    a = _as_values(a, prec).astype(np.float64)[:m]
    if prec == "bf16":
        return a
    if prec == "fp8-rowwise":
        return a * np.asarray(scale_a, np.float64).reshape(-1, 1)[:m]
    return ref.dequantize_act_block(a, np.asarray(scale_a)[:m], blk)


def _dequantize_b(desc, b, scale_b):
    prec, blk = desc["precision"], desc["scale_block"]
    b = _as_values(b, prec).astype(np.float64)
    if prec == "bf16":
        return b
    if prec == "fp8-rowwise":
        return ref.dequantize_weight(b, np.asarray(scale_b).reshape(b.shape[:-1] + (1,)),
                                     "rowwise")
    return ref.dequantize_weight(b, scale_b, "block", block=(blk, blk))


def reference_gemm(desc, a, b, scale_a, scale_b, m):
    """float64 C = act(sum_k A[m,k] B[n,k] * scales) on the same quantized inputs; swiglu:
    C [m, I] = silu(G) * U with G, U the first and last I columns of A' B'^T."""
    return _reference_from(desc, *dequantized_operands(desc, a, b, scale_a, scale_b, m))


def _silu64(y):
    return y / (1.0 + np.exp(-np.clip(y, -700, 700)))


def _reference_from(desc, da, db):
    y = da @ db.T
    if desc["activation"] == "silu":
        y = _silu64(y)
    elif desc["activation"] == "swiglu":
        half = desc["output_n"]
        y = _silu64(y[:, :half]) * y[:, half:]
    return y


def _reference_and_bound(desc, da, db):
    """The float64 reference and the per-element error bound of the model's C."""
    mag = accumulation_magnitude(desc, da, db)
    if desc["activation"] != "swiglu":
        y = _reference_from(desc, da, db)
        return y, elementwise_bound(desc, y, mag)
    half = desc["output_n"]
    lin = da @ db.T
    return swiglu_bound(desc, lin[:, :half], lin[:, half:], mag[:, :half], mag[:, half:])


def accumulation_magnitude(desc, da, db):
    """An upper bound of sum_k |A'[m,k] B'[n,k]| (what float32 accumulation errors scale
    with): per k-block Cauchy-Schwarz, ||A'_kb|| ||B'_kb|| summed over k-blocks.  A GEMM of
    depth ceil(K/TK) instead of a second full-size one."""
    tk = desc["tile"][2]

    def block_norms(x):
        return np.sqrt(np.add.reduceat(np.square(x), np.arange(0, x.shape[1], tk), axis=1))

    return block_norms(da) @ block_norms(db).T


def _random_matrix(rng, rows, k, row_group, block):
    """Normal values with a random magnitude 2^U(-3,3) per (row group, K block), so that
    scales differ between blocks and a wrong-block scale shows up as an O(1) error."""
    x = rng.standard_normal((rows, k)).astype(np.float32)
    mag = np.exp2(rng.uniform(-3, 3, (ceil_div(rows, row_group), ceil_div(k, block))))
    mag = np.repeat(np.repeat(mag, row_group, axis=0), block, axis=1)[:rows, :k]
    return (x * mag).astype(np.float32)


def random_problem(desc, m, seed):
    """Seeded inputs quantized the way the kernel's callers quantize them: bf16 rounding;
    fp8-rowwise per-token activations x per-channel weights; fp8-block 1x128 activation
    blocks x 128x128 weight blocks (llama4_ref's quantizers).  Returns (a, b, sa, sb)."""
    prec, n, k, blk = desc["precision"], desc["n"], desc["k"], desc["scale_block"]
    rng = np.random.default_rng(seed)
    x = _random_matrix(rng, m, k, 1, blk)
    w = _random_matrix(rng, n, k, blk if prec == "fp8-block" else 1, blk)
    if prec == "bf16":
        return ref.round_bf16(x), ref.round_bf16(w), None, None
    if prec == "fp8-rowwise":
        qa, sa = ref.quantize_act_rowwise(x)
        qb, sb = ref.quantize_weight(w, "rowwise")
        return qa, qb, sa.reshape(-1), sb.reshape(-1)
    qa, sa = ref.quantize_act_block(x, blk)
    qb, sb = ref.quantize_weight(w, "block", block=(blk, blk))
    return qa, qb, sa, sb


def _grouped_reference(desc, a, b, scale_a, scale_b, offsets):
    """float64 reference and per-element error bound of the grouped GEMM, one plain GEMM per
    expert segment, on operands dequantized as in the dense reference (dequantized_operands;
    B one expert at a time, only the experts with rows): C[r] = act(A'[r] . B'[e]^T) for
    offsets[e] <= r < offsets[e+1] (swiglu: silu(G) * U, output_n columns).  All-zero rows of
    A' (the padding) give exactly act(0) = 0 and are not multiplied."""
    m = int(offsets[-1])
    da = _dequantize_a(desc, a, scale_a, m)
    y = np.zeros((m, desc["output_n"]))
    bound = np.zeros_like(y)
    nonzero = np.flatnonzero(np.any(da != 0, axis=1))
    for e in range(desc["experts"]):
        rows = nonzero[(nonzero >= offsets[e]) & (nonzero < offsets[e + 1])]
        if len(rows):
            db = _dequantize_b(desc, b[e], None if scale_b is None else scale_b[e])
            y[rows], bound[rows] = _reference_and_bound(desc, da[rows], db)
    return y, bound


def reference_grouped_gemm(desc, a, b, scale_a, scale_b, offsets):
    """float64 C [offsets[E], output_n] of the grouped GEMM on the same quantized inputs."""
    return _grouped_reference(desc, a, b, scale_a, scale_b, offsets)[0]


def random_grouped_problem(desc, counts, seed):
    """Seeded grouped inputs for per-expert token counts, quantized like random_problem's:
    offsets from the padded counts (expert_offsets); the real rows of each segment random,
    its padding rows zero (as the routing kernel writes them); A and C allocated with more
    rows than offsets[E]: the launcher's worst case (row_capacity), capped at offsets[E] +
    2 TM + 3 rows to keep E = 128 checks fast (enough for a tile-sized overrun to land in
    them), those rows holding stale garbage (a large constant and scale, not quantized:
    the model poisons them anyway).  B [E, n,
    k]: _random_expert_weights, the same for every routing of a seed.  Returns
    (a, b, sa, sb, offsets)."""
    prec, n, k, blk = desc["precision"], desc["n"], desc["k"], desc["scale_block"]
    experts, tm = desc["experts"], desc["tile"][0]
    counts = np.asarray(counts, np.int64)
    if counts.shape != (experts,):
        raise ValueError("%d token counts given for %d experts" % (len(counts), experts))
    offsets = expert_offsets(counts, tm)
    m = int(offsets[-1])
    rows = max(min(row_capacity(counts, tm), m + 2 * tm + 3), m)
    rng = np.random.default_rng([seed, 0])
    x = np.zeros((m, k), np.float32)
    real = np.concatenate([np.arange(offsets[e], offsets[e] + counts[e])
                           for e in range(experts)]).astype(np.int64)
    x[real] = _random_matrix(rng, len(real), k, 1, blk)
    qb, sb = _random_expert_weights(prec, experts, n, k, blk, seed)
    stale = np.float32(448.0)               # the largest e4m3 value; a bf16 value too

    def with_tail(q, s=None):               # A (or scale_a) with the launcher's capacity
        tail = np.full((rows - m,) + q.shape[1:], stale if s is None else s, np.float32)
        return np.concatenate([np.asarray(q, np.float32), tail])

    if prec == "bf16":
        return with_tail(ref.round_bf16(x)), qb, None, None, offsets
    if prec == "fp8-rowwise":
        qa, sa = ref.quantize_act_rowwise(x)
        return with_tail(qa), qb, with_tail(sa.reshape(-1), 1e3), sb, offsets
    qa, sa = ref.quantize_act_block(x, blk)
    return with_tail(qa), qb, with_tail(sa, 1e3), sb, offsets


@functools.lru_cache(maxsize=None)
def _value_bank(fmt):
    """2^16 standard normals rounded to bf16, or quantized to e4m3 with their amax at 448
    (then also returns that scale, amax / 448)."""
    x = np.random.default_rng(0x5EED).standard_normal(1 << 16).astype(np.float32)
    if fmt == "bf16":
        return ref.round_bf16(x)
    scale = np.float32(np.abs(x).max() / np.float32(448))
    return ref.quantize_e4m3(x, scale), scale


@functools.lru_cache(maxsize=4)
def _random_expert_weights(prec, experts, n, k, blk, seed):
    """Random B [E, n, k] and its scales, made directly in the kernel's formats: quantizing
    E x n x k values one by one would be the slowest part of an E = 128 check.  Values are
    drawn from _value_bank (rounded / quantized normals); bf16 rows get a power-of-two
    magnitude 2^{-3..3} per 128-wide K block (exact); FP8 scales are 2^U(-3,3) x the
    quantizer's scale per (expert, channel) (rowwise) or per 128 x 128 block (fp8-block).
    All independent per expert, so a wrong expert or scale is an O(1) error.  Cached (the
    routings of one seed share B) and read-only."""
    rng = np.random.default_rng([seed, 1])
    shape = (experts, n, k)
    if prec == "bf16":
        bank = _value_bank("bf16")
        mag = np.exp2(rng.integers(-3, 4, (experts, n, ceil_div(k, blk)))).astype(np.float32)
        qb = bank[rng.integers(len(bank), size=shape)] * np.repeat(mag, blk, axis=2)[..., :k]
        sb = None
    else:
        bank, scale = _value_bank("e4m3")
        qb = bank[rng.integers(len(bank), size=shape)]
        sshape = (experts, n) if prec == "fp8-rowwise" else (experts, ceil_div(n, blk),
                                                             ceil_div(k, blk))
        sb = (np.exp2(rng.uniform(-3, 3, sshape)) * scale).astype(np.float32)
    for x in (qb, sb):
        if x is not None:
            x.flags.writeable = False
    return qb, sb


# Default routings of the grouped check: the extremes of a top-1 router over E experts.
ROUTINGS = {
    "all-first": "all T = 300 tokens to expert 0 (E-1 empty experts at the end)",
    "all-last": "all T = 300 tokens to expert E-1 (E-1 empty experts at the start)",
    "empty-runs": "tokens to experts 3, 5, 8, 12, 17, ... (< E-3): empty runs of 3 at the "
                  "start, 1, 2, 3, ... in between, 3+ at the end; TM+1, 1, TM, 2TM+5, "
                  "TM-1, 37, ... tokens",
    "single-token": "T = 1, to expert E/2",
    "ragged": "T = 3*TM-5 (odd: no multiple of any tile) as TM-1, TM+1, 1, TM-6 tokens to "
              "experts 0, E/3, E/2, E-1",
    "uniform": "T = 300 tokens routed uniformly at random (seeded)",
    "none": "T = 0: no tile at all, every CTA exits at once",
}


def routing_counts(name, experts, tm, seed=0):
    """Per-expert token counts of a named default routing (ROUTINGS)."""
    counts = np.zeros(experts, np.int64)
    if name == "all-first":
        counts[0] = 300
    elif name == "all-last":
        counts[-1] = 300
    elif name == "empty-runs":
        cycle = [tm + 1, 1, tm, 2 * tm + 5, tm - 1, 37]
        used = []
        while 3 + len(used) * (len(used) + 3) // 2 < experts - 3:
            used.append(3 + len(used) * (len(used) + 3) // 2)
        for i, e in enumerate(used or [experts // 2]):
            counts[e] = cycle[i % len(cycle)]
    elif name == "single-token":
        counts[experts // 2] = 1
    elif name == "ragged":
        np.add.at(counts, [0, experts // 3, experts // 2, experts - 1],
                  [tm - 1, tm + 1, 1, tm - 6])
    elif name == "uniform":
        rng = np.random.default_rng([seed, experts])
        counts = np.bincount(rng.integers(experts, size=300), minlength=experts)
    elif name != "none":
        raise ValueError("unknown routing %r" % name)
    return counts


def elementwise_bound(desc, y_ref, mag):
    """A rigorous per-element bound on |C - reference|, so that a single misplaced element
    fails even when the relative L2 error hides it: bf16 rounding of the output (half an ulp
    is at most 2^-8 relative; plus 2^-20 for float32 silu) plus the float32 accumulation
    error gamma_n * sum|A'B'| (n = K + 3 per k-block + 8 for the scaling), doubled to
    cover the rounding of that error too, times silu's Lipschitz constant (< 1.1).  Random
    inputs reach ~0.98 of it: the bf16 rounding term is tight."""
    nkb = ceil_div(desc["k"], desc["tile"][2])
    gamma = (desc["k"] + 3 * nkb + 8) * 2.0 ** -24
    lip = 1.1 if desc["activation"] == "silu" else 1.0
    return (2.0 ** -8 + 2.0 ** -20) * np.abs(y_ref) + 2 * lip * gamma * mag + 1e-30


def swiglu_bound(desc, g, u, mag_g, mag_u):
    """(reference, bound) of SwiGLU: y = silu(G) U in float64 and a rigorous per-element
    bound on |C - y|.  With the float32 errors eg, eu of the scaled gate and up values
    (2 gamma mag, as in elementwise_bound) and |silu'| < 1.1, |silu(x)| <= |x|:
    |silu(g') u' - silu(g) u| <= 1.1 eg (|u| + eu) + |g| eu; plus bf16 rounding of the
    output and the float32 silu and product (2^-8 + 2^-20 relative)."""
    nkb = ceil_div(desc["k"], desc["tile"][2])
    gamma = (desc["k"] + 3 * nkb + 8) * 2.0 ** -24
    eg, eu = 2 * gamma * mag_g, 2 * gamma * mag_u
    y = _silu64(g) * u
    bound = ((2.0 ** -8 + 2.0 ** -20) * np.abs(y) + 1.1 * eg * (np.abs(u) + eu) +
             np.abs(g) * eu + 1e-30)
    return y, bound
