import { customGrad } from '../autodiff/custom.js';
import type { DiffOp } from '../autodiff/rules.js';
import { getSparsePath, tidy, withSparsePath, type SparsePathMode } from '../engine.js';
import { Generator } from '../random.js';
import type { Tensor } from '../tensor.js';
import * as ops from '../ops/index.js';
import { gradcheck } from './finite-differences.js';
import { elementwiseGradCases } from './grad-elementwise.js';
import { broadcastPair, dim, distinct, uniform, type Float64Input } from './samplers.js';

export type { Float64Input } from './samplers.js';

/**
 * Gradient cases: a random draw of shapes and values (away from kinks and ties) and a function
 * of them. `checkGradients` compares the tape's gradient of a random projection of the output
 * with central finite differences in float64.
 */
export interface GradCase {
  name: string;
  /** Primitive rules this case exercises (the registry check needs every rule covered). */
  covers: DiffOp[];
  /** Finite-difference step, if the default does not suit the case. */
  h?: number;
  /** The sparse path's mode for the whole case, forward and backward (default: as set). */
  sparsePath?: SparsePathMode;
  /** Draw the case's float64 inputs from `gen`, with the function whose gradient is checked. */
  make(gen: Generator): {
    inputs: Float64Input[];
    /** The function whose gradient is checked, of the inputs. */
    f: (...xs: Tensor[]) => Tensor;
  };
}

