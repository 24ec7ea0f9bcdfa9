import { FnBuilder, type Local } from './builder.js';

/**
 * The geometry of a sparse convolution as an Int32 block in memory (one pointer instead of a
 * dozen arguments). Channels-last buffers have rows of F4 = F rounded up to 4 floats, so every
 * filter-vector update is whole f32x4 operations. The tap tables (`convTaps`) are pre-scaled to
 * byte offsets: hTab holds (i·KW·F4·4, oh·OW·F4·4) pairs per input row, wTab (j·F4·4, ow·F4·4)
 * pairs per input column.
 */
export const SPARSE_CONV_FIELDS = ['plane', 'W', 'F', 'F4', 'P', 'chanBytes', 'hStart', 'hTab', 'wStart', 'wTab', 'CHW'] as const;
type Field = (typeof SPARSE_CONV_FIELDS)[number];

export const SPARSE_CONV_KERNELS = ['sp_conv_fwd', 'sp_conv_dw', 'sp_conv_dx'] as const;
type Kind = (typeof SPARSE_CONV_KERNELS)[number];

function loadFields(f: FnBuilder, g: Local): Record<Field, Local> {
  const out = {} as Record<Field, Local>;
  SPARSE_CONV_FIELDS.forEach((name, i) => {
    out[name] = f.local();
    f.get(g).i32load(i * 4).set(out[name]);
  });
  return out;
}

/**
 * One image of a convolution whose input is sparse, all three products from one loop nest:
 * `sp_conv_<kind>(g, idx, val, count, weights, cl, img, dx)`. The image's `count` winners
 * (idx: c·H·W + h·W + w, val) are visited in order; each winner's filter taps (i, j) and the
 * outputs (oh, ow) they reach come from the tap tables, so any stride, padding and dilation
 * costs no test in the loop. Per (winner, tap) the work is one F4-float vector update:
 *  - fwd: cl[oh, ow, ·] += v · weights[c, i, j, ·]; cl (channels-last [P, F4]) starts at zero
 *    and is transposed into img (the output image, [F, P]) at the end;
 *  - dw:  weights[c, i, j, ·] += v · cl[oh, ow, ·]: weights is the caller's channels-last
 *    filter-gradient accumulator, cl the output gradient image img transposed to [P, F4];
 *  - dx:  dx[winner] = Σ over taps of weights[c, i, j, ·] · cl[oh, ow, ·]: the input gradient
 *    at the winners only, written into the zeroed dense image dx (val unused).
 */
