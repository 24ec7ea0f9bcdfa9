import { FnBuilder, type Local } from './builder.js';

/**
 * GEMM blocking parameters. MR x NR is the register tile: MR rows of A (broadcast one float at a
 * time) times NR columns of B (NR/4 f32x4 vectors), so MR * NR/4 accumulators plus NR/4 B
 * vectors and one broadcast must fit x64's 16 xmm registers: 4 x 8 uses 8 + 2 + 1 (+1 product).
 * KC bounds the depth of one pass so a KC x NR B sliver stays in L1; MC (in MR panels) bounds
 * the A block kept in L2 while every B panel streams past it.
 */
export interface GemmShape {
  MR: number;
  NR: number;
  KC: number;
  MC: number;
}

export const DEFAULT_GEMM: GemmShape = { MR: 4, NR: 8, KC: 256, MC: 64 };

/**
 * C tile (MR x NR at byte address c, row pitch ldc bytes) (+)= packed A sliver (kc x MR,
 * interleaved by k) times packed B sliver (kc x NR). kc >= 1. acc != 0 adds to C, else overwrites.
 */
export function emitMicroKernel(g: GemmShape): FnBuilder {
  const { MR, NR } = g;
  const NV = NR / 4;
  const f = FnBuilder.i32Params('gemm_micro', 6);
  const [pa, pb, c, ldc, kc, acc] = [0, 1, 2, 3, 4, 5];
  const v: Local[][] = Array.from({ length: MR }, () => Array.from({ length: NV }, () => f.v128()));
  const b: Local[] = Array.from({ length: NV }, () => f.v128());
  const a = f.v128();
  const row = f.local();

  f.ifThen(() => f.get(acc), () => {
    f.get(c).set(row);
    for (let r = 0; r < MR; r++) {
      for (let j = 0; j < NV; j++) f.get(row).v128load(j * 16).set(v[r][j]);
      if (r < MR - 1) f.inc(row, ldc, true);
    }
  }, () => {
    for (let r = 0; r < MR; r++) for (let j = 0; j < NV; j++) f.v128zero().set(v[r][j]);
  });

  f.doWhile(() => {
    for (let j = 0; j < NV; j++) f.get(pb).v128load(j * 16).set(b[j]);
    for (let r = 0; r < MR; r++) {
      f.get(pa).load32Splat(r * 4).set(a);
      for (let j = 0; j < NV; j++) f.get(v[r][j]).get(a).get(b[j]).f32x4mul().f32x4add().set(v[r][j]);
    }
    f.inc(pa, MR * 4).inc(pb, NR * 4).inc(kc, -1);
  }, () => f.get(kc));

  f.get(c).set(row);
  for (let r = 0; r < MR; r++) {
    for (let j = 0; j < NV; j++) f.get(row).get(v[r][j]).v128store(j * 16);
    if (r < MR - 1) f.inc(row, ldc, true);
  }
  return f;
}

/**
 * gemm_tiles(pa, pb, c, ldc, mPanels, nPanels, Kp, acc0): C[mPanels*MR x nPanels*NR] (+)= A·B
 * over whole packed panels (panel strides Kp*MR and Kp*NR floats), blocked by KC and MC.
 */
export function emitTiles(g: GemmShape, microIndex: number): FnBuilder {
  const { MR, NR, KC, MC } = g;
  const f = FnBuilder.i32Params('gemm_tiles', 8);
  const [pa, pb, c, ldc, mPanels, nPanels, Kp, acc0] = [0, 1, 2, 3, 4, 5, 6, 7];
  const [k0, kc, acc, i0, iEnd, jp, ip] = [f.local(), f.local(), f.local(), f.local(), f.local(), f.local(), f.local()];
  const min = (x: () => void, y: () => void) => { x(); y(); x(); y(); f.ltS().select(); };

  f.forRange(k0, () => f.i32(0), () => f.get(Kp), () => {
    min(() => f.i32(KC), () => f.get(Kp).get(k0).sub());
    f.set(kc);
    f.get(acc0).get(k0).or().set(acc);
    f.forRange(i0, () => f.i32(0), () => f.get(mPanels), () => {
      min(() => f.get(i0).i32(MC).add(), () => f.get(mPanels));
      f.set(iEnd);
      f.forRange(jp, () => f.i32(0), () => f.get(nPanels), () => {
        f.forRange(ip, () => f.get(i0), () => f.get(iEnd), () => {
          // pa + (ip*Kp + k0)*MR*4
          f.get(pa).get(ip).get(Kp).mul().get(k0).add().i32(MR * 4).mul().add();
          // pb + (jp*Kp + k0)*NR*4
          f.get(pb).get(jp).get(Kp).mul().get(k0).add().i32(NR * 4).mul().add();
          // c + ip*MR*ldc + jp*NR*4
          f.get(c).get(ip).i32(MR).mul().get(ldc).mul().add().get(jp).i32(NR * 4).mul().add();
          f.get(ldc).get(kc).get(acc).call(microIndex);
        });
      });
    }, MC);
  }, KC);
  return f;
}

