import { FnBuilder, type Local } from './builder.js';

/** a[i] for an f32 array at byte address `a` (pushes the value). */
function at(f: FnBuilder, a: Local, i: Local): void {
  f.get(a).get(i).i32(4).mul().add().f32load();
}

/**
 * The value that would sit at index `nth` if a[0, n) were sorted (n >= 1; no NaN), left in
 * `out`. A quickselect whose partitions are branch-free (Lomuto with an unconditional swap and a
 * compare-driven store pointer), three-way so that runs of equal values end it at once:
 * pass 1 moves the values < pivot (median of three) to the front, pass 2 the values == pivot
 * next; nth then falls in one of the three parts. Data-dependent branches mispredict on random
 * values, which made a Hoare partition about three times slower here. Any exact selection gives
 * the same value, so the mask matches the TypeScript kernel's.
 */
function emitNthSmallest(f: FnBuilder, a: Local, n: Local, nth: Local, out: Local): void {
  const [lo, hi, i, st, done, p, sp, mid] = Array.from({ length: 8 }, () => f.local());
  const [x, y, z, pivot, v] = [f.f32(), f.f32(), f.f32(), f.f32(), f.f32()];
  const addr = (idx: Local) => f.get(a).get(idx).i32(4).mul().add();
  /** Move the values for which `test` (on v and pivot) holds to the front of [from, hi); st = where they end. */
  const partition = (from: Local, test: () => void) => {
    addr(from); f.set(sp);
    addr(from); f.set(p);
    f.get(from).set(st);
    f.forRange(i, () => f.get(from), () => f.get(hi), () => {
      f.get(p).f32load().set(v);
      f.get(p).get(sp).f32load().f32store();
      f.get(sp).get(v).f32store();
      f.get(v).get(pivot);
      test();
      f.tee(mid).i32(4).mul().get(sp).add().set(sp);
      f.get(st).get(mid).add().set(st);
      f.inc(p, 4);
    });
  };
  f.i32(0).set(lo);
  f.get(n).set(hi);
  f.i32(0).set(done);
  f.doWhile(() => {
    f.ifThen(() => f.get(hi).get(lo).sub().i32(2).ltS(), () => {
      addr(lo); f.f32load().set(out);
      f.i32(1).set(done);
    }, () => {
      f.get(lo).get(hi).add().i32(1).shrU().set(mid);
      addr(lo); f.f32load().set(x);
      addr(mid); f.f32load().set(y);
      f.get(hi).i32(1).sub().set(mid);
      addr(mid); f.f32load().set(z);
      // x < y ? (y < z ? y : x < z ? z : x) : x < z ? x : y < z ? z : y
      f.get(y).get(z).get(x).get(x).get(z).f32lt().select().get(y).get(z).f32lt().select();
      f.get(x).get(z).get(y).get(y).get(z).f32lt().select().get(x).get(z).f32lt().select();
      f.get(x).get(y).f32lt().select().set(pivot);
      partition(lo, () => f.f32lt());
      // [lo, st) < pivot <= [st, hi); the pivot is in the range, so st < hi.
      f.ifThen(() => f.get(nth).get(st).ltS(), () => f.get(st).set(hi), () => {
        f.get(st).set(lo);
        partition(lo, () => f.f32eq());
        // [lo, st) == pivot (not empty)
        f.ifThen(() => f.get(nth).get(st).ltS(), () => {
          f.get(pivot).set(out);
          f.i32(1).set(done);
        }, () => f.get(st).set(lo));
      });
    });
  }, () => f.get(done).eqz());
}

/**
 * Row m of this table is the i8x16.swizzle that moves the f32 lanes whose bits are set in m
 * (4-bit lane mask) to the front, in order; the rest of the row picks byte 0x80 (gives 0).
 */
export function compactTable(): Uint8Array {
  const t = new Uint8Array(256).fill(0x80);
  for (let m = 0; m < 16; m++) {
    let o = 0;
    for (let lane = 0; lane < 4; lane++) {
      if (!(m & (1 << lane))) continue;
      for (let b = 0; b < 4; b++) t[m * 16 + o * 4 + b] = lane * 4 + b;
      o++;
    }
  }
  return t;
}

/** Sum of the four i32 lanes of `v` (pushes the value). */
function laneSum(f: FnBuilder, v: Local): void {
  f.get(v).i32x4extract(0).get(v).i32x4extract(1).add().get(v).i32x4extract(2).add().get(v).i32x4extract(3).add();
}

