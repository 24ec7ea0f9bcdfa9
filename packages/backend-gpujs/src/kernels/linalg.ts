import { convOutSize, type Conv2dAttrs, type KernelAttrs } from '@kwta/core';
import type { Device } from '../device.js';
import { alignedStrides, coveringWindows, dot, unravel, windowTaps } from './codegen.js';
import { broadcastShape } from './elementwise.js';
import { launch, type DevTensor } from './types.js';

/** Batched matmul: one thread per output element, a K-long dot product; batch dims broadcast. */
export function matmul(device: Device, [a, b]: DevTensor[], { transposeA, transposeB }: KernelAttrs['matmul']): DevTensor[] {
  const ra = a.shape.length, rb = b.shape.length;
  const M = transposeA ? a.shape[ra - 1] : a.shape[ra - 2];
  const K = transposeA ? a.shape[ra - 2] : a.shape[ra - 1];
  const N = transposeB ? b.shape[rb - 2] : b.shape[rb - 1];
  const batchA = a.shape.slice(0, -2), batchB = b.shape.slice(0, -2);
  const batch = broadcastShape([batchA, batchB]);
  const colsA = a.shape[ra - 1], colsB = b.shape[rb - 1];
  // Element (m, k) of op(A) and (k, n) of op(B) as offsets within one matrix.
  const aRow = transposeA ? 1 : colsA, aCol = transposeA ? colsA : 1;
  const bRow = transposeB ? 1 : colsB, bCol = transposeB ? colsB : 1;
  const sa = alignedStrides(batchA, batch).map((s) => s * M * K);
  const sb = alignedStrides(batchB, batch).map((s) => s * K * N);
  const body = [
    `const n = i - Math.floor(i / ${N}) * ${N};`,
    `const t = Math.floor(i / ${N});`,
    `const m = t - Math.floor(t / ${M}) * ${M};`,
    `const bt = Math.floor(t / ${M});`,
    unravel('bt', batch, 'g'),
    `const offA = ${dot('g', sa)} + m * ${aRow};`,
    `const offB = ${dot('g', sb)} + n * ${bCol};`,
    'let s = 0.0;',
    `for (let k = 0; k < ${K}; k++) {`,
    `  s += a0[offA + k * ${aCol}] * a1[offB + k * ${bRow}];`,
    '}',
    'return s;',
  ].join('\n');
  return [launch(device, 'matmul', [...batch, M, N], a.dtype, [a, b], body)];
}

function geometry(xShape: readonly number[], wShape: readonly number[], a: Conv2dAttrs) {
  const [N, C, H, W] = xShape;
  const [F, , KH, KW] = wShape;
  const OH = convOutSize(H, KH, a.stride[0], a.pad[0], a.dilation[0]);
  const OW = convOutSize(W, KW, a.stride[1], a.pad[1], a.dilation[1]);
  return { N, C, H, W, F, KH, KW, OH, OW, sh: a.stride[0], sw: a.stride[1], ph: a.pad[0], pw: a.pad[1], dh: a.dilation[0], dw: a.dilation[1] };
}

/** Direct convolution: one thread per output pixel, looping over (c, i, j) taps. */
export function conv2d(device: Device, [x, w]: DevTensor[], attrs: KernelAttrs['conv2d']): DevTensor[] {
  const g = geometry(x.shape, w.shape, attrs);
  const body = [
    unravel('i', [g.N, g.F, g.OH, g.OW], 'o'),
    'let s = 0.0;',
    `for (let c = 0; c < ${g.C}; c++) {`,
    ...windowTaps(g, 'o2', 'o3', [
      `s += a0[((o0 * ${g.C} + c) * ${g.H} + ih) * ${g.W} + iw] * a1[((o1 * ${g.C} + c) * ${g.KH} + ki) * ${g.KW} + kj];`,
    ]),
    '}',
    'return s;',
  ].join('\n');
  return [launch(device, 'conv2d', [g.N, g.F, g.OH, g.OW], x.dtype, [x, w], body)];
}

/** dx as a gather: input pixel (h, w) receives dy[oh, ow] * w[f, c, i, j] from every window covering it. */
export function conv2dBackwardInput(device: Device, [dy, w]: DevTensor[], attrs: KernelAttrs['conv2dBackwardInput']): DevTensor[] {
  const g = geometry(attrs.inputShape, w.shape, attrs);
  const body = [
    unravel('i', [g.N, g.C, g.H, g.W], 'o'),
    'let s = 0.0;',
    ...coveringWindows(g, 'o2', 'o3', [
      `for (let f = 0; f < ${g.F}; f++) {`,
      `  s += a0[((o0 * ${g.F} + f) * ${g.OH} + oh) * ${g.OW} + ow] * a1[((f * ${g.C} + o1) * ${g.KH} + ki) * ${g.KW} + kj];`,
      '}',
    ]),
    'return s;',
  ].join('\n');
  return [launch(device, 'conv2dBackwardInput', attrs.inputShape, dy.dtype, [dy, w], body)];
}

/**
 * dw in two kernels: per-sample partial sums over output pixels (F*C*KH*KW*N threads, so the
 * work spreads over the batch too), then a sum over the batch.
 */
export function conv2dBackwardFilter(device: Device, [x, dy]: DevTensor[], attrs: KernelAttrs['conv2dBackwardFilter']): DevTensor[] {
  const g = geometry(x.shape, attrs.filterShape, attrs);
  const partial = [
    unravel('i', [g.F, g.C, g.KH, g.KW, g.N], 'o'),
    'let s = 0.0;',
    `for (let oh = 0; oh < ${g.OH}; oh++) {`,
    `  const ih = oh * ${g.sh} - ${g.ph} + o2 * ${g.dh};`,
    `  if (ih >= 0 && ih < ${g.H}) {`,
    `    for (let ow = 0; ow < ${g.OW}; ow++) {`,
    `      const iw = ow * ${g.sw} - ${g.pw} + o3 * ${g.dw};`,
    `      if (iw >= 0 && iw < ${g.W}) {`,
    `        s += a0[((o4 * ${g.F} + o0) * ${g.OH} + oh) * ${g.OW} + ow] * a1[((o4 * ${g.C} + o1) * ${g.H} + ih) * ${g.W} + iw];`,
    '      }',
    '    }',
    '  }',
    '}',
    'return s;',
  ].join('\n');
  const parts = launch(device, 'conv2dBackwardFilter partial', [g.F, g.C, g.KH, g.KW, g.N], dy.dtype, [dy, x], partial);
  const sum = `let s = 0.0;\nfor (let n = 0; n < ${g.N}; n++) {\n  s += a0[i * ${g.N} + n];\n}\nreturn s;`;
  const out = launch(device, 'conv2dBackwardFilter sum', attrs.filterShape, dy.dtype, [parts], sum);
  device.release(parts.buf);
  return [out];
}