/**
 * Pack a strided K x N matrix (src byte address, row/col strides in floats) into panels of
 * `w` columns: dst[(p*Kp + k)*w + t] = src[k, p*w + t], zero past K and N. Writes panels
 * [p0, p1). Two loop orders so the inner loop reads memory contiguously whichever stride is 1:
 * `byRow` walks k outer (for cs == 1, with an f32x4 copy on full panels), else t outer.
 * pack(src, rs, cs, K, N, Kp, dst, p0, p1).
 */
export function emitPack(name: string, w: number, byRow: boolean): FnBuilder {
  const f = FnBuilder.i32Params(name, 9);
  const [src, rs, cs, K, N, Kp, dst, p0, p1] = [0, 1, 2, 3, 4, 5, 6, 7, 8];
  const [p, k, t, d, s, cols, j0] = [f.local(), f.local(), f.local(), f.local(), f.local(), f.local(), f.local()];
  const zeroRow = () => { for (let q = 0; q < w / 4; q++) f.get(d).v128zero().v128store(q * 16); };

  f.forRange(p, () => f.get(p0), () => f.get(p1), () => {
    f.get(p).i32(w).mul().set(j0);
    f.get(dst).get(p).get(Kp).mul().i32(w * 4).mul().add().set(d);
    // cols = min(w, N - j0)
    f.get(N).get(j0).sub().set(cols);
    f.i32(w).get(cols).get(cols).i32(w).geS().select().set(cols);
    if (byRow) {
      f.forRange(k, () => f.i32(0), () => f.get(K), () => {
        f.get(src).get(k).get(rs).mul().get(j0).get(cs).mul().add().i32(4).mul().add().set(s);
        f.ifThen(() => f.get(cols).i32(w).eq().get(cs).i32(1).eq().and(), () => {
          for (let q = 0; q < w / 4; q++) f.get(d).get(s).v128load(q * 16).v128store(q * 16);
        }, () => {
          zeroRow();
          f.forRange(t, () => f.i32(0), () => f.get(cols), () => {
            f.get(d).get(t).i32(4).mul().add();
            f.get(s).get(t).get(cs).mul().i32(4).mul().add().f32load();
            f.f32store();
          });
        });
        f.inc(d, w * 4);
      });
    } else {
      // Zero the whole panel first (padding columns and k rows), then fill the valid columns.
      f.forRange(k, () => f.i32(0), () => f.get(Kp), () => { zeroRow(); f.inc(d, w * 4); });
      f.get(dst).get(p).get(Kp).mul().i32(w * 4).mul().add().set(d);
      f.forRange(t, () => f.i32(0), () => f.get(cols), () => {
        const dd = f.local(), ss = f.local();
        f.get(d).get(t).i32(4).mul().add().set(dd);
        f.get(src).get(j0).get(t).add().get(cs).mul().i32(4).mul().add().set(ss);
        f.forRange(k, () => f.i32(0), () => f.get(K), () => {
          f.get(dd).get(ss).f32load().f32store();
          f.inc(dd, w * 4);
          f.get(ss).get(rs).i32(4).mul().add().set(ss);
        });
      });
    }
    // Rows K..Kp of a by-row panel are padding.
    if (byRow) f.forRange(k, () => f.get(K), () => f.get(Kp), () => { zeroRow(); f.inc(d, w * 4); });
  });
  return f;
}
