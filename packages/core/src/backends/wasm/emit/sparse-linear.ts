import { FnBuilder, type Local } from './builder.js';
import { emitPack } from './gemm.js';

/**
 * Output columns per weight panel of the sparse linear forward: the panel (in x SPARSE_PANEL
 * floats, W's rows interleaved) is the contiguous block each winner reads a row of, and its
 * SPARSE_PANEL / 4 accumulators stay in registers while a sample's winners stream past.
 */
export const SPARSE_PANEL = 16;

/**
 * sp_pack(src, rs, cs, K, N, Kp, dst, p0, p1): W's rows [0, SPARSE_PANEL) interleaved into one
 * panel: dst[i·SPARSE_PANEL + t] = W[t, i] (zeros past the last row). The GEMM's panel packer
 * at the panel width, reading W's rows contiguously.
 */
export const emitSparsePack = (): FnBuilder => emitPack('sp_pack', SPARSE_PANEL, false);

/**
 * sp_pack_full(src, inF, dst): a whole panel (SPARSE_PANEL rows of W from `src`, row pitch inF
 * floats) interleaved as dst[i·SPARSE_PANEL + t] = W[t, i], by 4 x 4 blocks: four rows' f32x4
 * loads, transposed with eight shuffles, stored as four panel-row pieces. Four times fewer
 * memory operations than the scalar packer; the last inF mod 4 columns go one float at a time.
 */
export function emitSparsePackFull(): FnBuilder {
  const f = FnBuilder.i32Params('sp_pack_full', 3);
  const [src, inF, dst] = [0, 1, 2];
  const [t, i, in4, s, d, pitch] = Array.from({ length: 6 }, () => f.local());
  const r = [f.v128(), f.v128(), f.v128(), f.v128()];
  const lo = [f.v128(), f.v128()];
  const PANEL_BYTES = SPARSE_PANEL * 4;
  f.get(inF).i32(-4).and().set(in4);
  f.get(inF).i32(4).mul().set(pitch);
  f.forRange(t, () => f.i32(0), () => f.i32(SPARSE_PANEL), () => {
    // s: row t of W; d: lane t of panel row 0.
    f.get(src).get(t).get(pitch).mul().add().set(s);
    f.get(dst).get(t).i32(4).mul().add().set(d);
    f.forRange(i, () => f.i32(0), () => f.get(in4), () => {
      r.forEach((v, q) => f.get(s).i32(q).get(pitch).mul().add().v128load().set(v));
      // [a0 b0 a1 b1], [a2 b2 a3 b3] from rows a, b; the same from c, d; then columns.
      f.get(r[0]).get(r[1]).f32x4shuffle([0, 4, 1, 5]).set(lo[0]);
      f.get(r[0]).get(r[1]).f32x4shuffle([2, 6, 3, 7]).set(r[0]);
      f.get(r[2]).get(r[3]).f32x4shuffle([0, 4, 1, 5]).set(lo[1]);
      f.get(r[2]).get(r[3]).f32x4shuffle([2, 6, 3, 7]).set(r[2]);
      f.get(d).get(lo[0]).get(lo[1]).f32x4shuffle([0, 1, 4, 5]).v128store();
      f.get(d).get(lo[0]).get(lo[1]).f32x4shuffle([2, 3, 6, 7]).v128store(PANEL_BYTES);
      f.get(d).get(r[0]).get(r[2]).f32x4shuffle([0, 1, 4, 5]).v128store(2 * PANEL_BYTES);
      f.get(d).get(r[0]).get(r[2]).f32x4shuffle([2, 3, 6, 7]).v128store(3 * PANEL_BYTES);
      f.inc(s, 16).inc(d, 4 * PANEL_BYTES);
    }, 4);
    f.forRange(i, () => f.get(in4), () => f.get(inF), () => {
      r.forEach((_, q) => {
        f.get(d).get(s).i32(q).get(pitch).mul().add().f32load().f32store(q * 4);
      });
      f.inc(s, 4).inc(d, PANEL_BYTES);
    });
  }, 4);
  return f;
}

/** Indices of the functions a kernel calls (the module's order). */
export type FunctionIndex = (name: 'sp_pack' | 'sp_pack_full') => number;

/**
 * sp_linear_fwd(w, inF, out, p0, p1, panel, packed, rowPtr, idx, val, N, y, ldy): output
 * panels [p0, p1) of y = x · Wᵀ (SPARSE_PANEL columns each) for all N samples. Per panel: unless
 * `packed`, W's rows p·SPARSE_PANEL.. are interleaved into the scratch `panel` (sp_pack_full, or
 * sp_pack for the last, partial one), which then stays in L2 while every sample's entries
 * stream past; with `packed` the panels are read from `panel` (all of W interleaved ahead of
 * time). Per entry (i, v): one splat of v, SPARSE_PANEL / 4 loads of panel row i, as many
 * multiplies and adds into register accumulators. y: column 0 of row 0, row pitch ldy bytes.
 */
