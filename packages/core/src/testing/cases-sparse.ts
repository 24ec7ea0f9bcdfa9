// Conformance cases for the sparse kernels (a k-WTA's winners feeding a linear or conv layer) and
// the fused SGD update. The sparse path is forced on ('always'), so every backend runs its sparse
// kernels, through the ops that pick them, against the dense definitions.
import { valueAndGrad } from '../autodiff/tape.js';
import { engine, withSparsePath } from '../engine.js';
import { Generator } from '../random.js';
import type { Tensor } from '../tensor.js';
import * as ops from '../ops/index.js';
import { type ConvParams, type HostArray, naiveConv2d, naiveConv2dBackwardFilter, naiveConv2dBackwardInput, naiveMatmul, naiveTopkIndices, size } from './naive.js';
import { f32, randomInput, type ConformanceCase, type HostInput } from './case.js';

/** x [N, ...] kept at its k winners per sample (the definition of k-WTA), and the mask. */
export function naiveKwta(x: HostArray, k: number): { kept: HostArray; mask: number[] } {
  const n = x.shape.slice(1).reduce((a, b) => a * b, 1);
  const mask = new Array<number>(x.values.length).fill(0);
  naiveTopkIndices({ values: x.values, shape: [x.shape[0], n] }, k).forEach((row, r) => row.forEach((i) => (mask[r * n + i] = 1)));
  return { kept: { values: x.values.map((v, i) => v * mask[i]), shape: x.shape }, mask };
}

const times = (a: HostArray, m: number[]): HostArray => ({ values: a.values.map((v, i) => v * m[i]), shape: a.shape });
const tied = (g: Generator, shape: number[]): HostInput => f32(Array.from({ length: size(shape) }, () => g.int(4) - 1), shape);
const always = <T>(fn: () => T): T => withSparsePath('always', fn);

function winnersCases(): ConformanceCase[] {
  return ([[[3, 20], 4, false], [[2, 16], 5, true], [[2, 37], 37, false], [[1, 600], 60, false]] as const).map(([shape, k, ties]) => ({
    name: `winners ${JSON.stringify(shape)} k=${k}${ties ? ' with ties' : ''}`,
    inputs: (g) => [ties ? tied(g, [...shape]) : randomInput(g, [...shape])],
    run: ([x]) => always(() => {
      const mask = ops.topkMask(x, k);
      return engine.runKernel('winners', [ops.where(mask, x, 0), mask], { k });
    }),
    expected: ([x]) => {
      const cols = shape[1];
      const idx = naiveTopkIndices(x, k).map((row) => [...row].sort((a, b) => a - b));
      return [
        { values: Array.from({ length: shape[0] + 1 }, (_, r) => r * k), shape: [shape[0] + 1] },
        { values: idx.flat(), shape: [shape[0] * k] },
        { values: idx.flatMap((row, r) => row.map((i) => x.values[r * cols + i])), shape: [shape[0] * k] },
      ];
    },
  }));
}

/**
 * A linear layer between two k-WTAs: y = m2 ⊙ (kWTA(x, k1) · Wᵀ), m2 the top-k2 mask of a score
 * input S (so the second selection does not hang on float32 rounding of the product). Outputs:
 * y, and the gradients of sum(R ⊙ y) with respect to x and W (sparse weight and input gradients).
 */
function linearCases(): ConformanceCase[] {
  return ([[4, 30, 7, 5, 3, false], [3, 24, 40, 6, 9, true], [2, 9, 5, 9, 5, false]] as const).map(([N, inF, out, k1, k2, ties]) => ({
    name: `sparseLinear forward and gradients x[${N},${inF}] w[${out},${inF}] k=${k1}, dy k=${k2}${ties ? ' with ties' : ''}`,
    inputs: (g) => [ties ? tied(g, [N, inF]) : randomInput(g, [N, inF]), randomInput(g, [out, inF]), randomInput(g, [N, out]), randomInput(g, [N, out])],
    run: ([x, w, s, r]) => always(() => {
      const layer = (a: Tensor, b: Tensor) => ops.where(ops.topkMask(s, k2), ops.matmul(ops.kWinners(a, k1), b, { transposeB: true }), 0);
      const { value, grads } = valueAndGrad((a: Tensor, b: Tensor) => ops.sum(ops.mul(layer(a, b), r)))(x, w);
      value.dispose();
      return [layer(x, w), ...grads];
    }),
    expected: ([x, w, s, r]) => {
      const { kept, mask } = naiveKwta(x, k1);
      const m2 = naiveKwta(s, k2).mask;
      const g = times(r, m2);
      return [times(naiveMatmul(kept, w, false, true), m2), times(naiveMatmul(g, w, false, false), mask), naiveMatmul(g, kept, true, false)];
    },
  }));
}

const conv = (s: number, p: number, d: number): ConvParams => ({ stride: [s, s], pad: [p, p], dilation: [d, d] });

