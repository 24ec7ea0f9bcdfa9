import { FnBuilder } from './builder.js';

/** Which entries a row keeps: those its k-WTA mask sets (`sp_extract`), or its non-zeros (`sp_extract_nz`, a ReLU's output). */
export type ExtractKind = 'mask' | 'nonzero';

/**
 * sp_extract(x, mask, rows, n, rowPtr, idx, val, counts, table): the winners of each row of a
 * k-WTA as sparse rows; sp_extract_nz(x, _, ...): the non-zeros of each row (NaN counts, ±0 does
 * not), given row pointers from sp_count_nz. Row r (n floats of x, n mask bytes) writes the
 * indices and values of its kept entries, in index order, at entries rowPtr[r] .. rowPtr[r+1]
 * and its count at counts[r] (entries past the row's room are counted, not stored: the host
 * checks the count). Four at a time with no branch per element: the four mask bytes become a
 * 4-bit lane mask ((bytes · 0x01020408) >> 24: byte j lands on bit j), or four f32x4 lanes
 * compared with 0 become one (i32x4.bitmask); a shuffle from the compaction table
 * (`COMPACT_TABLE`) moves the kept lanes of [i..i+3] and of x to the front, both are stored
 * whole and the write position advances by the popcount. A store writes 16 bytes whatever the
 * count, so the vector loop stops 4 entries before the row's end (the next row may belong to
 * another thread) and a scalar loop finishes it.
 */
export function emitExtract(kind: ExtractKind): FnBuilder {
  const f = FnBuilder.i32Params(kind === 'mask' ? 'sp_extract' : 'sp_extract_nz', 9);
  const [x, mask, rows, n, rowPtr, idx, val, counts, table] = [0, 1, 2, 3, 4, 5, 6, 7, 8];
  const [r, i, w, start, end, n4, bits] = Array.from({ length: 7 }, () => f.local());
  const [lanes, four, shuffle] = [f.v128(), f.v128(), f.v128()];
  /** Push 1 when entry i is kept, else 0. */
  const kept = () => {
    if (kind === 'mask') f.get(mask).get(i).add().i32load8u().i32(0).ne();
    else f.get(x).get(i).i32(4).mul().add().f32load().f32const(0).f32ne();
  };
  f.get(n).i32(-4).and().set(n4);
  f.i32(4).i32x4splat().set(four);
  f.forRange(r, () => f.i32(0), () => f.get(rows), () => {
    f.get(rowPtr).get(r).i32(4).mul().add().tee(start).i32load().set(w);
    f.get(start).i32load(4).set(end);
    f.get(w).set(start);
    f.i32x4const([0, 1, 2, 3]).set(lanes);
    f.i32(0).set(i);
    f.whileLoop(() => f.get(i).get(n4).ltS().get(w).i32(4).add().get(end).leS().and(), () => {
      if (kind === 'mask') f.get(mask).get(i).add().i32load().i32(0x01020408).mul().i32(24).shrU().i32(15).and().set(bits);
      else f.get(x).get(i).i32(4).mul().add().v128load().v128zero().f32x4ne().i32x4bitmask().set(bits);
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
      f.get(w);
      kept();
      f.add().set(w);
      f.inc(i, 1);
    });
    // Entries past a full row are counted, not stored, so the host can refuse the row.
    f.forRange(i, () => f.get(i), () => f.get(n), () => {
      f.get(w);
      kept();
      f.add().set(w);
    });
    f.get(counts).get(r).i32(4).mul().add().get(w).get(start).sub().i32store();
    f.get(x).get(n).i32(4).mul().add().set(x);
    f.get(mask).get(n).add().set(mask);
  });
  return f;
}

/**
 * sp_count_nz(x, rows, n, counts): the non-zeros of each of `rows` rows of n floats (NaN counts,
 * ±0 does not), four at a time (f32x4 compare, bitmask, popcount): the row pointers of
 * sp_extract_nz, before its output is allocated.
 */
export function emitCountNonzero(): FnBuilder {
  const f = FnBuilder.i32Params('sp_count_nz', 4);
  const [x, rows, n, counts] = [0, 1, 2, 3];
  const [r, i, c, n4] = Array.from({ length: 4 }, () => f.local());
  f.get(n).i32(-4).and().set(n4);
  f.forRange(r, () => f.i32(0), () => f.get(rows), () => {
    f.i32(0).set(c);
    f.forRange(i, () => f.i32(0), () => f.get(n4), () => {
      f.get(c).get(x).get(i).i32(4).mul().add().v128load().v128zero().f32x4ne().i32x4bitmask().popcnt().add().set(c);
    }, 4);
    f.forRange(i, () => f.get(n4), () => f.get(n), () => {
      f.get(c).get(x).get(i).i32(4).mul().add().f32load().f32const(0).f32ne().add().set(c);
    });
    f.get(counts).get(r).i32(4).mul().add().get(c).i32store();
    f.get(x).get(n).i32(4).mul().add().set(x);
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
