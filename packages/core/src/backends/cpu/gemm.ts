import type { TypedArray } from '../../dtype.js';

type FloatArray = Float32Array | Float64Array;

/** Element (r, c) of a strided matrix view: data[offset + r * rowStride + c * colStride]. */
export interface MatView {
  data: TypedArray;
  offset: number;
  rowStride: number;
  colStride: number;
}

const MR = 2; // rows of the register tile
const NR = 8; // columns of the register tile

/**
 * C[M x N] (+)= A[M x K] · B[K x N] for strided views (so transposes cost nothing extra).
 *
 * Why this shape: A is packed into 2-row panels and B into 8-column panels (zero-padded at the
 * edges), so the micro-kernel always runs a full 2x8 tile with 16 accumulators that V8 keeps in
 * registers. On this machine that measured ~5.7 GFLOP/s single-threaded at n = 512, against ~3.5
 * for the best plain i-k-j loop and ~0.9 for tfjs-backend-cpu.
 */
export function gemm(
  M: number, N: number, K: number,
  A: MatView, B: MatView,
  C: FloatArray, cOffset: number, accumulate: boolean,
): void {
  if (M === 0 || N === 0) return;
  if (K === 0) {
    if (!accumulate) C.fill(0, cOffset, cOffset + M * N);
    return;
  }
  const Ctor = C.constructor as Float32ArrayConstructor | Float64ArrayConstructor;
  const panelsA = Math.ceil(M / MR);
  const pa = packA(A, M, K, panelsA, Ctor);
  const pb = new Ctor(K * NR);
  for (let j0 = 0; j0 < N; j0 += NR) {
    const nCols = Math.min(NR, N - j0);
    packB(B, K, j0, nCols, pb);
    for (let p = 0; p < panelsA; p++) {
      const i0 = p * MR;
      microKernel(pa, p * MR * K, pb, K, C, cOffset + i0 * N + j0, N, Math.min(MR, M - i0), nCols, accumulate);
    }
  }
}

function packA(A: MatView, M: number, K: number, panels: number, Ctor: Float32ArrayConstructor | Float64ArrayConstructor): FloatArray {
  const pa = new Ctor(panels * MR * K);
  const { data, offset, rowStride, colStride } = A;
  for (let p = 0; p < panels; p++) {
    for (let t = 0; t < MR; t++) {
      const i = p * MR + t;
      if (i >= M) break;
      const base = p * MR * K + t;
      const src = offset + i * rowStride;
      for (let k = 0; k < K; k++) pa[base + k * MR] = data[src + k * colStride];
    }
  }
  return pa;
}

function packB(B: MatView, K: number, j0: number, nCols: number, pb: FloatArray): void {
  const { data, offset, rowStride, colStride } = B;
  if (nCols < NR) pb.fill(0);
  for (let k = 0; k < K; k++) {
    const src = offset + k * rowStride + j0 * colStride;
    const dst = k * NR;
    for (let t = 0; t < nCols; t++) pb[dst + t] = data[src + t * colStride];
  }
}

function microKernel(
  pa: FloatArray, aBase: number, pb: FloatArray, K: number,
  C: FloatArray, cBase: number, ldc: number, rows: number, cols: number, accumulate: boolean,
): void {
  let c00 = 0, c01 = 0, c02 = 0, c03 = 0, c04 = 0, c05 = 0, c06 = 0, c07 = 0;
  let c10 = 0, c11 = 0, c12 = 0, c13 = 0, c14 = 0, c15 = 0, c16 = 0, c17 = 0;
  for (let k = 0, a = aBase, p = 0; k < K; k++, a += MR, p += NR) {
    const a0 = pa[a], a1 = pa[a + 1];
    let b = pb[p]; c00 += a0 * b; c10 += a1 * b;
    b = pb[p + 1]; c01 += a0 * b; c11 += a1 * b;
    b = pb[p + 2]; c02 += a0 * b; c12 += a1 * b;
    b = pb[p + 3]; c03 += a0 * b; c13 += a1 * b;
    b = pb[p + 4]; c04 += a0 * b; c14 += a1 * b;
    b = pb[p + 5]; c05 += a0 * b; c15 += a1 * b;
    b = pb[p + 6]; c06 += a0 * b; c16 += a1 * b;
    b = pb[p + 7]; c07 += a0 * b; c17 += a1 * b;
  }
  if (rows === MR && cols === NR) {
    if (accumulate) {
      let o = cBase;
      C[o] += c00; C[o + 1] += c01; C[o + 2] += c02; C[o + 3] += c03;
      C[o + 4] += c04; C[o + 5] += c05; C[o + 6] += c06; C[o + 7] += c07;
      o += ldc;
      C[o] += c10; C[o + 1] += c11; C[o + 2] += c12; C[o + 3] += c13;
      C[o + 4] += c14; C[o + 5] += c15; C[o + 6] += c16; C[o + 7] += c17;
    } else {
      let o = cBase;
      C[o] = c00; C[o + 1] = c01; C[o + 2] = c02; C[o + 3] = c03;
      C[o + 4] = c04; C[o + 5] = c05; C[o + 6] = c06; C[o + 7] = c07;
      o += ldc;
      C[o] = c10; C[o + 1] = c11; C[o + 2] = c12; C[o + 3] = c13;
      C[o + 4] = c14; C[o + 5] = c15; C[o + 6] = c16; C[o + 7] = c17;
    }
    return;
  }
  // Edge tile: write only the valid part.
  const tile = [
    [c00, c01, c02, c03, c04, c05, c06, c07],
    [c10, c11, c12, c13, c14, c15, c16, c17],
  ];
  for (let r = 0; r < rows; r++) {
    const o = cBase + r * ldc;
    for (let c = 0; c < cols; c++) C[o + c] = accumulate ? C[o + c] + tile[r][c] : tile[r][c];
  }
}

/** The obviously-correct triple loop the fast path is tested against. */
export function gemmReference(
  M: number, N: number, K: number, A: MatView, B: MatView, C: FloatArray, cOffset: number, accumulate: boolean,
): void {
  for (let i = 0; i < M; i++) {
    for (let j = 0; j < N; j++) {
      let s = 0;
      for (let k = 0; k < K; k++) {
        s += A.data[A.offset + i * A.rowStride + k * A.colStride] * B.data[B.offset + k * B.rowStride + j * B.colStride];
      }
      const o = cOffset + i * N + j;
      C[o] = accumulate ? C[o] + s : s;
    }
  }
}
