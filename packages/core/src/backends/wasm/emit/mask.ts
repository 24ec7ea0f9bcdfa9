import { WASM_COMPARE_OPS, compareOps, type WasmCompareOp } from '../../../ops/definitions/index.js';
import { FnBuilder } from './builder.js';

/** Compare ops against a scalar with a wasm kernel (the ReLU-gradient and clamp masks): those whose definition has one. */
export { WASM_COMPARE_OPS, type WasmCompareOp };
export const COMPARE_KERNELS = WASM_COMPARE_OPS.map((op) => `cmp_${op}_scalar` as const);
export const WHERE_KERNELS = ['where_same', 'where_scalar'] as const;

/**
 * cmp_<op>_scalar(x, s, mask, n): mask[i] = x[i] op s[0] ? 1 : 0 (bytes; NaN compares false).
 * Sixteen floats per step: four f32x4 compares narrowed to one i8x16 of -1/0, masked to 1/0.
 */
export function emitCompareScalar(op: WasmCompareOp): FnBuilder {
  const f = FnBuilder.i32Params(`cmp_${op}_scalar`, 4);
  const [x, s, mask, n] = [0, 1, 2, 3];
  const [sv, one] = [f.v128(), f.v128()];
  const ss = f.f32();
  const [i, n16] = [f.local(), f.local()];
  const { vector, scalar } = compareOps[op].wasm;
  const cmp = (offset: number) => {
    f.get(x).v128load(offset).get(sv);
    vector(f);
  };
  f.get(s).f32load().tee(ss).f32x4splat().set(sv);
  f.i32(1).i8x16splat().set(one);
  f.get(n).i32(-16).and().set(n16);
  f.forRange(i, () => f.i32(0), () => f.get(n16), () => {
    f.get(mask);
    cmp(0); cmp(16); f.i16x8narrow();
    cmp(32); cmp(48); f.i16x8narrow();
    f.i8x16narrow().get(one).v128and().v128store();
    f.inc(x, 64).inc(mask, 16);
  }, 16);
  f.forRange(i, () => f.get(n16), () => f.get(n), () => {
    f.get(mask).get(x).f32load().get(ss);
    scalar(f);
    f.i32store8();
    f.inc(x, 4).inc(mask, 1);
  });
  return f;
}

/**
 * where_same(c, x, y, out, n): out[i] = c[i] ? x[i] : y[i]; where_scalar: y[0] for every i.
 * Four mask bytes are widened to four i32 lanes and compared with 0 (any nonzero byte is true).
 */
export function emitWhere(name: (typeof WHERE_KERNELS)[number]): FnBuilder {
  const f = FnBuilder.i32Params(name, 5);
  const [c, x, y, out, n] = [0, 1, 2, 3, 4];
  const scalar = name === 'where_scalar';
  const [yv, m] = [f.v128(), f.v128()];
  const ys = f.f32();
  const [i, n4] = [f.local(), f.local()];
  if (scalar) f.get(y).f32load().tee(ys).f32x4splat().set(yv);
  f.get(n).i32(-4).and().set(n4);
  f.forRange(i, () => f.i32(0), () => f.get(n4), () => {
    f.get(c).load32zero().i16x8extendLowU().i32x4extendLowU().v128zero().i32x4ne().set(m);
    f.get(out).get(x).v128load();
    if (scalar) f.get(yv);
    else f.get(y).v128load();
    f.get(m).bitselect().v128store();
    f.inc(c, 4).inc(x, 16).inc(out, 16);
    if (!scalar) f.inc(y, 16);
  }, 4);
  f.forRange(i, () => f.get(n4), () => f.get(n), () => {
    f.get(out).get(x).f32load();
    if (scalar) f.get(ys);
    else f.get(y).f32load();
    f.get(c).i32load8u().select().f32store();
    f.inc(c, 1).inc(x, 4).inc(out, 4);
    if (!scalar) f.inc(y, 4);
  });
  return f;
}
