import { FnBuilder, type Local } from './builder.js';

/**
 * Convolution geometry as it sits in memory (an Int32Array block), so the unfold kernels take
 * one pointer instead of thirteen arguments.
 */
export const GEOMETRY_FIELDS = ['C', 'H', 'W', 'KH', 'KW', 'sh', 'sw', 'ph', 'pw', 'dh', 'dw', 'OH', 'OW'] as const;
type Field = (typeof GEOMETRY_FIELDS)[number];

/**
 * The output columns [lo, hi) of one kernel row whose input column iw0 + ow*sw lies in [0, W)
 * (the rest read padding): lo = ceil(-iw0 / sw) when iw0 < 0, hi = ceil((W - iw0) / sw), both
 * clamped to [0, OW] with lo <= hi. Computed once per row, so the copy loops have no per-element
 * bounds test.
 */
function validColumns(f: FnBuilder, g: Record<Field, Local>, iw0: Local, lo: Local, hi: Local): void {
  const min = (a: () => void, b: () => void) => { a(); b(); a(); b(); f.ltS().select(); };
  // lo = iw0 < 0 ? (sw - 1 - iw0) / sw : 0, then min(lo, OW)
  f.get(g.sw).i32(1).sub().get(iw0).sub().get(g.sw).divS().i32(0).get(iw0).i32(0).ltS().select().set(lo);
  min(() => f.get(lo), () => f.get(g.OW));
  f.set(lo);
  // hi = W > iw0 ? (W - iw0 + sw - 1) / sw : 0, then min(hi, OW), max(hi, lo)
  f.get(g.W).get(iw0).sub().get(g.sw).add().i32(1).sub().get(g.sw).divS().i32(0).get(iw0).get(g.W).ltS().select().set(hi);
  min(() => f.get(hi), () => f.get(g.OW));
  f.set(hi);
  f.get(lo).get(hi).get(hi).get(lo).ltS().select().set(hi);
}

/** Lanes 0, 2, 4, 6 of two vectors: the even floats of 8 consecutive ones (a stride-2 gather). */
const EVEN_LANES = [0, 2, 4, 6] as const;
/** [a0, 0, a1, 0] and [a2, 0, a3, 0] from (a, zero): a stride-2 scatter of 4 floats. */
const SPREAD_LOW = [0, 4, 1, 4] as const;
const SPREAD_HIGH = [2, 4, 3, 4] as const;

/**
 * im2col and its adjoint col2im share one loop nest: for every kernel row (c, i, j) the valid
 * output columns [lo, hi) are worked out once, then each output row (oh) moves its valid floats
 * in `blocks` of 4 (f32x4, strides 1 and 2) and a scalar `tail`, stepping two pointers: p in
 * the unfolded row, q in the image. The rows are short (7-28 floats in the MNIST CNN), so no
 * per-element index arithmetic or bounds test is left in the loops.
 */
