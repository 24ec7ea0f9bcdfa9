import { convOutSize, type Conv2dAttrs, type KernelAttrs } from '@kwta/core';
import type { Device } from '../device.js';
import { IDIV_GLSL } from '../raw-program.js';
import { alignedStrides, coveringWindows, dot, unravel, windowTaps } from './codegen.js';
import { broadcastShape } from './elementwise.js';
import { launch, type DevTensor } from './types.js';

/**
 * Batched matmul: one thread per output element, a K-long dot product; batch dims broadcast.
 * In the GL modes it is a hand-written shader (matmulShader); elsewhere a gpu.js kernel.
 */
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
  if (device.raw) return [matmulShader(device, a, b, { M, K, N, batch, sa, sb, aRow, aCol, bRow, bCol })];
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

const glslFloat = (x: number) => (Number.isInteger(x) ? `${x}.0` : String(x));

/**
 * The GL modes' matmul, in GLSL (raw-program.ts): the same sum in the same order as the gpu.js
 * kernel, but each operand is walked texel by texel (a constant step in x and y, one carry)
 * instead of turning every flat index into a texel with two integer divisions. The carry is
 * branch-free (step), so neighbouring fragments never diverge.
 */
function matmulShader(
  device: Device, a: DevTensor, b: DevTensor,
  g: { M: number; K: number; N: number; batch: number[]; sa: number[]; sb: number[]; aRow: number; aCol: number; bRow: number; bCol: number },
): DevTensor {
  const f = glslFloat;
  const total = g.batch.reduce((p, d) => p * d, 1) * g.M * g.N;
  const shape = [...g.batch, g.M, g.N];
  if (total === 0) return { buf: device.upload(new Float32Array(0)), shape, dtype: a.dtype };
  // Flat batch index -> the two operands' batch offsets (broadcast axes have stride 0).
  const batchLines: string[] = ['float offA = 0.0;', 'float offB = 0.0;', 'float br = bt;'];
  for (let d = g.batch.length - 1; d >= 0; d--) {
    if (g.batch[d] === 1) continue;
    batchLines.push(`{ float q = idiv(br, ${f(g.batch[d])}); float gd = br - q * ${f(g.batch[d])}; br = q;`,
      `  offA += gd * ${f(g.sa[d])}; offB += gd * ${f(g.sb[d])}; }`);
  }
  const source = `precision highp float;
uniform sampler2D t0;
uniform sampler2D t1;
uniform vec2 tSize0;
uniform vec2 tSize1;
uniform float uOutWidth;
uniform float uOffA;
uniform float uOffB;
uniform vec2 uStepA;
uniform vec2 uStepB;
${IDIV_GLSL}
void main() {
  float i = floor(gl_FragCoord.y) * uOutWidth + floor(gl_FragCoord.x);
  if (i >= ${f(total)}) { gl_FragColor = vec4(0.0); return; }
  float t = idiv(i, ${f(g.N)});
  float n = i - t * ${f(g.N)};
  float bt = idiv(t, ${f(g.M)});
  float m = t - bt * ${f(g.M)};
  ${batchLines.join('\n  ')}
  float ea = uOffA + offA + m * ${f(g.aRow)};
  float eb = uOffB + offB + n * ${f(g.bCol)};
  float wa = tSize0.x;
  float wb = tSize1.x;
  float ya = idiv(ea, wa);
  float xa = ea - ya * wa;
  float yb = idiv(eb, wb);
  float xb = eb - yb * wb;
  vec2 inva = 1.0 / tSize0;
  vec2 invb = 1.0 / tSize1;
  float s = 0.0;
  for (int k = 0; k < ${g.K}; k++) {
    s += texture2D(t0, (vec2(xa, ya) + 0.5) * inva).r * texture2D(t1, (vec2(xb, yb) + 0.5) * invb).r;
    xa += uStepA.x; ya += uStepA.y;
    float ca = step(wa, xa);
    xa -= ca * wa; ya += ca;
    xb += uStepB.x; yb += uStepB.y;
    float cb = step(wb, xb);
    xb -= cb * wb; yb += cb;
  }
  gl_FragColor = vec4(s, 0.0, 0.0, 0.0);
}
`;
  const width = (t: DevTensor) => (t.buf as unknown as { size: [number, number] }).size[0];
  // A step of s elements is s mod width texels across and floor(s / width) down.
  const step = (s: number, w: number) => [s % w, Math.floor(s / w)];
  const [wa, wb] = [width(a), width(b)];
  const buf = device.runRaw('matmul', source, total, [a.buf, b.buf], {
    uOffA: a.offset ?? 0, uOffB: b.offset ?? 0,
  }, { uStepA: step(g.aCol, wa), uStepB: step(g.bRow, wb) });
  return { buf, shape, dtype: a.dtype };
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
