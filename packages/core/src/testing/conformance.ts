import type { BinaryOp, CompareOp, UnaryOp } from '../backend.js';
import type { DType } from '../dtype.js';
import { Generator } from '../random.js';
import type { Tensor } from '../tensor.js';
import * as ops from '../ops/index.js';
import * as bp from '../ops/backprop.js';
import {
  type ConvParams, type HostArray, naiveBinary, naiveConv2d, naiveConv2dBackwardFilter, naiveConv2dBackwardInput,
  naiveMatmul, naivePool, naiveReduce, naiveTopkIndices, size, unravel, ravel, strides,
} from './naive.js';

/** A host-side input with its dtype. */
export interface HostInput extends HostArray {
  dtype: DType;
}

/**
 * One conformance case: inputs drawn from a seeded generator, the ops run on the active backend,
 * and the expected outputs computed from the definitions (naive.ts) on the same inputs.
 */
export interface ConformanceCase {
  name: string;
  inputs(gen: Generator): HostInput[];
  run(xs: Tensor[]): Tensor[];
  expected(xs: HostInput[]): HostArray[];
}

const f32 = (values: number[], shape: number[]): HostInput => ({ values, shape, dtype: 'float32' });
const i32 = (values: number[], shape: number[]): HostInput => ({ values, shape, dtype: 'int32' });

export function randomInput(gen: Generator, shape: number[], lo = -2, hi = 2): HostInput {
  return f32(Array.from({ length: size(shape) }, () => Math.fround(lo + (hi - lo) * gen.uniform())), shape);
}

const unaryDefs: Record<UnaryOp, [(x: number) => number, number, number]> = {
  neg: [(x) => -x, -2, 2], exp: [Math.exp, -2, 2], log: [Math.log, 0.1, 3], sqrt: [Math.sqrt, 0, 3],
  abs: [Math.abs, -2, 2], sign: [Math.sign, -2, 2], tanh: [Math.tanh, -3, 3], relu: [(x) => Math.max(x, 0), -2, 2],
  sigmoid: [(x) => 1 / (1 + Math.exp(-x)), -4, 4], floor: [Math.floor, -3, 3],
};

const binaryDefs: Record<BinaryOp, (a: number, b: number) => number> = {
  add: (a, b) => a + b, sub: (a, b) => a - b, mul: (a, b) => a * b, div: (a, b) => a / b,
  pow: Math.pow, maximum: Math.max, minimum: Math.min,
};

const compareDefs: Record<CompareOp, (a: number, b: number) => boolean> = {
  equal: (a, b) => a === b, notEqual: (a, b) => a !== b, less: (a, b) => a < b,
  lessEqual: (a, b) => a <= b, greater: (a, b) => a > b, greaterEqual: (a, b) => a >= b,
};

const BROADCAST_PAIRS: [number[], number[]][] = [[[3, 4], [3, 4]], [[2, 3, 4], [3, 1]], [[4], [2, 3, 4]], [[2, 1, 5], [1, 3, 1]], [[3, 2], []]];

function binaryCases(): ConformanceCase[] {
  const out: ConformanceCase[] = [];
  for (const [op, f] of Object.entries(binaryDefs) as [BinaryOp, (a: number, b: number) => number][]) {
    for (const [sa, sb] of BROADCAST_PAIRS) {
      out.push({
        name: `binary ${op} ${JSON.stringify(sa)} ${JSON.stringify(sb)}`,
        inputs: (g) => (op === 'pow' ? [randomInput(g, sa, 0.2, 2), randomInput(g, sb, -2, 2)] : op === 'div' ? [randomInput(g, sa), randomInput(g, sb, 0.5, 2)] : [randomInput(g, sa), randomInput(g, sb)]),
        run: ([a, b]) => [ops[op](a, b)],
        expected: ([a, b]) => [naiveBinary(a, b, f)],
      });
    }
  }
  for (const [op, f] of Object.entries(compareDefs) as [CompareOp, (a: number, b: number) => boolean][]) {
    out.push({
      name: `compare ${op}`,
      // Small integers so equality actually happens.
      inputs: (g) => [f32(Array.from({ length: 24 }, () => g.int(3)), [2, 3, 4]), f32(Array.from({ length: 4 }, () => g.int(3)), [4])],
      run: ([a, b]) => [ops[op](a, b)],
      expected: ([a, b]) => [naiveBinary(a, b, (x, y) => (f(x, y) ? 1 : 0))],
    });
  }
  return out;
}