/** Every differentiable public op, with the rules it relies on. */
export function gradCases(): GradCase[] {
  return [
    ...elementwiseGradCases(),
    {
      name: 'where',
      covers: ['where'],
      make: (g) => {
        const [sa, sb] = broadcastPair(g);
        const c = uniform(g, sa.length >= sb.length ? sa : sb);
        return { inputs: [uniform(g, sa), uniform(g, sb), c], f: (a, b, cond) => ops.where(ops.greater(cond, 0), a, b) };
      },
    },
    {
      // Inputs on a 1/1024 grid and h = 1/64 keep x ± h exact in float32, so the float32 detour
      // adds no rounding to the finite difference.
      name: 'cast float64 -> float32 -> float64',
      covers: ['cast'],
      h: 1 / 64,
      make: (g) => ({
        inputs: [{ values: Float64Array.from({ length: dim(g) }, () => (g.int(4096) - 2048) / 1024), shape: [] as number[] }].map((x) => ({ ...x, shape: [x.values.length] })),
        f: (x) => ops.mul(ops.cast(ops.mul(ops.cast(x, 'float32'), 3), 'float64'), ops.cast(ops.cast(x, 'float32'), 'float64')),
      }),
    },
    ...(['sum', 'max', 'min'] as const).map((op): GradCase => ({
      name: `${op} over random axes`,
      covers: [op],
      make: (g) => {
        const shape = [dim(g), dim(g), dim(g)];
        const axes = [0, 1, 2].filter(() => g.uniform() < 0.5);
        const keep = g.uniform() < 0.5;
        return { inputs: [distinct(g, shape)], f: (x) => ops[op](x, axes.length ? axes : undefined, keep) };
      },
    })),
    { name: 'mean', covers: ['sum'], make: (g) => ({ inputs: [uniform(g, [dim(g), dim(g)])], f: (x) => ops.mean(x, 1) }) },
    { name: 'variance', covers: ['sum', 'sub', 'mul'], make: (g) => ({ inputs: [uniform(g, [dim(g, 2), dim(g)])], f: (x) => ops.variance(x, 0) }) },
    { name: 'logsumexp', covers: ['exp', 'log', 'sum', 'sub', 'add'], make: (g) => ({ inputs: [uniform(g, [dim(g), dim(g)])], f: (x) => ops.logsumexp(x, 1) }) },
    { name: 'softmax', covers: ['exp', 'div', 'sum'], make: (g) => ({ inputs: [uniform(g, [dim(g), dim(g, 2)])], f: (x) => ops.softmax(x, -1) }) },
    { name: 'logSoftmax', covers: ['sub'], make: (g) => ({ inputs: [uniform(g, [dim(g), dim(g, 2)])], f: (x) => ops.logSoftmax(x, -1) }) },
    { name: 'clamp', covers: ['maximum', 'minimum'], make: (g) => ({ inputs: [distinct(g, [dim(g), dim(g)], 0.3)], f: (x) => ops.clamp(x, -0.5, 0.6) }) },
    {
      name: 'matmul (batched, transposes)',
      covers: ['matmul'],
      make: (g) => {
        const [M, K, N] = [dim(g), dim(g), dim(g)];
        const tA = g.uniform() < 0.5, tB = g.uniform() < 0.5;
        const batchA = g.uniform() < 0.5 ? [dim(g, 1, 3)] : [];
        const batchB = batchA.length && g.uniform() < 0.5 ? [] : batchA;
        const sa = [...batchA, ...(tA ? [K, M] : [M, K])], sb = [...batchB, ...(tB ? [N, K] : [K, N])];
        return { inputs: [uniform(g, sa), uniform(g, sb)], f: (a, b) => ops.matmul(a, b, { transposeA: tA, transposeB: tB }) };
      },
    },
    {
      name: 'conv2d (stride, padding, dilation, bias)',
      covers: ['conv2d', 'add', 'reshape'],
      make: (g) => {
        const C = dim(g, 1, 3), F = dim(g, 1, 3), k = dim(g, 1, 3);
        const stride = dim(g, 1, 2), pad = g.int(2), dil = dim(g, 1, 2);
        const H = dil * (k - 1) + dim(g, 1, 4), W = dil * (k - 1) + dim(g, 1, 4);
        return {
          inputs: [uniform(g, [dim(g, 1, 2), C, H, W]), uniform(g, [F, C, k, k]), uniform(g, [F])],
          f: (x, w, b) => ops.conv2d(x, w, { stride, padding: pad, dilation: dil, bias: b }),
        };
      },
    },
    {
      name: 'maxPool2d',
      covers: ['maxPool2d'],
      make: (g) => {
        const k = dim(g, 1, 3), stride = dim(g, 1, 2);
        return { inputs: [distinct(g, [dim(g, 1, 2), dim(g, 1, 2), k + dim(g, 0, 3), k + dim(g, 0, 3)])], f: (x) => ops.maxPool2d(x, { kernelSize: k, stride }) };
      },
    },
    {
      name: 'avgPool2d',
      covers: ['avgPool2d'],
      make: (g) => {
        const k = dim(g, 2, 3), stride = dim(g, 1, 2), padding = g.int(2);
        return { inputs: [uniform(g, [1, 2, k + dim(g, 0, 3), k + dim(g, 0, 3)])], f: (x) => ops.avgPool2d(x, { kernelSize: k, stride, padding }) };
      },
    },
    { name: 'reshape/flatten', covers: ['reshape'], make: (g) => ({ inputs: [uniform(g, [dim(g), dim(g), dim(g)])], f: (x) => ops.flatten(x, 1) }) },
    {
      name: 'expandDims/squeeze',
      covers: ['reshape'],
      make: (g) => ({ inputs: [uniform(g, [dim(g), 1, dim(g)])], f: (x) => ops.expandDims(ops.squeeze(x, 1), 0) }),
    },
    {
      name: 'broadcastTo',
      covers: ['add'],
      make: (g) => {
        const shape = [dim(g, 1, 2), dim(g), dim(g)];
        return { inputs: [uniform(g, [shape[1], 1])], f: (x) => ops.broadcastTo(x, shape) };
      },
    },
    {
      name: 'transpose',
      covers: ['transpose'],
      make: (g) => {
        const perm = [0, 1, 2];
        g.shuffle(perm);
        return { inputs: [uniform(g, [dim(g), dim(g), dim(g)])], f: (x) => ops.transpose(x, perm) };
      },
    },
    {
      name: 'slice',
      covers: ['slice'],
      make: (g) => {
        const shape = [dim(g, 2, 5), dim(g, 2, 5)];
        const begin = shape.map((d) => g.int(d));
        const size = shape.map((d, i) => 1 + g.int(d - begin[i]));
        return { inputs: [uniform(g, shape)], f: (x) => ops.slice(x, begin, size) };
      },
    },
    {
      name: 'pad',
      covers: ['pad'],
      make: (g) => {
        const p: [number, number][] = [[g.int(3), g.int(3)], [g.int(3), g.int(3)]];
        return { inputs: [uniform(g, [dim(g), dim(g)])], f: (x) => ops.pad(x, p, 0.3) };
      },
    },
    { name: 'concat/stack', covers: ['concat', 'reshape'], make: (g) => ({ inputs: [uniform(g, [2, dim(g)]), uniform(g, [2, 3])], f: (a, b) => ops.concat([a, ops.stack([b, b], 1).reshape([2, 6])], 1) }) },
    {
      name: 'gather',
      covers: ['gather'],
      make: (g) => {
        const shape = [dim(g, 2), dim(g, 2)];
        const idx = Int32Array.from({ length: dim(g, 1, 5) }, () => g.int(shape[1]));
        return { inputs: [uniform(g, shape)], f: (x) => ops.gather(x, ops.tensor(idx), 1) };
      },
    },
    {
      name: 'takeAlong (cross-entropy pick)',
      covers: ['takeAlong'],
      make: (g) => {
        const [n, c] = [dim(g), dim(g, 2)];
        const idx = Int32Array.from({ length: n * 2 }, () => g.int(c));
        return { inputs: [uniform(g, [n, c])], f: (x) => ops.takeAlong(x, ops.tensor(idx, [n, 2])) };
      },
    },
    {
      name: 'topk values',
      covers: ['takeAlong'],
      make: (g) => {
        const n = dim(g, 2, 8), k = 1 + g.int(n);
        return { inputs: [distinct(g, [dim(g), n])], f: (x) => ops.topk(x, k).values };
      },
    },
    {
      name: 'kWinners (k-WTA)',
      covers: ['where', 'reshape'],
      make: (g) => {
        const shape = [dim(g, 1, 2), dim(g, 1, 3), dim(g, 2, 3), dim(g, 2, 3)];
        const k = 1 + g.int(shape[1] * shape[2] * shape[3]);
        return { inputs: [distinct(g, shape, 0.05)], f: (x) => ops.kWinners(x, k) };
      },
    },
    {
      // The sparse path forced on: the linear layer reads x's winners, its weight gradient takes
      // the next selection's winners from the gradient, its input gradient is taken at x's winners.
      name: 'matmul after k-WTA (sparse path: winners in the forward, weight and input gradients)',
      covers: ['matmul', 'where', 'reshape'],
      sparsePath: 'always',
      make: (g) => {
        const [N, inF, out] = [dim(g, 1, 3), dim(g, 2, 6), dim(g, 2, 6)];
        const k1 = 1 + g.int(inF), k2 = 1 + g.int(out);
        return {
          inputs: [distinct(g, [N, inF]), uniform(g, [out, inF]), distinct(g, [N, out])],
          f: (x, w, s) => ops.where(ops.topkMask(s, k2), ops.matmul(ops.kWinners(x, k1), w, { transposeB: true }), 0),
        };
      },
    },
    {
      name: 'conv2d after k-WTA (sparse path: stride, padding, dilation)',
      covers: ['conv2d', 'where', 'reshape'],
      sparsePath: 'always',
      make: (g) => {
        const C = dim(g, 1, 3), F = dim(g, 1, 3), k = dim(g, 1, 3);
        const stride = dim(g, 1, 2), pad = g.int(2), dil = dim(g, 1, 2);
        const H = dil * (k - 1) + dim(g, 1, 4), W = dil * (k - 1) + dim(g, 1, 4);
        const winners = 1 + g.int(C * H * W);
        return {
          inputs: [distinct(g, [dim(g, 1, 2), C, H, W]), uniform(g, [F, C, k, k])],
          f: (x, w) => ops.conv2d(ops.kWinners(x, winners), w, { stride, padding: pad, dilation: dil }),
        };
      },
    },
    {
      // A custom op's node: the tape runs the user's gradFunc (two inputs, both gradients).
      name: 'customGrad (a * exp(b) with its hand-written backward)',
      covers: ['custom'],
      make: (g) => {
        const shape = [dim(g), dim(g)];
        const op = customGrad((a: Tensor, b: Tensor) => {
          const e = ops.exp(b);
          return { value: ops.mul(a, e), gradFunc: (dy) => [ops.mul(dy, e), ops.mul(dy, ops.mul(a, e))] };
        }, 'aTimesExpB');
        return { inputs: [uniform(g, shape), uniform(g, shape)], f: (a, b) => op(a, b) };
      },
    },
    {
      // The smooth k-WTA gate BPDA differentiates (kwtaSmooth holds threshold and scale fixed).
      name: 'sigmoidGate (smooth k-WTA backward)',
      covers: ['mul', 'sigmoid', 'sub', 'div'],
      make: (g) => {
        const n = dim(g, 1, 3), width = dim(g, 2, 5);
        return {
          inputs: [uniform(g, [n, width]), uniform(g, [n, 1]), uniform(g, [n, 1], 0.5, 2)],
          f: (rows, threshold, scale) => ops.sigmoidGate(rows, threshold, scale),
        };
      },
    },
  ];
}

/** What `checkGradients` found for one case: its name, the worst relative error and where. */
export interface GradCheckResult {
  maxError: number;
  /** gradcheck's message, after the case's name: where the largest error is, with both values. */
  worst: string;
}

/**
 * One draw of a case checked with `gradcheck` (float64 central differences of sum(f(x) * R), R
 * a fixed random projection drawn from the seed), the inputs and f drawn from `seed`.
 */
export function checkGradients(c: GradCase, seed: number, h = c.h ?? 1e-6): GradCheckResult {
  return withSparsePath(c.sparsePath ?? getSparsePath(), () => checkGradientsNow(c, seed, h));
}

function checkGradientsNow(c: GradCase, seed: number, h: number): GradCheckResult {
  const { inputs, f } = c.make(new Generator(seed));
  return tidy(() => {
    const xs = inputs.map((x) => ops.tensor(x.values, x.shape, 'float64'));
    const r = gradcheck(f, xs, { eps: h, seed: (seed ^ 0x5bd1e995) >>> 0 });
    return { maxError: r.maxError, worst: `${c.name}: ${r.message}` };
  });
}