function emitUnfold(kind: 'im2col' | 'col2im'): FnBuilder {
  const f = FnBuilder.i32Params(kind, 4);
  const [img, gp, cols, ld] = [0, 1, 2, 3];
  const g = f.loadFields(gp, GEOMETRY_FIELDS);
  const [c, i, j, oh, k, plane, rowPtr, o, ih, iw0, lo, hi, blocks, tail, p, q, step] = Array.from({ length: 17 }, () => f.local());
  const gather = kind === 'im2col';
  const zeros = (n: () => void) => f.forRange(k, () => f.i32(0), n, () => {
    f.get(p).f32const(0).f32store();
    f.inc(p, 4);
  });
  // One block: 4 floats between p (contiguous) and q (stride 1 or 2); q advances 16 * sw bytes.
  const block = (sw: 1 | 2) => f.forRange(k, () => f.i32(0), () => f.get(blocks), () => {
    if (gather) {
      f.get(p).get(q).v128load();
      if (sw === 2) f.get(q).v128load(16).f32x4shuffle(EVEN_LANES);
      f.v128store();
    } else if (sw === 1) {
      f.get(q).get(q).v128load().get(p).v128load().f32x4add().v128store();
    } else {
      f.get(q).get(q).v128load().get(p).v128load().v128zero().f32x4shuffle(SPREAD_LOW).f32x4add().v128store();
      f.get(q).get(q).v128load(16).get(p).v128load().v128zero().f32x4shuffle(SPREAD_HIGH).f32x4add().v128store(16);
    }
    f.inc(p, 16);
    f.inc(q, 16 * sw);
  });
  f.get(cols).set(rowPtr);
  f.get(g.sw).i32(4).mul().set(step);
  f.forRange(c, () => f.i32(0), () => f.get(g.C), () => {
    f.get(img).get(c).get(g.H).mul().get(g.W).mul().i32(4).mul().add().set(plane);
    f.forRange(i, () => f.i32(0), () => f.get(g.KH), () => {
      f.forRange(j, () => f.i32(0), () => f.get(g.KW), () => {
        f.get(j).get(g.dw).mul().get(g.pw).sub().set(iw0);
        validColumns(f, g, iw0, lo, hi);
        // Vector blocks for strides 1 and 2 only. The stride-2 gather reads 8 floats for 4, so
        // it may read one float past the row (the host's guard band covers the image's end);
        // the stride-2 scatter adds [a, 0, b, 0] onto 8 pixels, so its blocks must stay inside
        // the row: adding 0 past the image would race with the thread that owns the next one.
        f.get(hi).get(lo).sub().i32(2).shrU().i32(0).get(g.sw).i32(3).ltU().select().set(blocks);
        if (!gather) {
          // When sw = 2: blocks = min(blocks, (W - iw0 - 2*lo) / 8), the blocks whose 8 pixels fit.
          const fitting = () => f.get(g.W).get(iw0).sub().get(lo).i32(2).mul().sub().i32(8).divS();
          f.ifThen(() => {
            f.get(g.sw).i32(2).eq();
            fitting();
            f.get(blocks).ltS().and();
          }, () => fitting().set(blocks));
        }
        f.get(hi).get(lo).sub().get(blocks).i32(4).mul().sub().set(tail);
        f.get(rowPtr).set(o);
        f.forRange(oh, () => f.i32(0), () => f.get(g.OH), () => {
          f.get(oh).get(g.sh).mul().get(g.ph).sub().get(i).get(g.dh).mul().add().set(ih);
          f.get(o).set(p);
          f.ifThen(() => f.get(ih).get(g.H).ltU(), () => {
            f.get(plane).get(ih).get(g.W).mul().get(iw0).add().get(lo).get(g.sw).mul().add().i32(4).mul().add().set(q);
            if (gather) zeros(() => f.get(lo));
            else f.get(p).get(lo).i32(4).mul().add().set(p);
            f.ifThen(() => f.get(g.sw).i32(1).eq(), () => block(1), () => block(2));
            f.forRange(k, () => f.i32(0), () => f.get(tail), () => {
              if (gather) f.get(p).get(q).f32load().f32store();
              else f.get(q).get(q).f32load().get(p).f32load().f32add().f32store();
              f.inc(p, 4);
              f.get(q).get(step).add().set(q);
            });
            if (gather) zeros(() => f.get(g.OW).get(hi).sub());
          }, gather ? () => zeros(() => f.get(g.OW)) : undefined);
          f.get(o).get(g.OW).i32(4).mul().add().set(o);
        });
        f.get(rowPtr).get(ld).i32(4).mul().add().set(rowPtr);
      });
    });
  });
  return f;
}

/**
 * im2col(x, g, cols, ld): unfold one image (x: C x H x W floats) into rows of `ld` floats:
 * cols[(c*KH + i)*KW + j][oh*OW + ow] = x[c, oh*sh - ph + i*dh, ow*sw - pw + j*dw], or 0 in
 * the padding. Columns OH*OW..ld are left alone.
 */
export const emitIm2col = (): FnBuilder => emitUnfold('im2col');

/**
 * col2im(dx, g, cols, ld): the adjoint of im2col: add every column entry onto its pixel. Each
 * pixel receives its entries in the same order as a scalar loop over (c, i, j, oh, ow), so the
 * result does not depend on the vector blocks, to the bit.
 */
export const emitCol2im = (): FnBuilder => emitUnfold('col2im');