function emitSparseConv(kind: Kind): FnBuilder {
  const f = FnBuilder.i32Params(kind, 8);
  const [gp, idx, val, count, weights, cl, img, dx] = [0, 1, 2, 3, 4, 5, 6, 7];
  const g = loadFields(f, gp);
  const [e, ix, h, w, base, a, a1, b, b1, hw, hy, wr, yr, q, p, t, n4] = Array.from({ length: 17 }, () => f.local());
  const v = f.v128();
  // dx: four partial dot products (independent add chains), summed in a fixed order.
  const acc = [f.v128(), f.v128(), f.v128(), f.v128()];
  const rowOf = (table: Local, coord: Local) => f.get(table).get(coord).i32(4).mul().add();
  const clRow = (pos: Local) => f.get(cl).get(pos).get(g.F4).mul().i32(4).mul().add();

  if (kind === 'sp_conv_fwd') {
    f.forRange(t, () => f.i32(0), () => f.get(g.P).get(g.F4).mul(), () => f.get(cl).get(t).i32(4).mul().add().v128zero().v128store(), 4);
  } else {
    // cl[p, fq] = img[fq, p] for fq < F, 0 in the padding lanes.
    f.forRange(p, () => f.i32(0), () => f.get(g.P), () => {
      clRow(p);
      f.set(yr);
      f.forRange(q, () => f.i32(0), () => f.get(g.F), () => {
        f.get(yr).get(q).i32(4).mul().add();
        f.get(img).get(q).get(g.P).mul().get(p).add().i32(4).mul().add().f32load();
        f.f32store();
      });
      f.forRange(q, () => f.get(g.F), () => f.get(g.F4), () => f.get(yr).get(q).i32(4).mul().add().f32const(0).f32store());
    });
  }
  if (kind === 'sp_conv_dx') {
    f.get(g.CHW).i32(-4).and().set(n4);
    f.forRange(t, () => f.i32(0), () => f.get(n4), () => f.get(dx).get(t).i32(4).mul().add().v128zero().v128store(), 4);
    f.forRange(t, () => f.get(n4), () => f.get(g.CHW), () => f.get(dx).get(t).i32(4).mul().add().f32const(0).f32store());
  }

  // Winners come in ascending order, so channel and row only move forward: the channel's
  // filter block, h and the bounds of the current channel and row advance by steps (C + C·H
  // in all per image)
  // instead of two divisions per winner.
  const [cEnd, rowStart, rowEnd] = [f.local(), f.local(), f.local()];
  f.i32(0).set(h);
  f.get(weights).set(base);
  f.get(g.plane).set(cEnd);
  f.i32(0).set(rowStart);
  f.get(g.W).set(rowEnd);
  /** One f32x4 of the update at byte offset `o` from wr / yr. */
  const update = (o: number) => {
    if (kind === 'sp_conv_fwd') f.get(yr).get(yr).v128load(o).get(v).get(wr).v128load(o).f32x4mul().f32x4add().v128store(o);
    else if (kind === 'sp_conv_dw') f.get(wr).get(wr).v128load(o).get(v).get(yr).v128load(o).f32x4mul().f32x4add().v128store(o);
    else f.get(acc[o / 16]).get(wr).v128load(o).get(yr).v128load(o).f32x4mul().f32x4add().set(acc[o / 16]);
  };
  f.forRange(e, () => f.i32(0), () => f.get(count), () => {
    f.get(idx).get(e).i32(4).mul().add().i32load().set(ix);
    f.whileLoop(() => f.get(ix).get(cEnd).geS(), () => {
      f.inc(base, g.chanBytes, true);
      f.get(cEnd).set(rowStart);
      f.get(cEnd).get(g.W).add().set(rowEnd);
      f.inc(cEnd, g.plane, true);
      f.i32(0).set(h);
    });
    f.whileLoop(() => f.get(ix).get(rowEnd).geS(), () => {
      f.inc(h, 1);
      f.get(rowEnd).set(rowStart);
      f.inc(rowEnd, g.W, true);
    });
    f.get(ix).get(rowStart).sub().set(w);
    if (kind === 'sp_conv_dx') for (const x of acc) f.v128zero().set(x);
    else f.get(val).get(e).i32(4).mul().add().load32Splat().set(v);
    rowOf(g.hStart, h); f.i32load().set(a);
    rowOf(g.hStart, h); f.i32load(4).set(a1);
    f.whileLoop(() => f.get(a).get(a1).ltS(), () => {
      f.get(g.hTab).get(a).i32(8).mul().add().tee(hw).i32load(4).set(hy);
      f.get(hw).i32load().set(hw);
      rowOf(g.wStart, w); f.i32load().set(b);
      rowOf(g.wStart, w); f.i32load(4).set(b1);
      f.whileLoop(() => f.get(b).get(b1).ltS(), () => {
        f.get(g.wTab).get(b).i32(8).mul().add().tee(wr).i32load(4).get(hy).add().get(cl).add().set(yr);
        f.get(wr).i32load().get(hw).add().get(base).add().set(wr);
        // F4 floats: 16 at a time while they last (every F4 that is a multiple of 16 goes
        // this way only), then 4 at a time.
        f.get(g.F4).set(q);
        f.whileLoop(() => f.get(q).i32(16).geS(), () => {
          for (let o = 0; o < 64; o += 16) update(o);
          f.inc(wr, 64).inc(yr, 64).inc(q, -16);
        });
        f.whileLoop(() => f.get(q), () => {
          update(0);
          f.inc(wr, 16).inc(yr, 16).inc(q, -4);
        });
        f.inc(b, 1);
      });
      f.inc(a, 1);
    });
    if (kind === 'sp_conv_dx') {
      f.get(acc[0]).get(acc[1]).f32x4add().get(acc[2]).get(acc[3]).f32x4add().f32x4add().set(acc[0]);
      f.get(dx).get(ix).i32(4).mul().add();
      f.get(acc[0]).f32x4extract(0).get(acc[0]).f32x4extract(1).f32add().get(acc[0]).f32x4extract(2).f32add().get(acc[0]).f32x4extract(3).f32add();
      f.f32store();
    }
  });

  if (kind === 'sp_conv_fwd') {
    // img[fq, p] = cl[p, fq]
    f.forRange(p, () => f.i32(0), () => f.get(g.P), () => {
      clRow(p);
      f.set(yr);
      f.forRange(q, () => f.i32(0), () => f.get(g.F), () => {
        f.get(img).get(q).get(g.P).mul().get(p).add().i32(4).mul().add();
        f.get(yr).get(q).i32(4).mul().add().f32load();
        f.f32store();
      });
    });
  }
  return f;
}

export const emitSparseConvKernels = (): FnBuilder[] => SPARSE_CONV_KERNELS.map((k) => emitSparseConv(k));
