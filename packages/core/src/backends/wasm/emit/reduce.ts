import { FnBuilder } from './builder.js';

/**
 * sum_rows(x, out, rows, C): out[r] (f64) = sum of the C floats of row r, accumulated in float64
 * like the TypeScript kernel, but in eight interleaved partial sums (four f64x2), combined in a
 * fixed order: same bits on every run and thread count, not always the bits of a sequential sum.
 */
export function emitSumRows(): FnBuilder {
  const f = FnBuilder.i32Params('sum_rows', 4);
  const [x, out, rows, C] = [0, 1, 2, 3];
  const acc = [f.v128(), f.v128(), f.v128(), f.v128()];
  const tail = f.f64();
  const [r, j, c8] = [f.local(), f.local(), f.local()];
  f.get(C).i32(-8).and().set(c8);
  f.forRange(r, () => f.i32(0), () => f.get(rows), () => {
    for (const a of acc) f.v128zero().set(a);
    f.f64const(0).set(tail);
    f.forRange(j, () => f.i32(0), () => f.get(c8), () => {
      acc.forEach((a, q) => f.get(a).get(x).load64zero(q * 8).f64x2promoteLow().f64x2add().set(a));
      f.inc(x, 32);
    }, 8);
    f.forRange(j, () => f.get(c8), () => f.get(C), () => {
      f.get(tail).get(x).f32load().f64promote().f64add().set(tail);
      f.inc(x, 4);
    });
    f.get(acc[0]).get(acc[1]).f64x2add().get(acc[2]).get(acc[3]).f64x2add().f64x2add().set(acc[0]);
    f.get(out);
    f.get(acc[0]).f64x2extract(0).get(acc[0]).f64x2extract(1).f64add().get(tail).f64add();
    f.f64store();
    f.inc(out, 8);
  });
  return f;
}

/**
 * sum_cols(x, out, rows, cols, C): out[j] (f32) = sum over r of x[r*C + j] for j in [0, cols),
 * in float64 and row order, as the TypeScript kernel does (bit-identical): eight columns per pass
 * in four f64x2 accumulators, then one column at a time.
 */
export function emitSumCols(): FnBuilder {
  const f = FnBuilder.i32Params('sum_cols', 5);
  const [x, out, rows, cols, C] = [0, 1, 2, 3, 4];
  const acc = [f.v128(), f.v128(), f.v128(), f.v128()];
  const s = f.f64();
  const [r, j, c8, p, pitch] = [f.local(), f.local(), f.local(), f.local(), f.local()];
  f.get(cols).i32(-8).and().set(c8);
  f.get(C).i32(4).mul().set(pitch);
  f.forRange(j, () => f.i32(0), () => f.get(c8), () => {
    for (const a of acc) f.v128zero().set(a);
    f.get(x).get(j).i32(4).mul().add().set(p);
    f.forRange(r, () => f.i32(0), () => f.get(rows), () => {
      acc.forEach((a, q) => f.get(a).get(p).load64zero(q * 8).f64x2promoteLow().f64x2add().set(a));
      f.inc(p, pitch, true);
    });
    acc.forEach((a, q) => {
      for (let lane = 0; lane < 2; lane++) {
        f.get(out).get(j).i32(4).mul().add();
        f.get(a).f64x2extract(lane).f32demote().f32store((2 * q + lane) * 4);
      }
    });
  }, 8);
  f.forRange(j, () => f.get(c8), () => f.get(cols), () => {
    f.f64const(0).set(s);
    f.get(x).get(j).i32(4).mul().add().set(p);
    f.forRange(r, () => f.i32(0), () => f.get(rows), () => {
      f.get(s).get(p).f32load().f64promote().f64add().set(s);
      f.inc(p, pitch, true);
    });
    f.get(out).get(j).i32(4).mul().add().get(s).f32demote().f32store();
  });
  return f;
}

/**
 * sum_mid(x, out, A, cCount, B, C): x viewed as [A, C, B]; out[c] (f32) = sum over a, then b, of
 * x[a, c, b] for c in [0, cCount) (x points at channel 0 of the range), one float64 chain per
 * channel in the TypeScript kernel's order (bit-identical). The conv-bias gradient: NCHW summed
 * over N, H, W.
 */
export function emitSumMid(): FnBuilder {
  const f = FnBuilder.i32Params('sum_mid', 6);
  const [x, out, A, cCount, B, C] = [0, 1, 2, 3, 4, 5];
  const s = f.f64();
  const [c, a, b, p, pitch] = [f.local(), f.local(), f.local(), f.local(), f.local()];
  f.get(C).get(B).mul().i32(4).mul().set(pitch);
  f.forRange(c, () => f.i32(0), () => f.get(cCount), () => {
    f.f64const(0).set(s);
    f.forRange(a, () => f.i32(0), () => f.get(A), () => {
      f.get(x).get(a).get(pitch).mul().add().get(c).get(B).mul().i32(4).mul().add().set(p);
      f.forRange(b, () => f.i32(0), () => f.get(B), () => {
        f.get(s).get(p).f32load().f64promote().f64add().set(s);
        f.inc(p, 4);
      });
    });
    f.get(out).get(c).i32(4).mul().add().get(s).f32demote().f32store();
  });
  return f;
}
