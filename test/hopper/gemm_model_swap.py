"""The swap-AB ("decode") variant of the CPU model of moec's tiled Hopper GEMM kernels (see
gemm_model.py, whose docstring describes it; the shared machinery is gemm_model_core.py).

With few token rows per weight matrix the kernel swaps the operands of the wgmma: the
weight (B) rows fill wgmma's M = 64, the TM tokens of a tile are wgmma's N.  One consumer
warpgroup keeps `parts` = TN/64 accumulators; part p computes D_p = W_p . X^T (m64 x nTM)
with W_p the B-tile rows [64p, 64p+64) of the stage (swiglu: p = 0 gate, p = 1 up) and X
the tile's TM tokens, so register r of thread t holds (weight row i, token j) of the
standard m64nTM fragment and the epilogue stores it at C[mBlock*TM + j, column(p, i)].
Tile schedule, stage ring, operand boxes, grouped expert search and all checks are the
dense / grouped kernels' (TiledGemm / GroupedGemm); the mixin SwapAB replaces the
accumulator shape, the wgmma steps, the FP8 promotion and the epilogue."""

import numpy as np

from gemm_model_core import (GroupedGemm, ModelError, TiledGemm, WGMMA_M, _scale_at,
                             _silu32, check_swiglu_sources)


class SwapAB:
    """The swap-AB consumer, mixed in before TiledGemm or GroupedGemm (whose hooks for the
    schedule, operands, expert lookup and weight scales it keeps).

    Accumulators [parts, 64 weight rows, TM tokens] in matrix form, [parts, 128 threads,
    TM/2 registers] as the threads hold them; hw_rows / hw_cols (ground truth) and k_rows /
    k_cols (the kernel's formula) are those of the m64nTM layout: (weight row i, token j)."""

    @property
    def parts(self):
        return self.tn // WGMMA_M

    # -- accumulator ------------------------------------------------------------------

    def _wgmma_n(self):
        """wgmma's N is the tile's TM tokens."""
        return self.tm

    def _zero_acc(self):
        return np.zeros((self.parts, WGMMA_M, self.tm), np.float32)

    def _registers(self, acc):
        return acc[:, self.hw_rows, self.hw_cols]

    def _reg_name(self, idx):
        if len(idx) == 3:
            return "thread %d part %d reg %d" % (idx[1], idx[0], idx[2])
        return "thread %d reg %d" % tuple(idx)

    # -- producer -----------------------------------------------------------------------

    def _b_rows(self, nb):
        """As the dense kernel's (plain: rows [nb*TN, +TN); swiglu: gate rows [nb*64, +64),
        up rows [I + nb*64, +64)).  bug="swap-up-box" loads the up box from I + nb*TN."""
        src = super()._b_rows(nb)
        if self.bug == "swap-up-box":
            up = self.out_n + nb * self.tn + np.arange(self.box_n)
            src = np.concatenate([src[:self.box_n], np.where(up < self.n, up, -1)])
        return src

    # -- math -------------------------------------------------------------------------

    def _wgmma_steps(self, acc, a_box, b_box, c):
        """Per part p, TK/mma_k wgmma instructions acc[p] += W_p[:, slab] . X[:, slab]^T (the
        B tile is the A operand, the A box the B operand), one add per instruction as in
        the dense model."""
        steps, mk = self.tk // self.mma_k, self.mma_k
        x = a_box.reshape(self.tm, steps, mk).transpose(1, 2, 0)            # [steps, mk, TM]
        w = b_box.reshape(self.parts, WGMMA_M, steps, mk).transpose(2, 0, 1, 3)
        prods = np.matmul(np.ascontiguousarray(w),                          # [steps, parts,
                          np.ascontiguousarray(x)[:, None])                 #  64, TM]
        for p in prods:
            acc += p

    def _part_first_rows(self, nb):
        """The first B row of each part of n-block nb: nb*TN + 64p; swiglu p*I + nb*64."""
        p = np.arange(self.parts)
        if self.swiglu:
            return p * self.out_n + nb * self.box_n
        return nb * self.tn + WGMMA_M * p

    def _token_scale_rows(self, mb, tokens):
        """The scale_a rows of the registers' tokens, clamped to m-1 as the kernel's loads.
        bug="swap-token-scale" indexes with the weight row i instead (mBlock*TM + i)."""
        if self.bug == "swap-token-scale":
            tokens = mb * self.tm + self.k_rows
        return np.minimum(tokens, self.m - 1)

    def _promote(self, partial, mb, nb, expert, kb, c):
        """fp8-block: register r of part p scaled by scale_a[token][kb] x scale_b[(e,)
        firstRow_p // 128][kb] (one weight scale per part and k-block)."""
        regs = self._registers(partial)
        if self.prec == "fp8-block":
            kb_a = kb + 1 if self.bug == "kblock-scale" else kb
            rows = self._token_scale_rows(mb, mb * self.tm + self.k_cols)
            sa = _scale_at(self.sa, "scale_a", rows, kb_a)
            blocks = self._part_first_rows(nb) // self.desc["scale_block"]
            sb = self._sb_block(expert, blocks[:, None, None], kb)
            regs = regs * sa * sb
        return regs

    # -- epilogue ---------------------------------------------------------------------

    def _epilogue(self, total, cta, tile, mb, nb, expert, c, b_src):
        """Register r of part p (the kernel's weight row i, token j) goes to C[mBlock*TM +
        j, nBlock*TN + 64p + i] (swiglu: gate part 0 and up part 1 to C[.., nBlock*64 +
        i]), stored when the row < m and the column < output_n.  Before the stores, each
        stored element is checked to come from registers holding its token and B row(s)
        (hardware layout, the A box's rows and the rows the B boxes were loaded from).
        bug="swap-fragment-transpose": C[mBlock*TM + i, column(p, j)];
        bug="swap-part-offset": part 1 at column + 32."""
        where = "%s consumer %d" % (self._tile_name(cta, tile, mb, nb, expert), c)
        i, j = self.k_rows, self.k_cols
        tok, col = (i, j) if self.bug == "swap-fragment-transpose" else (j, i)
        rows = mb * self.tm + tok
        if self.swiglu:
            cols = nb * self.box_n + col
            guard = (rows < self.m) & (cols < self.out_n)
            vals = self._gate_up_values(total, rows, cols, guard, mb, expert, b_src, where)
        else:
            step = WGMMA_M // 2 if self.bug == "swap-part-offset" else WGMMA_M
            cols = nb * self.tn + step * np.arange(self.parts)[:, None, None] + col
            rows = np.broadcast_to(rows, cols.shape)
            guard = (rows < self.m) & (cols < self.out_n)
            self._check_sources(rows, cols, guard, mb, b_src, where)
            vals = total
            if self.prec == "fp8-rowwise":
                sa = _scale_at(self.sa, "scale_a", self._token_scale_rows(mb, rows))
                vals = vals * sa * self._sb_row(expert, np.minimum(cols, self.out_n - 1))
            if self.desc["activation"] == "silu":
                vals = _silu32(vals)
        self._store(where, rows, cols, vals, guard, mb * self.tm, self.tm, nb * self.box_n)

    def _check_sources(self, rows, cols, stored, mb, b_src, where):
        """Every stored C[row, col] comes from a register holding token row (A box row
        mBlock*TM + hardware column) and B row col (the B tile row 64p + hardware row)."""
        tokens = np.broadcast_to(mb * self.tm + self.hw_cols, rows.shape)
        part_rows = WGMMA_M * np.arange(self.parts)[:, None, None] + self.hw_rows
        brows = b_src[part_rows]
        bad = stored & ((tokens != rows) | (brows != cols))
        if bad.any():
            p, t, r = np.argwhere(bad)[0]
            raise ModelError("epilogue of %s: thread %d part %d reg %d stores C[%d, %d] from "
                             "accumulator element (%d, %d), which holds token %d and B row "
                             "%d" % (where, t, p, r, rows[p, t, r], cols[p, t, r],
                                     self.hw_rows[t, r], self.hw_cols[t, r], tokens[p, t, r],
                                     brows[p, t, r]))

    def _gate_up_values(self, total, rows, cols, stored, mb, expert, b_src, where):
        """silu(gate) * up with gate = part 0's register r and up = part 1's register r
        (same thread, same (i, j)); fp8-rowwise scales them with scale_a[min(row, m-1)] x
        scale_b[(e,) min(col, I-1)] and scale_b[(e,) I + min(col, I-1)].  Checks, for every
        stored element, that both registers hold its token and that the gate comes from B
        row col (< I: never a garbage row) and the up value from B row I + col.
        bug="swiglu-up-offset" takes part 1's register r - 2 (mod TM/2) as the up value."""
        half_n, nreg = self.out_n, self.tm // 2
        up = (np.arange(nreg) - (2 if self.bug == "swiglu-up-offset" else 0)) % nreg
        gate_src = b_src[:self.box_n]
        self.gate_rows_past_i += int(np.count_nonzero((gate_src >= half_n) | (gate_src < 0)))
        g_tok = mb * self.tm + self.hw_cols
        u_tok = mb * self.tm + self.hw_cols[:, up]
        g_src = b_src[self.hw_rows]
        u_src = b_src[self.box_n + self.hw_rows[:, up]]
        check_swiglu_sources(where, "token", stored, rows, cols, half_n,
                             (g_tok, u_tok, rows), (g_src, u_src), up)
        g, u = total[0], total[1][:, up]
        if self.prec == "fp8-rowwise":
            sa = _scale_at(self.sa, "scale_a", self._token_scale_rows(mb, rows))
            col = np.minimum(cols, half_n - 1)
            g = g * (sa * self._sb_row(expert, col))
            u = u * (sa * self._sb_row(expert, half_n + col))
        return _silu32(g) * u


class SwapTiledGemm(SwapAB, TiledGemm):
    """One launch of the dense swap-AB kernel (same arguments as TiledGemm)."""


class SwapGroupedGemm(SwapAB, GroupedGemm):
    """One launch of the grouped swap-AB kernel (same arguments as GroupedGemm); expert
    segments padded to multiples of TM (offsets_alignment)."""


def model_class(desc):
    """The kernel model of a (parsed) description: TiledGemm or GroupedGemm, or their
    swap-AB variants when "swap_ab" is true."""
    grouped = desc["kind"] == "grouped_gemm"
    if desc.get("swap_ab"):
        return SwapGroupedGemm if grouped else SwapTiledGemm
    return GroupedGemm if grouped else TiledGemm