function conv(stride: number, pad: number, dilation: number): ConvParams {
  return { stride: [stride, stride], pad: [pad, pad], dilation: [dilation, dilation] };
}

const CONV_SETUPS: { x: number[]; w: number[]; p: ConvParams }[] = [
  { x: [2, 3, 7, 7], w: [4, 3, 3, 3], p: conv(1, 1, 1) },
  { x: [2, 2, 8, 8], w: [3, 2, 3, 3], p: conv(2, 1, 1) },
  { x: [1, 3, 9, 7], w: [2, 3, 3, 2], p: conv(1, 0, 2) },
  { x: [3, 1, 6, 6], w: [5, 1, 1, 1], p: conv(1, 0, 1) },
  { x: [1, 4, 10, 10], w: [6, 4, 5, 5], p: conv(3, 2, 1) },
];

function convCases(): ConformanceCase[] {
  const out: ConformanceCase[] = [];
  for (const { x, w, p } of CONV_SETUPS) {
    const tag = `x${JSON.stringify(x)} w${JSON.stringify(w)} s${p.stride[0]} p${p.pad[0]} d${p.dilation[0]}`;
    out.push({
      name: `conv2d ${tag}`,
      inputs: (g) => [randomInput(g, x), randomInput(g, w)],
      run: ([a, b]) => [ops.conv2d(a, b, { stride: p.stride, padding: p.pad, dilation: p.dilation })],
      expected: ([a, b]) => [naiveConv2d(a, b, p)],
    });
    const yShape = naiveConv2d({ values: new Array(size(x)).fill(0), shape: x }, { values: new Array(size(w)).fill(0), shape: w }, p).shape;
    out.push({
      name: `conv2dBackwardInput ${tag}`,
      inputs: (g) => [randomInput(g, yShape), randomInput(g, w)],
      run: ([dy, b]) => [bp.conv2dBackpropInput(dy, b, x, p)],
      expected: ([dy, b]) => [naiveConv2dBackwardInput(dy, b, x, p)],
    });
    out.push({
      name: `conv2dBackwardFilter ${tag}`,
      inputs: (g) => [randomInput(g, x), randomInput(g, yShape)],
      run: ([a, dy]) => [bp.conv2dBackpropFilter(a, dy, w, p)],
      expected: ([a, dy]) => [naiveConv2dBackwardFilter(a, dy, w, p)],
    });
  }
  return out;
}

function poolCases(): ConformanceCase[] {
  const setups: { x: number[]; k: [number, number]; s: [number, number]; p: [number, number] }[] = [
    { x: [2, 3, 6, 6], k: [2, 2], s: [2, 2], p: [0, 0] },
    { x: [1, 2, 7, 5], k: [3, 3], s: [2, 2], p: [1, 1] },
    { x: [2, 1, 5, 5], k: [3, 2], s: [1, 1], p: [0, 0] },
  ];
  const out: ConformanceCase[] = [];
  for (const { x, k, s, p } of setups) {
    const tag = `x${JSON.stringify(x)} k${k} s${s} p${p}`;
    for (const kind of ['max', 'avg'] as const) {
      out.push({
        name: `${kind}Pool2d ${tag}`,
        inputs: (g) => [randomInput(g, x)],
        run: ([a]) => [(kind === 'max' ? ops.maxPool2d : ops.avgPool2d)(a, { kernelSize: k, stride: s, padding: p })],
        expected: ([a]) => [naivePool(a, k, s, p, kind)],
      });
    }
  }
  return out;
}

function matmulCases(): ConformanceCase[] {
  const setups: [number[], number[], boolean, boolean][] = [
    [[5, 7], [7, 3], false, false], [[7, 5], [7, 3], true, false], [[5, 7], [3, 7], false, true],
    [[7, 5], [3, 7], true, true], [[2, 3, 4], [4, 5], false, false], [[2, 1, 3, 4], [3, 4, 2], false, false],
    [[1, 1], [1, 1], false, false], [[17, 33], [33, 19], false, false], [[64, 64], [64, 64], false, true],
  ];
  return setups.map(([sa, sb, tA, tB]) => ({
    name: `matmul ${JSON.stringify(sa)}${tA ? 'ᵀ' : ''} x ${JSON.stringify(sb)}${tB ? 'ᵀ' : ''}`,
    inputs: (g) => [randomInput(g, sa), randomInput(g, sb)],
    run: ([a, b]) => [ops.matmul(a, b, { transposeA: tA, transposeB: tB })],
    expected: ([a, b]) => [naiveMatmul(a, b, tA, tB)],
  }));
}

