// NaN cases: every elementwise op (from its definition), the max/min reductions and max pooling
// on inputs holding NaN. The expected values come from the same definitions as the ordinary
// cases, and every definition propagates NaN (op-definitions.test.ts checks that, as PyTorch
// does), so a backend whose kernel turns NaN into a number (relu as `x > 0 ? x : 0`, a max that
// skips NaN) fails here.
import * as ops from '../ops/index.js';
import { BINARY_OPS, COMPARE_OPS, DERIVED_OPS, UNARY_OPS, binaryDef, binaryOps, compareOps, derivedOps, unaryOps, type Range } from '../ops/definitions/index.js';
import { naiveBinary, naivePool, naiveReduce } from './naive.js';
import { randomInput, type ConformanceCase, type HostInput } from './case.js';
import type { Generator } from '../random.js';
import type { Tensor } from '../tensor.js';

/** A random input with NaN at every `every`-th element from `first` on. */
function withNaN(g: Generator, shape: number[], [lo, hi]: Range, first: number, every = 5): HostInput {
  const x = randomInput(g, shape, lo, hi);
  for (let i = first; i < x.values.length; i += every) x.values[i] = NaN;
  return x;
}

const ANY: Range = [-2, 2];

export function nanCases(): ConformanceCase[] {
  const out: ConformanceCase[] = [];
  const oneInput: [string, keyof typeof ops & string, Range, (x: number) => number][] = [
    ...UNARY_OPS.map((op): [string, typeof op, Range, (x: number) => number] => [`unary ${op}`, op, unaryOps[op].domain, unaryOps[op].fn]),
    ...DERIVED_OPS.map((op): [string, typeof op, Range, (x: number) => number] => [`derived ${op}`, op, derivedOps[op].domain, derivedOps[op].reference]),
  ];
  for (const [name, op, domain, f] of oneInput) {
    out.push({
      name: `${name} NaN`,
      inputs: (g) => [withNaN(g, [3, 7], domain, 1)],
      run: ([a]) => [(ops[op] as (x: Tensor) => Tensor)(a)],
      expected: ([a]) => [{ values: a.values.map(f), shape: a.shape }],
    });
  }
  // NaN in a at some places, in b at others, in both at a few: same shape and broadcast.
  for (const op of BINARY_OPS) {
    const [da, db] = binaryDef(op).domain ?? [ANY, ANY];
    for (const [sa, sb] of [[[4, 5], [4, 5]], [[4, 5], [5]]]) {
      out.push({
        name: `binary ${op} NaN ${JSON.stringify(sa)} ${JSON.stringify(sb)}`,
        inputs: (g) => [withNaN(g, sa, da, 0, 3), withNaN(g, sb, db, 1, 4)],
        run: ([a, b]) => [ops[op](a, b)],
        expected: ([a, b]) => [naiveBinary(a, b, binaryOps[op].fn)],
      });
    }
  }
  for (const op of COMPARE_OPS) {
    const f = compareOps[op].fn;
    out.push({
      name: `compare ${op} NaN`,
      inputs: (g) => [withNaN(g, [4, 5], ANY, 0, 3), withNaN(g, [4, 5], ANY, 1, 4)],
      run: ([a, b]) => [ops[op](a, b)],
      expected: ([a, b]) => [naiveBinary(a, b, (x, y) => (f(x, y) ? 1 : 0))],
    });
  }
  // Rows with a NaN first, in the middle, last, and none (max and min must give NaN for the first three).
  for (const [op, f, init] of [['max', Math.max, -Infinity], ['min', Math.min, Infinity]] as const) {
    for (const axes of [[1], [0, 1]]) {
      out.push({
        name: `reduce ${op} NaN axes ${axes}`,
        inputs: (g) => {
          const x = randomInput(g, [4, 6]);
          for (const i of [0, 6 + 3, 12 + 5]) x.values[i] = NaN;
          return [x];
        },
        run: ([a]) => [ops[op](a, axes)],
        expected: ([a]) => [naiveReduce(a, axes, f, init)],
      });
    }
  }
  // A NaN anywhere in a max-pooling window makes that window's output NaN.
  out.push({
    name: 'maxPool2d NaN',
    inputs: (g) => [withNaN(g, [1, 2, 6, 6], ANY, 3, 17)],
    run: ([a]) => [ops.maxPool2d(a, { kernelSize: [2, 2], stride: [2, 2], padding: [0, 0] })],
    expected: ([a]) => [naivePool(a, [2, 2], [2, 2], [0, 0], 'max')],
  });
  return out;
}