export function emitSparseLinearForward(index: FunctionIndex): FnBuilder {
  const f = FnBuilder.i32Params('sp_linear_fwd', 13);
  const [w, inF, out, p0, p1, panel, packed, rowPtr, idx, val, N, y, ldy] = Array.from({ length: 13 }, (_, i) => i);
  const NV = SPARSE_PANEL / 4;
  const acc: Local[] = Array.from({ length: NV }, () => f.v128());
  const v = f.v128(), v1 = f.v128();
  const [p, base, src, n, ip, vp, end, row, row1, end2] = Array.from({ length: 10 }, () => f.local());
  const panelBytes = () => f.get(inF).i32(SPARSE_PANEL * 4).mul();
  // The entries at ip + offs: their panel rows' addresses into rows, then their values splatted
  // into splats: the instruction order of the benchmarked kernel (6bb2350), byte for byte.
  const loadEntries = (offs: number[], rows: Local[], splats: Local[]) => {
    offs.forEach((off, e) => f.get(base).get(ip).i32load(off).i32(SPARSE_PANEL * 4).mul().add().set(rows[e]));
    offs.forEach((off, e) => f.get(vp).load32Splat(off).set(splats[e]));
  };
  // Accumulator (on the stack) + s · lanes 4q..4q+3 of panel row r.
  const addProduct = (q: number, r: Local, s: Local) => f.get(s).get(r).v128load(16 * q).f32x4mul().f32x4add();
  f.forRange(p, () => f.get(p0), () => f.get(p1), () => {
    f.ifThen(() => f.get(packed), () => {
      f.get(panel).get(p);
      panelBytes();
      f.mul().add().set(base);
    }, () => {
      f.get(panel).set(base);
      f.get(w).get(p);
      panelBytes();
      f.mul().add().set(src);
      f.ifThen(() => f.get(p).i32(1).add().i32(SPARSE_PANEL).mul().get(out).leS(), () => {
        f.get(src).get(inF).get(base).call(index('sp_pack_full'));
      }, () => {
        // Wᵀ [in x out] from row p·SPARSE_PANEL: element (i, t) at W[p·SPARSE_PANEL + t, i].
        f.get(src).i32(1).get(inF).get(inF).get(out).get(p).i32(SPARSE_PANEL).mul().sub().get(inF).get(base).i32(0).i32(1).call(index('sp_pack'));
      });
    });
    f.forRange(n, () => f.i32(0), () => f.get(N), () => {
      for (const a of acc) f.v128zero().set(a);
      rowRange(f, rowPtr, n, idx, val, ip, vp, end);
      // Two entries per iteration while two are left (half the loop's bookkeeping per entry);
      // each accumulator still adds the entries' products one at a time, in order.
      f.get(end).i32(4).sub().set(end2);
      f.whileLoop(() => f.get(ip).get(end2).ltU(), () => {
        loadEntries([0, 4], [row, row1], [v, v1]);
        acc.forEach((a, q) => {
          f.get(a);
          addProduct(q, row, v);
          addProduct(q, row1, v1);
          f.set(a);
        });
        f.inc(ip, 8).inc(vp, 8);
      });
      f.whileLoop(() => f.get(ip).get(end).ltU(), () => {
        loadEntries([0], [row], [v]);
        acc.forEach((a, q) => {
          f.get(a);
          addProduct(q, row, v);
          f.set(a);
        });
        f.inc(ip, 4).inc(vp, 4);
      });
      f.get(y).get(n).get(ldy).mul().add().get(p).i32(SPARSE_PANEL * 4).mul().add().set(row);
      acc.forEach((a, q) => f.get(row).get(a).v128store(16 * q));
    });
  });
  return f;
}

/** The entries of sparse row `n`: sets `ip`/`vp` to its first index/value address and `end` past its last index. */
function rowRange(f: FnBuilder, rowPtr: Local, n: Local, idx: Local, val: Local | null, ip: Local, vp: Local | null, end: Local): void {
  f.get(rowPtr).get(n).i32(4).mul().add().tee(end).i32load().i32(4).mul().set(ip);
  if (val !== null && vp !== null) f.get(ip).get(val).add().set(vp);
  f.get(ip).get(idx).add().set(ip);
  f.get(end).i32load(4).i32(4).mul().get(idx).add().set(end);
}

/**
 * for (; ip < end; ip += 4, other += 4) body(byte offset), four entries per iteration while four
 * are left: `body(o)` handles the entry at ip + o (and other + o).
 */
