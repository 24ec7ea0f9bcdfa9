import { FnBuilder, type Local } from './builder.js';

/**
 * Convolution geometry as it sits in memory (an Int32Array block), so the unfold kernels take
 * one pointer instead of thirteen arguments.
 */
export const GEOMETRY_FIELDS = ['C', 'H', 'W', 'KH', 'KW', 'sh', 'sw', 'ph', 'pw', 'dh', 'dw', 'OH', 'OW'] as const;
type Field = (typeof GEOMETRY_FIELDS)[number];

function loadGeometry(f: FnBuilder, g: Local): Record<Field, Local> {
  const out = {} as Record<Field, Local>;
  GEOMETRY_FIELDS.forEach((name, i) => {
    out[name] = f.local();
    f.get(g).i32load(i * 4).set(out[name]);
  });
  return out;
}

/**
 * im2col(x, g, cols, ld): unfold one image (x: C x H x W floats) into rows of `ld` floats:
 * cols[(c*KH + i)*KW + j][oh*OW + ow] = x[c, oh*sh - ph + i*dh, ow*sw - pw + j*dw], or 0 in
 * the padding. Columns OH*OW..ld are left alone. Out-of-range reads are discarded by `select`,
 * so they may touch (but never use) up to one row of floats before or after the image: the
 * host keeps a guard band around every buffer it hands in.
 */
export function emitIm2col(): FnBuilder {
  const f = FnBuilder.i32Params('im2col', 4);
  const [x, gp, cols, ld] = [0, 1, 2, 3];
  const g = loadGeometry(f, gp);
  const [c, i, j, oh, ow, plane, rowPtr, o, ih, src, iw] = Array.from({ length: 11 }, () => f.local());
  f.get(cols).set(rowPtr);
  f.forRange(c, () => f.i32(0), () => f.get(g.C), () => {
    f.get(x).get(c).get(g.H).mul().get(g.W).mul().i32(4).mul().add().set(plane);
    f.forRange(i, () => f.i32(0), () => f.get(g.KH), () => {
      f.forRange(j, () => f.i32(0), () => f.get(g.KW), () => {
        f.get(rowPtr).set(o);
        f.forRange(oh, () => f.i32(0), () => f.get(g.OH), () => {
          f.get(oh).get(g.sh).mul().get(g.ph).sub().get(i).get(g.dh).mul().add().set(ih);
          f.ifThen(() => f.get(ih).get(g.H).ltU(), () => {
            f.get(plane).get(ih).get(g.W).mul().i32(4).mul().add().set(src);
            // iw = ow*sw - pw + j*dw, stepped by sw
            f.get(j).get(g.dw).mul().get(g.pw).sub().set(iw);
            f.forRange(ow, () => f.i32(0), () => f.get(g.OW), () => {
              f.get(o).get(ow).i32(4).mul().add();
              f.get(src).get(iw).i32(4).mul().add().f32load();
              f.f32const(0);
              f.get(iw).get(g.W).ltU();
              f.select().f32store();
              f.get(iw).get(g.sw).add().set(iw);
            });
          }, () => {
            f.forRange(ow, () => f.i32(0), () => f.get(g.OW), () => {
              f.get(o).get(ow).i32(4).mul().add().f32const(0).f32store();
            });
          });
          f.get(o).get(g.OW).i32(4).mul().add().set(o);
        });
        f.get(rowPtr).get(ld).i32(4).mul().add().set(rowPtr);
      });
    });
  });
  return f;
}

/** col2im(dx, g, cols, ld): the adjoint of im2col: add every column entry onto its pixel. */
export function emitCol2im(): FnBuilder {
  const f = FnBuilder.i32Params('col2im', 4);
  const [dx, gp, cols, ld] = [0, 1, 2, 3];
  const g = loadGeometry(f, gp);
  const [c, i, j, oh, ow, plane, rowPtr, o, ih, dst, iw, addr] = Array.from({ length: 12 }, () => f.local());
  f.get(cols).set(rowPtr);
  f.forRange(c, () => f.i32(0), () => f.get(g.C), () => {
    f.get(dx).get(c).get(g.H).mul().get(g.W).mul().i32(4).mul().add().set(plane);
    f.forRange(i, () => f.i32(0), () => f.get(g.KH), () => {
      f.forRange(j, () => f.i32(0), () => f.get(g.KW), () => {
        f.get(rowPtr).set(o);
        f.forRange(oh, () => f.i32(0), () => f.get(g.OH), () => {
          f.get(oh).get(g.sh).mul().get(g.ph).sub().get(i).get(g.dh).mul().add().set(ih);
          f.ifThen(() => f.get(ih).get(g.H).ltU(), () => {
            f.get(plane).get(ih).get(g.W).mul().i32(4).mul().add().set(dst);
            f.get(j).get(g.dw).mul().get(g.pw).sub().set(iw);
            f.forRange(ow, () => f.i32(0), () => f.get(g.OW), () => {
              f.ifThen(() => f.get(iw).get(g.W).ltU(), () => {
                f.get(dst).get(iw).i32(4).mul().add().tee(addr);
                f.get(addr).f32load();
                f.get(o).get(ow).i32(4).mul().add().f32load();
                f.f32add().f32store();
              });
              f.get(iw).get(g.sw).add().set(iw);
            });
          });
          f.get(o).get(g.OW).i32(4).mul().add().set(o);
        });
        f.get(rowPtr).get(ld).i32(4).mul().add().set(rowPtr);
      });
    });
  });
  return f;
}
