import type { Conv2dAttrs, KernelAttrs } from '../../backend.js';
import { makeArray } from '../../dtype.js';
import { convOutSize, type Shape } from '../../shape.js';
import { gemm } from './gemm.js';
import type { CpuArray, FloatArray } from './types.js';

interface Geometry {
  N: number; C: number; H: number; W: number;
  F: number; KH: number; KW: number; OH: number; OW: number;
  attrs: Conv2dAttrs;
}

function geometry(xShape: Shape, wShape: Shape, attrs: Conv2dAttrs): Geometry {
  const [N, C, H, W] = xShape;
  const [F, , KH, KW] = wShape;
  const OH = convOutSize(H, KH, attrs.stride[0], attrs.pad[0], attrs.dilation[0]);
  const OW = convOutSize(W, KW, attrs.stride[1], attrs.pad[1], attrs.dilation[1]);
  return { N, C, H, W, F, KH, KW, OH, OW, attrs };
}

/**
 * Unfold one image into columns: cols[(c*KH + i)*KW + j][oh*OW + ow] is the input pixel the
 * filter tap (c, i, j) sees at output (oh, ow), or 0 in the padding.
 */
function im2col(x: FloatArray, xOff: number, g: Geometry, cols: FloatArray): void {
  const { C, H, W, KH, KW, OH, OW } = g;
  const [sh, sw] = g.attrs.stride, [ph, pw] = g.attrs.pad, [dh, dw] = g.attrs.dilation;
  const P = OH * OW;
  let row = 0;
  for (let c = 0; c < C; c++) {
    const plane = xOff + c * H * W;
    for (let i = 0; i < KH; i++) {
      for (let j = 0; j < KW; j++, row++) {
        const base = row * P;
        for (let oh = 0; oh < OH; oh++) {
          const ih = oh * sh - ph + i * dh;
          const o = base + oh * OW;
          if (ih < 0 || ih >= H) {
            cols.fill(0, o, o + OW);
            continue;
          }
          const src = plane + ih * W;
          for (let ow = 0; ow < OW; ow++) {
            const iw = ow * sw - pw + j * dw;
            cols[o + ow] = iw >= 0 && iw < W ? x[src + iw] : 0;
          }
        }
      }
    }
  }
}

/** Fold columns back onto an image, adding overlapping taps (the adjoint of im2col). */
function col2im(cols: FloatArray, g: Geometry, dx: FloatArray, dxOff: number): void {
  const { C, H, W, KH, KW, OH, OW } = g;
  const [sh, sw] = g.attrs.stride, [ph, pw] = g.attrs.pad, [dh, dw] = g.attrs.dilation;
  const P = OH * OW;
  let row = 0;
  for (let c = 0; c < C; c++) {
    const plane = dxOff + c * H * W;
    for (let i = 0; i < KH; i++) {
      for (let j = 0; j < KW; j++, row++) {
        const base = row * P;
        for (let oh = 0; oh < OH; oh++) {
          const ih = oh * sh - ph + i * dh;
          if (ih < 0 || ih >= H) continue;
          const dst = plane + ih * W;
          const o = base + oh * OW;
          for (let ow = 0; ow < OW; ow++) {
            const iw = ow * sw - pw + j * dw;
            if (iw >= 0 && iw < W) dx[dst + iw] += cols[o + ow];
          }
        }
      }
    }
  }
}

export function conv2d([x, w]: CpuArray[], attrs: KernelAttrs['conv2d']): CpuArray[] {
  const g = geometry(x.shape, w.shape, attrs);
  const { N, C, H, W, F, KH, KW, OH, OW } = g;
  const P = OH * OW, CKK = C * KH * KW;
  const out = makeArray(x.dtype, N * F * P) as FloatArray;
  const cols = makeArray(x.dtype, CKK * P) as FloatArray;
  const wView = { data: w.values, offset: 0, rowStride: CKK, colStride: 1 };
  for (let n = 0; n < N; n++) {
    im2col(x.values as FloatArray, n * C * H * W, g, cols);
    gemm(F, P, CKK, wView, { data: cols, offset: 0, rowStride: P, colStride: 1 }, out, n * F * P, false);
  }
  return [{ values: out, shape: [N, F, OH, OW], dtype: x.dtype }];
}

export function conv2dBackwardInput([dy, w]: CpuArray[], attrs: KernelAttrs['conv2dBackwardInput']): CpuArray[] {
  const g = geometry(attrs.inputShape, w.shape, attrs);
  const { N, C, H, W, F, KH, KW, OH, OW } = g;
  const P = OH * OW, CKK = C * KH * KW;
  const dx = makeArray(dy.dtype, N * C * H * W) as FloatArray;
  const cols = makeArray(dy.dtype, CKK * P) as FloatArray;
  // dcols = W^T · dy[n]: W is [F, CKK], read transposed through strides.
  const wT = { data: w.values, offset: 0, rowStride: 1, colStride: CKK };
  for (let n = 0; n < N; n++) {
    gemm(CKK, P, F, wT, { data: dy.values, offset: n * F * P, rowStride: P, colStride: 1 }, cols, 0, false);
    col2im(cols, g, dx, n * C * H * W);
  }
  return [{ values: dx, shape: [...attrs.inputShape], dtype: dy.dtype }];
}

export function conv2dBackwardFilter([x, dy]: CpuArray[], attrs: KernelAttrs['conv2dBackwardFilter']): CpuArray[] {
  const g = geometry(x.shape, attrs.filterShape, attrs);
  const { N, C, H, W, F, KH, KW, OH, OW } = g;
  const P = OH * OW, CKK = C * KH * KW;
  const dw = makeArray(dy.dtype, F * CKK) as FloatArray;
  const cols = makeArray(dy.dtype, CKK * P) as FloatArray;
  // dW += dy[n] · cols^T: cols is [CKK, P], read transposed through strides.
  const colsT = { data: cols, offset: 0, rowStride: 1, colStride: P };
  for (let n = 0; n < N; n++) {
    im2col(x.values as FloatArray, n * C * H * W, g, cols);
    gemm(F, CKK, P, { data: dy.values, offset: n * F * P, rowStride: P, colStride: 1 }, colsT, dw, 0, n > 0);
  }
  return [{ values: dw, shape: [...attrs.filterShape], dtype: dy.dtype }];
}
