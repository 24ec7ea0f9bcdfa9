/**
 * Obviously-correct reference implementations on plain arrays, written straight from the
 * definitions. The conformance suite checks every backend (the CPU one included) against them.
 */
import { unravel } from '../shape.js';

/** Multi-index of flat position `i` (the engine's own). */
export { unravel };

/** A tensor's values on the host, row-major, with its shape. */
export interface HostArray {
  values: number[];
  shape: number[];
}

/** The number of elements of `shape`. */
export function size(shape: readonly number[]): number {
  return shape.reduce((a, b) => a * b, 1);
}

/** The row-major strides of `shape`. */
export function strides(shape: readonly number[]): number[] {
  const s = new Array<number>(shape.length);
  let acc = 1;
  for (let i = shape.length - 1; i >= 0; i--) {
    s[i] = acc;
    acc *= shape[i];
  }
  return s;
}

/** The flat row-major offset of index `idx` in `shape`. */
export function ravel(idx: readonly number[], shape: readonly number[]): number {
  let o = 0;
  for (let d = 0; d < shape.length; d++) o = o * shape[d] + idx[d];
  return o;
}

/** The NumPy broadcast of two shapes (throws if they do not broadcast). */
export function broadcastShape(a: readonly number[], b: readonly number[]): number[] {
  const r = Math.max(a.length, b.length);
  return Array.from({ length: r }, (_, i) => {
    const da = a[a.length - r + i] ?? 1, db = b[b.length - r + i] ?? 1;
    return da === 1 ? db : da;
  });
}

/** Value of `x` at an index of the broadcast output shape. */
export function atBroadcast(x: HostArray, idx: readonly number[]): number {
  const shift = idx.length - x.shape.length;
  const own = x.shape.map((d, i) => (d === 1 ? 0 : idx[i + shift]));
  return x.values[ravel(own, x.shape)];
}

/** f applied elementwise to a and b with NumPy broadcasting. */
export function naiveBinary(a: HostArray, b: HostArray, f: (x: number, y: number) => number): HostArray {
  const shape = broadcastShape(a.shape, b.shape);
  const values = Array.from({ length: size(shape) }, (_, i) => {
    const idx = unravel(i, shape);
    return f(atBroadcast(a, idx), atBroadcast(b, idx));
  });
  return { values, shape };
}

/** Reduce x over `axes` with f from `init` (the axes are kept as size 1). */
export function naiveReduce(x: HostArray, axes: number[], f: (acc: number, v: number) => number, init: number): HostArray {
  const shape = x.shape.filter((_, i) => !axes.includes(i));
  const out = new Array<number>(size(shape)).fill(init);
  for (let i = 0; i < x.values.length; i++) {
    const idx = unravel(i, x.shape).filter((_, d) => !axes.includes(d));
    const o = ravel(idx, shape);
    out[o] = f(out[o], x.values[i]);
  }
  return { values: out, shape };
}

/** The batched matrix product, by its definition (tA, tB transpose the operands' last two axes). */
export function naiveMatmul(a: HostArray, b: HostArray, tA: boolean, tB: boolean): HostArray {
  const ra = a.shape.length, rb = b.shape.length;
  const M = tA ? a.shape[ra - 1] : a.shape[ra - 2], K = tA ? a.shape[ra - 2] : a.shape[ra - 1];
  const N = tB ? b.shape[rb - 2] : b.shape[rb - 1];
  const batch = broadcastShape(a.shape.slice(0, -2), b.shape.slice(0, -2));
  const shape = [...batch, M, N];
  const values = Array.from({ length: size(shape) }, (_, o) => {
    const idx = unravel(o, shape);
    const bi = idx.slice(0, -2), i = idx[idx.length - 2], j = idx[idx.length - 1];
    let s = 0;
    for (let k = 0; k < K; k++) {
      const av = atBroadcast(a, [...bi, tA ? k : i, tA ? i : k]);
      const bv = atBroadcast(b, [...bi, tB ? j : k, tB ? k : j]);
      s += av * bv;
    }
    return s;
  });
  return { values, shape };
}

/** A convolution's stride, padding and dilation per spatial axis. */
export interface ConvParams {
  stride: [number, number];
  pad: [number, number];
  dilation: [number, number];
}

/**
 * The output size of a convolution or pooling along one axis: input n, kernel k, stride s, padding p,
 * dilation d.
 */
export function outSize(n: number, k: number, s: number, p: number, d: number): number {
  return Math.floor((n + 2 * p - d * (k - 1) - 1) / s) + 1;
}