function reduceCases(): ConformanceCase[] {
  const shape = [2, 3, 4];
  const axesList: number[][] = [[0], [1], [2], [0, 2], [1, 2], [0, 1, 2]];
  const out: ConformanceCase[] = [];
  for (const axes of axesList) {
    for (const [op, f, init] of [['sum', (a: number, v: number) => a + v, 0], ['max', Math.max, -Infinity], ['min', Math.min, Infinity]] as const) {
      out.push({
        name: `reduce ${op} axes ${axes}`,
        inputs: (g) => [randomInput(g, shape)],
        run: ([a]) => [ops[op](a, axes)],
        expected: ([a]) => [naiveReduce(a, axes, f, init)],
      });
    }
  }
  for (const axis of [0, 1, 2]) {
    for (const op of ['argmax', 'argmin'] as const) {
      out.push({
        name: `${op} axis ${axis}`,
        inputs: (g) => [randomInput(g, shape)],
        run: ([a]) => [ops[op](a, axis)],
        expected: ([a]) => {
          const better = op === 'argmax' ? (x: number, y: number) => x > y : (x: number, y: number) => x < y;
          const outShape = shape.filter((_, i) => i !== axis);
          const values = Array.from({ length: size(outShape) }, (_, o) => {
            const idx = unravel(o, outShape);
            let best = 0, bv = NaN;
            for (let j = 0; j < shape[axis]; j++) {
              const full = [...idx.slice(0, axis), j, ...idx.slice(axis)];
              const v = a.values[ravel(full, shape)];
              if (j === 0 || better(v, bv)) [best, bv] = [j, v];
            }
            return best;
          });
          return [{ values, shape: outShape }];
        },
      });
    }
  }
  return out;
}

