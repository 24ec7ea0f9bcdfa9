import { FnBuilder } from './builder.js';

/**
 * sp_extract(x, mask, rows, n, rowPtr, idx, val, counts, table): the winners of each row of a
 * k-WTA as sparse rows. Row r (n floats of x, n mask bytes) writes the indices and values of its
 * set mask bytes, in index order, at entries rowPtr[r] .. rowPtr[r+1] and its count at counts[r]
 * (winners past the row's room are counted, not stored: the host checks the count is k).
 * Four at a time with no branch per element: the four mask bytes
 * become a 4-bit lane mask ((bytes · 0x01020408) >> 24: byte j lands on bit j), a shuffle from the
 * compaction table (`COMPACT_TABLE`) moves the winners' lanes of [i..i+3] and of x to the front,
 * both are stored whole and the write position advances by the popcount. A store writes 16 bytes
 * whatever the count, so the vector loop stops 4 entries before the row's end (the next row may
 * belong to another thread) and a scalar loop finishes it.
 */
export function emitExtract(): FnBuilder {
  const f = FnBuilder.i32Params('sp_extract', 9);
  const [x, mask, rows, n, rowPtr, idx, val, counts, table] = [0, 1, 2, 3, 4, 5, 6, 7, 8];
  const [r, i, w, start, end, n4, bits] = Array.from({ length: 7 }, () => f.local());
  const [lanes, four, shuffle] = [f.v128(), f.v128(), f.v128()];
  f.get(n).i32(-4).and().set(n4);
  f.i32(4).i32x4splat().set(four);
  f.forRange(r, () => f.i32(0), () => f.get(rows), () => {
    f.get(rowPtr).get(r).i32(4).mul().add().tee(start).i32load().set(w);
    f.get(start).i32load(4).set(end);
    f.get(w).set(start);
    f.i32x4const([0, 1, 2, 3]).set(lanes);
    f.i32(0).set(i);
    f.whileLoop(() => f.get(i).get(n4).ltS().get(w).i32(4).add().get(end).leS().and(), () => {
      f.get(mask).get(i).add().i32load().i32(0x01020408).mul().i32(24).shrU().i32(15).and().set(bits);
      f.get(table).get(bits).i32(4).shl().add().v128load().set(shuffle);
      f.get(idx).get(w).i32(4).mul().add().get(lanes).get(shuffle).swizzle().v128store();
      f.get(val).get(w).i32(4).mul().add().get(x).get(i).i32(4).mul().add().v128load().get(shuffle).swizzle().v128store();
      f.get(w).get(bits).popcnt().add().set(w);
      f.inc(i, 4);
      f.get(lanes).get(four).i32x4add().set(lanes);
    });
    f.whileLoop(() => f.get(i).get(n).ltS().get(w).get(end).ltS().and(), () => {
      f.get(idx).get(w).i32(4).mul().add().get(i).i32store();
      f.get(val).get(w).i32(4).mul().add().get(x).get(i).i32(4).mul().add().f32load().f32store();
      f.get(w).get(mask).get(i).add().i32load8u().i32(0).ne().add().set(w);
      f.inc(i, 1);
    });
    // Winners past a full row are counted, not stored, so the host can refuse the mask.
    f.forRange(i, () => f.get(i), () => f.get(n), () => f.get(w).get(mask).get(i).add().i32load8u().i32(0).ne().add().set(w));
    f.get(counts).get(r).i32(4).mul().add().get(w).get(start).sub().i32store();
    f.get(x).get(n).i32(4).mul().add().set(x);
    f.get(mask).get(n).add().set(mask);
  });
  return f;
}

/**
 * sp_densify(rows, n, rowPtr, idx, val, out): the dense [rows, n] matrix of sparse rows: each
 * row of `out` is zeroed (f32x4 stores) and its entries written.
 */
export function emitDensify(): FnBuilder {
  const f = FnBuilder.i32Params('sp_densify', 6);
  const [rows, n, rowPtr, idx, val, out] = [0, 1, 2, 3, 4, 5];
  const [r, i, e, n4] = Array.from({ length: 4 }, () => f.local());
  f.get(n).i32(-4).and().set(n4);
  f.forRange(r, () => f.i32(0), () => f.get(rows), () => {
    f.forRange(i, () => f.i32(0), () => f.get(n4), () => f.get(out).get(i).i32(4).mul().add().v128zero().v128store(), 4);
    f.forRange(i, () => f.get(n4), () => f.get(n), () => f.get(out).get(i).i32(4).mul().add().f32const(0).f32store());
    f.forRange(e, () => f.get(rowPtr).get(r).i32(4).mul().add().i32load(), () => f.get(rowPtr).get(r).i32(4).mul().add().i32load(4), () => {
      f.get(out).get(idx).get(e).i32(4).mul().add().i32load().i32(4).mul().add();
      f.get(val).get(e).i32(4).mul().add().f32load();
      f.f32store();
    });
    f.get(out).get(n).i32(4).mul().add().set(out);
  });
  return f;
}