/** Visit every (output position, filter tap) pair that reads a real (non-padding) input pixel. */
function forEachTap(
  xShape: readonly number[], wShape: readonly number[], p: ConvParams,
  visit: (xi: number, wi: number, yi: number) => void,
): number[] {
  const [N, C, H, W] = xShape, [F, , KH, KW] = wShape;
  const OH = outSize(H, KH, p.stride[0], p.pad[0], p.dilation[0]);
  const OW = outSize(W, KW, p.stride[1], p.pad[1], p.dilation[1]);
  for (let n = 0; n < N; n++) for (let f = 0; f < F; f++) for (let oh = 0; oh < OH; oh++) for (let ow = 0; ow < OW; ow++) {
    for (let c = 0; c < C; c++) for (let i = 0; i < KH; i++) for (let j = 0; j < KW; j++) {
      const ih = oh * p.stride[0] - p.pad[0] + i * p.dilation[0];
      const iw = ow * p.stride[1] - p.pad[1] + j * p.dilation[1];
      if (ih < 0 || ih >= H || iw < 0 || iw >= W) continue;
      visit(((n * C + c) * H + ih) * W + iw, ((f * C + c) * KH + i) * KW + j, ((n * F + f) * OH + oh) * OW + ow);
    }
  }
  return [N, F, OH, OW];
}

/** 2-D cross-correlation of x [N, C, H, W] with w [F, C, KH, KW], by its definition. */
export function naiveConv2d(x: HostArray, w: HostArray, p: ConvParams): HostArray {
  const probe = forEachTap(x.shape, w.shape, p, () => {});
  const y = new Array<number>(size(probe)).fill(0);
  forEachTap(x.shape, w.shape, p, (xi, wi, yi) => (y[yi] += x.values[xi] * w.values[wi]));
  return { values: y, shape: probe };
}

/** The gradient of conv2d with respect to its input, by its definition. */
export function naiveConv2dBackwardInput(dy: HostArray, w: HostArray, xShape: number[], p: ConvParams): HostArray {
  const dx = new Array<number>(size(xShape)).fill(0);
  forEachTap(xShape, w.shape, p, (xi, wi, yi) => (dx[xi] += dy.values[yi] * w.values[wi]));
  return { values: dx, shape: xShape };
}

/** The gradient of conv2d with respect to its filter, by its definition. */
export function naiveConv2dBackwardFilter(x: HostArray, dy: HostArray, wShape: number[], p: ConvParams): HostArray {
  const dw = new Array<number>(size(wShape)).fill(0);
  forEachTap(x.shape, wShape, p, (xi, wi, yi) => (dw[wi] += dy.values[yi] * x.values[xi]));
  return { values: dw, shape: wShape };
}

/** Visit every pooling window: its flat output index and the input indices it covers (padding skipped), in scan order. */
function forEachWindow(shape: readonly number[], k: [number, number], s: [number, number], pd: [number, number], visit: (yi: number, xis: number[]) => void): number[] {
  const [N, C, H, W] = shape;
  const OH = outSize(H, k[0], s[0], pd[0], 1), OW = outSize(W, k[1], s[1], pd[1], 1);
  let yi = 0;
  for (let n = 0; n < N; n++) for (let c = 0; c < C; c++) for (let oh = 0; oh < OH; oh++) for (let ow = 0; ow < OW; ow++) {
    const xis: number[] = [];
    for (let i = 0; i < k[0]; i++) for (let j = 0; j < k[1]; j++) {
      const ih = oh * s[0] - pd[0] + i, iw = ow * s[1] - pd[1] + j;
      if (ih >= 0 && ih < H && iw >= 0 && iw < W) xis.push(((n * C + c) * H + ih) * W + iw);
    }
    visit(yi++, xis);
  }
  return [N, C, OH, OW];
}

/** Max pooling (padding never wins) or average pooling (padding counts as zeros in the divisor). */
export function naivePool(x: HostArray, k: [number, number], s: [number, number], pd: [number, number], kind: 'max' | 'avg'): HostArray {
  const values: number[] = [];
  const shape = forEachWindow(x.shape, k, s, pd, (_yi, xis) => {
    const v = xis.map((i) => x.values[i]);
    values.push(kind === 'max' ? Math.max(...v) : v.reduce((a, b) => a + b, 0) / (k[0] * k[1]));
  });
  return { values, shape };
}

/** The pooling gradient: dy to the first maximum of each window, or shared over it (avg). */
export function naivePoolBackward(x: HostArray, dy: HostArray, k: [number, number], s: [number, number], pd: [number, number], kind: 'max' | 'avg'): HostArray {
  const dx = new Array<number>(x.values.length).fill(0);
  forEachWindow(x.shape, k, s, pd, (yi, xis) => {
    if (kind === 'avg') for (const i of xis) dx[i] += dy.values[yi] / (k[0] * k[1]);
    else {
      const best = Math.max(...xis.map((i) => x.values[i]));
      dx[xis.find((i) => x.values[i] === best)!] += dy.values[yi];
    }
  });
  return { values: dx, shape: x.shape };
}

/** Winners of each row under the order (value desc, index asc): the definition of k-WTA. */
export function naiveTopkIndices(x: HostArray, k: number): number[][] {
  const n = x.shape[x.shape.length - 1];
  const rows = x.values.length / n;
  return Array.from({ length: rows }, (_, r) => {
    const idx = Array.from({ length: n }, (_, i) => i);
    const row = x.values.slice(r * n, (r + 1) * n);
    idx.sort((a, b) => row[b] - row[a] || a - b);
    return idx.slice(0, k);
  });
}