/**
 * topk_rows(x, mask, rows, n, k, scratch, status, row0, s, pLo, pHi): for each of `rows` rows of
 * n floats, mark exactly k winners in the byte mask, with the TypeScript kernel's rule: t = the
 * k-th largest value, every value > t wins, and the values equal to t fill the places left in
 * index order. t is found by sampling (as Floyd-Rivest does): every 16th value (s of them) is
 * quickselected at ranks pLo and pHi, bracketing t's rank with a margin; one SIMD pass counts
 * the values above the bracket and gathers those inside it, and a quickselect on that small set
 * gives t. When the bracket misses (unlucky or adversarial data), or s = 0 (short rows), the row
 * is copied and quickselected whole. Either way t is exact, so the mask is the TypeScript
 * kernel's bit for bit. A NaN stops the call and writes [row0 + row, position] to the two i32s
 * at `status` (the host raises the error). Scratch: n + 4 + s floats. `table`: the 16 x 16-byte
 * compaction shuffles (`COMPACT_TABLE`).
 */
export function emitTopkRows(): FnBuilder {
  const f = FnBuilder.i32Params('topk_rows', 12);
  const [x, mask, rows, n, k, scratch, status, row0, s, pLo, pHi, table] = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11];
  const [r, i, nth, above, equal, quota, gt, eq, found, sample, j, c, p, n4, rank, bits] = Array.from({ length: 16 }, () => f.local());
  const [v, t, lo, hi] = [f.f32(), f.f32(), f.f32(), f.f32()];
  const [vec, g, acc, acc2, bound, bound2] = [f.v128(), f.v128(), f.v128(), f.v128(), f.v128(), f.v128()];
  const nanStop = (position: () => void) => {
    f.get(status).get(row0).get(r).add().i32store();
    f.get(status);
    position();
    f.i32store(4);
    f.ret();
  };
  f.get(n).get(k).sub().set(nth);
  f.get(n).i32(-4).and().set(n4);
  // The sample sits after the gathered values (n floats, plus 16 bytes a vector store may spill).
  f.get(scratch).get(n).i32(4).mul().add().i32(16).add().set(sample);
  f.forRange(r, () => f.i32(0), () => f.get(rows), () => {
    f.i32(0).set(found);
    f.ifThen(() => f.i32(0).get(nth).ltS().get(s).i32(0).ne().and(), () => {
      // The sample; a NaN in it sends the row to the whole-row path, which reports it.
      f.i32(1).set(found);
      f.forRange(j, () => f.i32(0), () => f.get(s), () => {
        f.get(x).get(j).i32(64).mul().add().f32load().tee(v);
        f.get(v).f32ne();
        f.ifThen(() => {}, () => f.i32(0).set(found));
        f.get(sample).get(j).i32(4).mul().add().get(v).f32store();
      });
      f.ifThen(() => f.get(found), () => {
        f.i32(0).set(found);
        f.f32const(Infinity).set(hi);
        f.get(s).set(j);
        f.ifThen(() => f.get(pHi).get(s).ltS(), () => {
          emitNthSmallest(f, sample, s, pHi, hi);
          f.get(pHi).set(j); // the quickselect left sample[0, pHi) <= hi: lo's rank is in there
        });
        f.f32const(-Infinity).set(lo);
        f.ifThen(() => f.get(pLo).i32(0).geS(), () => emitNthSmallest(f, sample, j, pLo, lo));
        // One pass: count values above the bracket, gather those inside, stop at a NaN.
        f.v128zero().set(acc);
        f.get(hi).f32x4splat().set(bound);
        f.get(lo).f32x4splat().set(bound2);
        f.i32(0).set(c);
        f.get(x).set(p);
        const gather = (offset: number, position: () => void) => {
          f.get(p).f32load(offset).tee(v);
          f.get(v).f32ne();
          f.ifThen(() => {}, () => nanStop(position));
          f.get(scratch).get(c).i32(4).mul().add().get(v).f32store();
          f.get(c).get(v).get(lo).f32ge().get(v).get(hi).f32gt().eqz().and().add().set(c);
        };
        f.forRange(i, () => f.i32(0), () => f.get(n4), () => {
          f.get(p).v128load().tee(vec).get(bound).f32x4gt().set(g);
          f.get(acc).get(g).i32x4sub().set(acc);
          f.ifThen(() => f.get(vec).get(vec).f32x4ne().anyTrue(), () => {
            for (let lane = 0; lane < 4; lane++) gather(lane * 4, () => f.get(i).i32(lane).add());
          }, () => {
            // Branch-free compaction: the lanes inside the bracket, moved to the front by a
            // 16-entry shuffle table indexed by their bitmask, stored at the end of the list.
            f.get(vec).get(bound2).f32x4ge().get(g).v128andnot().i32x4bitmask().set(bits);
            f.get(scratch).get(c).i32(4).mul().add();
            f.get(vec).get(table).get(bits).i32(4).shl().add().v128load().swizzle();
            f.v128store();
            f.get(c).get(bits).popcnt().add().set(c);
          });
          f.inc(p, 16);
        }, 4);
        laneSum(f, acc);
        f.set(above);
        f.forRange(i, () => f.get(n4), () => f.get(n), () => {
          gather(0, () => f.get(i));
          f.get(above).get(v).get(hi).f32gt().add().set(above);
          f.inc(p, 4);
        });
        // above < k <= above + c: t is the (k - above)-th largest of the gathered values.
        f.ifThen(() => f.get(above).get(k).ltS().get(above).get(c).add().get(k).ltS().eqz().and(), () => {
          f.get(c).get(k).get(above).sub().sub().set(rank);
          emitNthSmallest(f, scratch, c, rank, t);
          f.i32(1).set(found);
        });
      });
    });
    f.ifThen(() => f.get(found).eqz(), () => {
      f.forRange(i, () => f.i32(0), () => f.get(n), () => {
        at(f, x, i); f.tee(v);
        f.get(v).f32ne();
        f.ifThen(() => {}, () => nanStop(() => f.get(i)));
        f.get(scratch).get(i).i32(4).mul().add().get(v).f32store();
      });
      f.ifThen(() => f.i32(0).get(nth).ltS(), () => emitNthSmallest(f, scratch, n, nth, t));
    });
    f.ifThen(() => f.i32(0).get(nth).ltS().eqz(), () => {
      // k >= n: every value wins
      f.forRange(i, () => f.i32(0), () => f.get(n), () => f.get(mask).get(i).add().i32(1).i32store8());
    }, () => {
      // Mark every value >= t, four at a time (lanes narrowed to 0/1 bytes), counting > and ==.
      f.v128zero().set(acc);
      f.v128zero().set(acc2);
      f.get(t).f32x4splat().set(bound);
      f.get(x).set(p);
      f.forRange(i, () => f.i32(0), () => f.get(n4), () => {
        f.get(p).v128load().tee(vec).get(bound).f32x4gt().set(g);
        f.get(vec).get(bound).f32x4eq().set(vec);
        f.get(acc).get(g).i32x4sub().set(acc);
        f.get(acc2).get(vec).i32x4sub().set(acc2);
        f.get(mask).get(i).add();
        f.get(g).get(vec).v128or().tee(g).get(g).i16x8narrow().tee(g).get(g).i8x16narrow().i32x4extract(0);
        f.i32(0x01010101).and().i32store();
        f.inc(p, 16);
      }, 4);
      laneSum(f, acc);
      f.set(above);
      laneSum(f, acc2);
      f.set(equal);
      f.forRange(i, () => f.get(n4), () => f.get(n), () => {
        at(f, x, i); f.tee(v);
        f.get(t).f32gt().set(gt);
        f.get(v).get(t).f32eq().set(eq);
        f.get(mask).get(i).add().get(gt).get(eq).or().i32store8();
        f.inc(above, gt, true).inc(equal, eq, true);
      });
      f.ifThen(() => f.get(above).get(equal).add().get(k).ne(), () => {
        f.get(k).get(above).sub().set(quota);
        f.forRange(i, () => f.i32(0), () => f.get(n), () => {
          f.ifThen(() => { at(f, x, i); f.get(t).f32eq(); }, () => {
            f.get(mask).get(i).add().i32(0).get(quota).ltS().i32store8();
            f.inc(quota, -1);
          });
        });
      });
    });
    f.get(x).get(n).i32(4).mul().add().set(x);
    f.get(mask).get(n).add().set(mask);
  });
  return f;
}