function entries4(f: FnBuilder, ip: Local, other: Local, end: Local, body: (o: number) => void): void {
  const end4 = f.local();
  f.get(end).i32(12).sub().set(end4);
  f.whileLoop(() => f.get(ip).get(end4).ltU(), () => {
    for (let o = 0; o < 16; o += 4) body(o);
    f.inc(ip, 16).inc(other, 16);
  });
  f.whileLoop(() => f.get(ip).get(end).ltU(), () => {
    body(0);
    f.inc(ip, 4).inc(other, 4);
  });
}

/**
 * The two backward products walk dy by columns (weight rows o), as `transposeRows` lays them out:
 * column o lists the samples n with an entry dy[n, o]. `body(n, d)` runs once per such entry.
 */
function forEachColumnEntry(f: FnBuilder, o: Local, colPtr: Local, colIdx: Local, colVal: Local, body: (n: Local, d: Local) => void): void {
  const [e, n] = [f.local(), f.local()];
  const d = f.f32();
  f.forRange(e, () => f.get(colPtr).get(o).i32(4).mul().add().i32load(), () => f.get(colPtr).get(o).i32(4).mul().add().i32load(4), () => {
    f.get(colIdx).get(e).i32(4).mul().add().i32load().set(n);
    f.get(colVal).get(e).i32(4).mul().add().f32load().set(d);
    body(n, d);
  });
}

/**
 * sp_linear_dw(o0, o1, colPtr, colIdx, colVal, rowPtr, idx, val, dw, inF): rows [o0, o1) of
 * dW = dyᵀ · x as sums of sparse outer products: row o is zeroed, then every entry dy[n, o] adds
 * dy[n, o] · x[n, ·] at x's entries (a scatter into one row, which stays in L1). Each row is
 * owned by one call, so the sums run in a fixed order (samples ascending).
 */
export function emitSparseLinearWeightGrad(): FnBuilder {
  const f = FnBuilder.i32Params('sp_linear_dw', 10);
  const [o0, o1, colPtr, colIdx, colVal, rowPtr, idx, val, dw, inF] = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9];
  const [o, i, row, in4, ip, vp, end, a] = Array.from({ length: 8 }, () => f.local());
  f.get(inF).i32(-4).and().set(in4);
  f.forRange(o, () => f.get(o0), () => f.get(o1), () => {
    f.get(dw).get(o).get(inF).mul().i32(4).mul().add().set(row);
    f.forRange(i, () => f.i32(0), () => f.get(in4), () => f.get(row).get(i).i32(4).mul().add().v128zero().v128store(), 4);
    f.forRange(i, () => f.get(in4), () => f.get(inF), () => f.get(row).get(i).i32(4).mul().add().f32const(0).f32store());
    forEachColumnEntry(f, o, colPtr, colIdx, colVal, (n, d) => {
      rowRange(f, rowPtr, n, idx, val, ip, vp, end);
      entries4(f, ip, vp, end, (off) => {
        f.get(row).get(ip).i32load(off).i32(4).mul().add().tee(a);
        f.get(a).f32load().get(d).get(vp).f32load(off).f32mul().f32add().f32store();
      });
    });
  });
  return f;
}

/**
 * sp_linear_dx(o0, o1, colPtr, colIdx, colVal, rowPtr, idx, w, inF, acc): the input gradient
 * dx = dy · W at x's entries only, from weight rows [o0, o1): every entry dy[n, o] adds
 * dy[n, o] · W[o, i] to acc[e] for each entry e = (n, i) of x. W is walked row by row (each row
 * read once, from L1 while the samples using it gather from it); acc (one float per entry of x)
 * belongs to the caller's group of rows, and the host adds the groups in a fixed order.
 */
export function emitSparseLinearInputGrad(): FnBuilder {
  const f = FnBuilder.i32Params('sp_linear_dx', 10);
  const [o0, o1, colPtr, colIdx, colVal, rowPtr, idx, w, inF, acc] = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9];
  const [o, wrow, ip, ap, end] = Array.from({ length: 5 }, () => f.local());
  f.forRange(o, () => f.get(o0), () => f.get(o1), () => {
    f.get(w).get(o).get(inF).mul().i32(4).mul().add().set(wrow);
    forEachColumnEntry(f, o, colPtr, colIdx, colVal, (n, d) => {
      rowRange(f, rowPtr, n, idx, acc, ip, ap, end);
      entries4(f, ip, ap, end, (off) => {
        f.get(ap).get(ap).f32load(off).get(d).get(wrow).get(ip).i32load(off).i32(4).mul().add().f32load().f32mul().f32add().f32store(off);
      });
    });
  });
  return f;
}