/** conv2d after a k-WTA over C·H·W: the output, and the gradients of sum(R ⊙ y) for x (at the winners) and w. */
function convCases(): ConformanceCase[] {
  const setups: [number[], number[], ConvParams, number, boolean][] = [
    [[2, 3, 7, 7], [4, 3, 3, 3], conv(1, 1, 1), 15, false],
    [[2, 2, 8, 8], [3, 2, 3, 3], conv(2, 1, 1), 13, true],
    [[1, 3, 9, 7], [2, 3, 3, 2], conv(1, 0, 2), 40, false],
    [[1, 4, 10, 10], [6, 4, 5, 5], conv(3, 2, 1), 400, false],
  ];
  return setups.map(([xs, ws, p, k, ties]) => {
    const ys = naiveConv2d({ values: new Array(size(xs)).fill(0), shape: xs }, { values: new Array(size(ws)).fill(0), shape: ws }, p).shape;
    return {
      name: `sparseConv2d forward and gradients x${JSON.stringify(xs)} w${JSON.stringify(ws)} s${p.stride[0]} p${p.pad[0]} d${p.dilation[0]} k=${k}${ties ? ' with ties' : ''}`,
      inputs: (g) => [ties ? tied(g, xs) : randomInput(g, xs), randomInput(g, ws), randomInput(g, ys)],
      run: ([x, w, r]) => always(() => {
        const layer = (a: Tensor, b: Tensor) => ops.conv2d(ops.kWinners(a, k), b, { stride: p.stride, padding: p.pad, dilation: p.dilation });
        const { value, grads } = valueAndGrad((a: Tensor, b: Tensor) => ops.sum(ops.mul(layer(a, b), r)))(x, w);
        value.dispose();
        return [layer(x, w), ...grads];
      }),
      expected: ([x, w, r]) => {
        const { kept, mask } = naiveKwta(x, k);
        return [naiveConv2d(kept, w, p), times(naiveConv2dBackwardInput(r, w, xs, p), mask), naiveConv2dBackwardFilter(kept, r, ws, p)];
      },
    };
  });
}

/** relu(x) with some inputs exactly 0 and -0: the non-zeros of each row, variable in number. */
function reluInput(g: Generator, shape: number[]): HostInput {
  return f32(Array.from({ length: size(shape) }, () => (g.uniform() < 0.2 ? (g.uniform() < 0.5 ? 0 : -0) : Math.fround(g.uniform() * 4 - 2))), shape);
}

/**
 * A ReLU's zeros: the `nonzeros` kernel's rows, and the linear and conv forwards that read them
 * (ReLU → linear, ReLU → conv2d; their backward passes stay dense).
 */
function reluCases(): ConformanceCase[] {
  const nz: ConformanceCase = {
    name: 'nonzeros of relu(x) [3,37] (zeros and -0 in the input)',
    inputs: (g) => [reluInput(g, [3, 37])],
    run: ([x]) => always(() => engine.runKernel('nonzeros', [ops.relu(x)], {})),
    expected: ([x]) => {
      const rows = x.values.map((v) => Math.max(v, 0));
      const idx = Array.from({ length: 3 }, (_, r) => Array.from({ length: 37 }, (_v, i) => i).filter((i) => rows[r * 37 + i] !== 0));
      return [
        { values: [0, ...idx.map((row, r) => idx.slice(0, r + 1).reduce((n, q) => n + q.length, 0))], shape: [4] },
        { values: idx.flat(), shape: [idx.flat().length] },
        { values: idx.flatMap((row, r) => row.map((i) => rows[r * 37 + i])), shape: [idx.flat().length] },
      ];
    },
  };
  const relu = (a: HostArray): HostArray => ({ values: a.values.map((v) => Math.max(v, 0)), shape: a.shape });
  const linear: ConformanceCase = {
    name: 'sparseLinear forward of relu(x) [5,40] w[9,40] (rows of different lengths)',
    inputs: (g) => [reluInput(g, [5, 40]), randomInput(g, [9, 40])],
    run: ([x, w]) => always(() => [ops.matmul(ops.relu(x), w, { transposeB: true })]),
    expected: ([x, w]) => [naiveMatmul(relu(x), w, false, true)],
  };
  const p = conv(2, 1, 1);
  const convolution: ConformanceCase = {
    name: 'sparseConv2d forward of relu(x) x[2,3,7,7] w[4,3,3,3] s2 p1',
    inputs: (g) => [reluInput(g, [2, 3, 7, 7]), randomInput(g, [4, 3, 3, 3])],
    run: ([x, w]) => always(() => [ops.conv2d(ops.relu(x), w, { stride: p.stride, padding: p.pad })]),
    expected: ([x, w]) => [naiveConv2d(relu(x), w, p)],
  };
  return [nz, linear, convolution];
}

/** The fused SGD step against PyTorch's rule written out. */
function sgdCases(): ConformanceCase[] {
  const variants: ops.SgdUpdateOptions[] = [
    { lr: 0.1 }, { lr: 0.05, momentum: 0.9 }, { lr: 0.02, momentum: 0.5, dampening: 0.1, weightDecay: 0.01 },
    { lr: 0.3, momentum: 0.8, nesterov: true, weightDecay: 0.2 },
  ];
  return variants.flatMap((o) => [false, true].map((withBuffer): ConformanceCase => ({
    name: `sgdUpdate ${JSON.stringify(o)}${withBuffer ? ' (later step)' : ''}`,
    inputs: (g) => [randomInput(g, [5, 7]), randomInput(g, [5, 7]), randomInput(g, [5, 7])],
    run: ([p, g, b]) => {
      const r = ops.sgdUpdate(p, g, withBuffer ? b : null, o);
      return r.buffer ? [r.param, r.buffer] : [r.param];
    },
    expected: ([p, g, b]) => {
      const mu = o.momentum ?? 0;
      const grad = g.values.map((v, i) => v + (o.weightDecay ?? 0) * p.values[i]);
      const buf = grad.map((v, i) => (withBuffer ? mu * b.values[i] + (1 - (o.dampening ?? 0)) * v : v));
      const step = grad.map((v, i) => (mu === 0 ? v : o.nesterov ? v + mu * buf[i] : buf[i]));
      const param = { values: p.values.map((v, i) => v - o.lr * step[i]), shape: p.shape };
      return mu === 0 ? [param] : [param, { values: buf, shape: p.shape }];
    },
  })));
}

export function sparseCases(): ConformanceCase[] {
  return [...winnersCases(), ...linearCases(), ...convCases(), ...reluCases(), ...sgdCases()];
}