function layoutCases(): ConformanceCase[] {
  const shape = [2, 3, 4];
  return [
    ...[[1, 0, 2], [2, 1, 0], [0, 2, 1], [1, 2, 0]].map((perm) => ({
      name: `transpose ${perm}`,
      inputs: (g: Generator) => [randomInput(g, shape)],
      run: ([a]: Tensor[]) => [ops.transpose(a, perm)],
      expected: ([a]: HostInput[]) => {
        const outShape = perm.map((p) => shape[p]);
        const values = Array.from({ length: size(outShape) }, (_, o) => {
          const idx = unravel(o, outShape);
          const src = new Array<number>(3);
          perm.forEach((p, i) => (src[p] = idx[i]));
          return a.values[ravel(src, shape)];
        });
        return [{ values, shape: outShape }];
      },
    })),
    {
      name: 'slice',
      inputs: (g) => [randomInput(g, [4, 5, 6])],
      run: ([a]) => [ops.slice(a, [1, 0, 2], [2, 5, 3])],
      expected: ([a]) => {
        const outShape = [2, 5, 3];
        const values = Array.from({ length: 30 }, (_, o) => {
          const [i, j, k] = unravel(o, outShape);
          return a.values[ravel([i + 1, j, k + 2], [4, 5, 6])];
        });
        return [{ values, shape: outShape }];
      },
    },
    {
      name: 'pad',
      inputs: (g) => [randomInput(g, [2, 3])],
      run: ([a]) => [ops.pad(a, [[1, 0], [2, 1]], 0.5)],
      expected: ([a]) => {
        const outShape = [3, 6];
        const values = Array.from({ length: 18 }, (_, o) => {
          const [i, j] = unravel(o, outShape);
          const si = i - 1, sj = j - 2;
          return si >= 0 && si < 2 && sj >= 0 && sj < 3 ? a.values[si * 3 + sj] : 0.5;
        });
        return [{ values, shape: outShape }];
      },
    },
    {
      name: 'concat axis 1',
      inputs: (g) => [randomInput(g, [2, 2, 3]), randomInput(g, [2, 1, 3]), randomInput(g, [2, 3, 3])],
      run: (xs) => [ops.concat(xs, 1)],
      expected: (xs) => {
        const values: number[] = [];
        for (let n = 0; n < 2; n++) for (const x of xs) values.push(...x.values.slice(n * x.shape[1] * 3, (n + 1) * x.shape[1] * 3));
        return [{ values, shape: [2, 6, 3] }];
      },
    },
    {
      name: 'gather axis 1',
      inputs: (g) => [randomInput(g, [2, 5, 3]), i32([4, 0, 4, 2], [4])],
      run: ([a, idx]) => [ops.gather(a, idx, 1)],
      expected: ([a, idx]) => {
        const values = Array.from({ length: 24 }, (_, o) => {
          const [n, j, c] = unravel(o, [2, 4, 3]);
          return a.values[ravel([n, idx.values[j], c], [2, 5, 3])];
        });
        return [{ values, shape: [2, 4, 3] }];
      },
    },
    {
      name: 'takeAlong',
      inputs: (g) => [randomInput(g, [3, 5]), i32([0, 4, 1, 1, 2, 3], [3, 2])],
      run: ([a, idx]) => [ops.takeAlong(a, idx)],
      expected: ([a, idx]) => [{ values: idx.values.map((k, o) => a.values[Math.floor(o / 2) * 5 + k]), shape: [3, 2] }],
    },
    {
      name: 'scatterAlong',
      inputs: (g) => [randomInput(g, [3, 2]), i32([0, 4, 1, 1, 2, 3], [3, 2])],
      run: ([dy, idx]) => [bp.scatterAlong(dy, idx, 5)],
      expected: ([dy, idx]) => {
        const values = new Array<number>(15).fill(0);
        idx.values.forEach((k, o) => (values[Math.floor(o / 2) * 5 + k] += dy.values[o]));
        return [{ values, shape: [3, 5] }];
      },
    },
    {
      name: 'scatterAdd axis 0',
      inputs: (g) => [randomInput(g, [4, 3]), i32([2, 0, 2, 1], [4])],
      run: ([dy, idx]) => [bp.scatterAdd(dy, idx, 0, 3)],
      expected: ([dy, idx]) => {
        const values = new Array<number>(9).fill(0);
        idx.values.forEach((k, j) => {
          for (let c = 0; c < 3; c++) values[k * 3 + c] += dy.values[j * 3 + c];
        });
        return [{ values, shape: [3, 3] }];
      },
    },
    {
      name: 'where broadcast',
      inputs: (g) => [randomInput(g, [2, 3]), randomInput(g, [3]), randomInput(g, [2, 1])],
      run: ([c, a, b]) => [ops.where(ops.greater(c, 0), a, b)],
      expected: ([c, a, b]) => [{
        values: Array.from({ length: 6 }, (_, o) => (c.values[o] > 0 ? a.values[o % 3] : b.values[Math.floor(o / 3)])),
        shape: [2, 3],
      }],
    },
    {
      name: 'cast to int32 and bool',
      inputs: (g) => [randomInput(g, [7], -3, 3)],
      run: ([a]) => [ops.cast(a, 'int32'), ops.cast(a, 'bool')],
      expected: ([a]) => [{ values: a.values.map(Math.trunc), shape: [7] }, { values: a.values.map((v) => (v !== 0 ? 1 : 0)), shape: [7] }],
    },
  ];
}

function selectionCases(): ConformanceCase[] {
  const out: ConformanceCase[] = [];
  const tied = (g: Generator, shape: number[]) => f32(Array.from({ length: size(shape) }, () => g.int(4)), shape);
  for (const [shape, k, ties] of [[[3, 10], 4, false], [[2, 16], 5, true], [[4, 7], 7, true], [[2, 9], 1, true], [[1, 300], 30, false]] as const) {
    const mk = (g: Generator) => [ties ? tied(g, [...shape]) : randomInput(g, [...shape])];
    out.push({
      name: `topkMask ${JSON.stringify(shape)} k=${k}${ties ? ' with ties' : ''}`,
      inputs: mk,
      run: ([a]) => [ops.topkMask(a, k)],
      expected: ([a]) => {
        const n = shape[1];
        const values = new Array<number>(a.values.length).fill(0);
        naiveTopkIndices(a, k).forEach((row, r) => row.forEach((i) => (values[r * n + i] = 1)));
        return [{ values, shape: [...shape] }];
      },
    });
    out.push({
      name: `topk ${JSON.stringify(shape)} k=${k}${ties ? ' with ties' : ''}`,
      inputs: mk,
      run: ([a]) => {
        const { values, indices } = ops.topk(a, k);
        return [values, indices];
      },
      expected: ([a]) => {
        const n = shape[1];
        const idx = naiveTopkIndices(a, k);
        return [
          { values: idx.flatMap((row, r) => row.map((i) => a.values[r * n + i])), shape: [shape[0], k] },
          { values: idx.flat(), shape: [shape[0], k] },
        ];
      },
    });
  }
  return out;
}

