import { FnBuilder, type Local } from './builder.js';

/**
 * The geometry of a sparse convolution as an Int32 block in memory (one pointer instead of a
 * dozen arguments). Channels-last buffers have rows of F4 = F rounded up to 4 floats, so every
 * filter-vector update is whole f32x4 operations. The tap table lists, for every position s =
 * h·W + w of an input plane, the filter taps that read it (from `convTaps`, rows x columns) as
 * byte-offset pairs ((i·KW + j)·F4·4, (oh·OW + ow)·F4·4) at entries tapStart[s] .. tapStart[s+1].
 */
export const SPARSE_CONV_FIELDS = ['plane', 'F', 'F4', 'P', 'chanBytes', 'tapStart', 'taps', 'CHW'] as const;
type Field = (typeof SPARSE_CONV_FIELDS)[number];

export const SPARSE_CONV_KERNELS = ['sp_conv_fwd', 'sp_conv_dw', 'sp_conv_dx'] as const;
type Kind = (typeof SPARSE_CONV_KERNELS)[number];

/**
 * Between an image [F, P] (img) and its channels-last form [P, F4] (cl), one filter plane at a
 * time: img is walked contiguously, cl with a stride of F4 floats. Into cl, the padding lanes
 * F..F4 are zeroed.
 */
function transposeImage(f: FnBuilder, g: Record<Field, Local>, img: Local, cl: Local, toChannelsLast: boolean): void {
  const [q, p, ip, cp, step] = Array.from({ length: 5 }, () => f.local());
  f.get(g.F4).i32(4).mul().set(step);
  f.get(img).set(ip);
  f.forRange(q, () => f.i32(0), () => f.get(g.F4), () => {
    f.get(cl).get(q).i32(4).mul().add().set(cp);
    f.ifThen(() => f.get(q).get(g.F).ltS(), () => {
      f.forRange(p, () => f.i32(0), () => f.get(g.P), () => {
        if (toChannelsLast) f.get(cp).get(ip).f32load().f32store();
        else f.get(ip).get(cp).f32load().f32store();
        f.inc(ip, 4).inc(cp, step, true);
      });
    }, toChannelsLast ? () => {
      f.forRange(p, () => f.i32(0), () => f.get(g.P), () => {
        f.get(cp).f32const(0).f32store();
        f.inc(cp, step, true);
      });
    } : undefined);
  });
}

/**
 * One image of a convolution whose input is sparse, all three products from one loop nest:
 * `sp_conv_<kind>(g, idx, val, count, weights, cl, img, dx)`. The image's `count` winners
 * (idx: c·H·W + h·W + w, val) are visited in order; each winner's filter taps (i, j) and the
 * outputs (oh, ow) they reach come from the tap table of its position, so any stride, padding
 * and dilation costs no test in the loop. Per (winner, tap) the work is one F4-float vector update:
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
  const g = f.loadFields(gp, SPARSE_CONV_FIELDS);
  const [e, ix, base, a, a1, wr, yr, q, t, n4] = Array.from({ length: 10 }, () => f.local());
  const v = f.v128();
  // dx: four partial dot products (independent add chains), summed in a fixed order.
  const acc = [f.v128(), f.v128(), f.v128(), f.v128()];

  if (kind === 'sp_conv_fwd') {
    f.forRange(t, () => f.i32(0), () => f.get(g.P).get(g.F4).mul(), () => f.get(cl).get(t).i32(4).mul().add().v128zero().v128store(), 4);
  } else {
    transposeImage(f, g, img, cl, true);
  }
  if (kind === 'sp_conv_dx') {
    f.get(g.CHW).i32(-4).and().set(n4);
    f.forRange(t, () => f.i32(0), () => f.get(n4), () => f.get(dx).get(t).i32(4).mul().add().v128zero().v128store(), 4);
    f.forRange(t, () => f.get(n4), () => f.get(g.CHW), () => f.get(dx).get(t).i32(4).mul().add().f32const(0).f32store());
  }

  // Winners come in ascending order, so the channel only moves forward: its filter block and
  // bounds advance by steps (C in all per image) instead of a division per winner.
  const [cStart, cEnd] = [f.local(), f.local()];
  f.get(weights).set(base);
  f.i32(0).set(cStart);
  f.get(g.plane).set(cEnd);
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
      f.get(cEnd).set(cStart);
      f.inc(cEnd, g.plane, true);
    });
    if (kind === 'sp_conv_dx') for (const x of acc) f.v128zero().set(x);
    else f.get(val).get(e).i32(4).mul().add().load32Splat().set(v);
    // The taps of position ix - cStart: [a, a1) of the table, 8 bytes each.
    f.get(g.tapStart).get(ix).get(cStart).sub().i32(4).mul().add().tee(a).i32load(4).i32(8).mul().get(g.taps).add().set(a1);
    f.get(a).i32load().i32(8).mul().get(g.taps).add().set(a);
    f.whileLoop(() => f.get(a).get(a1).ltU(), () => {
      f.get(a).i32load().get(base).add().set(wr);
      f.get(a).i32load(4).get(cl).add().set(yr);
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
      f.inc(a, 8);
    });
    if (kind === 'sp_conv_dx') {
      f.get(acc[0]).get(acc[1]).f32x4add().get(acc[2]).get(acc[3]).f32x4add().f32x4add().set(acc[0]);
      f.get(dx).get(ix).i32(4).mul().add();
      f.get(acc[0]).f32x4extract(0).get(acc[0]).f32x4extract(1).f32add().get(acc[0]).f32x4extract(2).f32add().get(acc[0]).f32x4extract(3).f32add();
      f.f32store();
    }
  });

  if (kind === 'sp_conv_fwd') {
    transposeImage(f, g, img, cl, false);
  }
  return f;
}

export const emitSparseConvKernels = (): FnBuilder[] => SPARSE_CONV_KERNELS.map((k) => emitSparseConv(k));