function derivedCases(): ConformanceCase[] {
  const softmaxRows = (a: HostArray) => {
    const n = a.shape[a.shape.length - 1];
    const values: number[] = [];
    for (let r = 0; r < a.values.length / n; r++) {
      const row = a.values.slice(r * n, (r + 1) * n);
      const m = Math.max(...row);
      const e = row.map((v) => Math.exp(v - m));
      const s = e.reduce((p, v) => p + v, 0);
      values.push(...e.map((v) => v / s));
    }
    return { values, shape: a.shape };
  };
  return [
    { name: 'softmax', inputs: (g) => [randomInput(g, [3, 5], -5, 5)], run: ([a]) => [ops.softmax(a)], expected: ([a]) => [softmaxRows(a)] },
    {
      name: 'logSoftmax (large logits)',
      inputs: (g) => [randomInput(g, [3, 5], -80, 80)],
      run: ([a]) => [ops.logSoftmax(a)],
      expected: ([a]) => [{ ...softmaxRows(a), values: softmaxRows(a).values.map(Math.log) }],
    },
    {
      name: 'mean and logsumexp',
      inputs: (g) => [randomInput(g, [4, 6])],
      run: ([a]) => [ops.mean(a, 1), ops.logsumexp(a, 1)],
      expected: ([a]) => [
        naiveReduce(a, [1], (p, v) => p + v / 6, 0),
        { values: naiveReduce(a, [1], (p, v) => p + Math.exp(v), 0).values.map(Math.log), shape: [4] },
      ],
    },
    {
      name: 'kWinners over C*H*W',
      inputs: (g) => [randomInput(g, [2, 3, 4, 4])],
      run: ([a]) => [ops.kWinners(a, 5)],
      expected: ([a]) => {
        const rows = { values: a.values, shape: [2, 48] };
        const values = new Array<number>(96).fill(0);
        naiveTopkIndices(rows, 5).forEach((row, r) => row.forEach((i) => (values[r * 48 + i] = a.values[r * 48 + i])));
        return [{ values, shape: [2, 3, 4, 4] }];
      },
    },
  ];
}

function unaryCases(): ConformanceCase[] {
  return (Object.entries(unaryDefs) as [UnaryOp, [(x: number) => number, number, number]][]).map(([op, [f, lo, hi]]) => ({
    name: `unary ${op}`,
    inputs: (g) => [randomInput(g, [3, 7], lo, hi)],
    run: ([a]) => [ops[op](a)],
    expected: ([a]) => [{ values: a.values.map(f), shape: a.shape }],
  }));
}

/** Every case of the suite. Backends run all of them; none is optional. */
export function conformanceCases(): ConformanceCase[] {
  return [
    ...unaryCases(), ...binaryCases(), ...reduceCases(), ...matmulCases(), ...convCases(),
    ...poolCases(), ...layoutCases(), ...selectionCases(), ...derivedCases(),
  ];
}

export interface Tolerance {
  rtol: number;
  atol: number;
}

/** float32 kernels against float64 definitions: sums of a few hundred terms. */
export const FLOAT32_TOLERANCE: Tolerance = { rtol: 2e-5, atol: 2e-5 };

/** Compare outputs with expectations; returns a description of the first mismatch or null. */
export function compareOutputs(name: string, got: { values: ArrayLike<number>; shape: readonly number[] }[], want: HostArray[], tol: Tolerance): string | null {
  if (got.length !== want.length) return `${name}: ${got.length} outputs, expected ${want.length}`;
  for (let o = 0; o < want.length; o++) {
    const g = got[o], w = want[o];
    if (g.shape.join(',') !== w.shape.join(',')) return `${name}: output ${o} shape [${g.shape}] expected [${w.shape}]`;
    for (let i = 0; i < w.values.length; i++) {
      const a = Number(g.values[i]), b = w.values[i];
      if (Number.isNaN(b) && Number.isNaN(a)) continue;
      if (!(Math.abs(a - b) <= tol.atol + tol.rtol * Math.abs(b))) {
        return `${name}: output ${o} at ${i} (index [${unravel(i, w.shape)}]) = ${a}, expected ${b}`;
      }
    }
  }
  return null;
}

export { strides };
