// Conformance cases for elementwise ops (unary, binary with broadcasting, comparisons, derived)
// and reductions. The elementwise cases are made from the op definitions: each op's inputs come
// from its `domain`, its expected values from its `fn` (a derived op's from its `reference`).
import * as ops from '../ops/index.js';
import { BINARY_OPS, COMPARE_OPS, DERIVED_OPS, UNARY_OPS, binaryDef, binaryOps, compareOps, derivedOps, unaryOps, type Range } from '../ops/definitions/index.js';
import { naiveBinary, naiveReduce, size, unravel, ravel } from './naive.js';
import { f32, randomInput, type ConformanceCase } from './case.js';

const BROADCAST_PAIRS: [number[], number[]][] = [[[3, 4], [3, 4]], [[2, 3, 4], [3, 1]], [[4], [2, 3, 4]], [[2, 1, 5], [1, 3, 1]], [[3, 2], []]];
const ANY: Range = [-2, 2];

export function binaryCases(): ConformanceCase[] {
  const out: ConformanceCase[] = [];
  for (const op of BINARY_OPS) {
    const [da, db] = binaryDef(op).domain ?? [ANY, ANY];
    for (const [sa, sb] of BROADCAST_PAIRS) {
      out.push({
        name: `binary ${op} ${JSON.stringify(sa)} ${JSON.stringify(sb)}`,
        inputs: (g) => [randomInput(g, sa, ...da), randomInput(g, sb, ...db)],
        run: ([a, b]) => [ops[op](a, b)],
        expected: ([a, b]) => [naiveBinary(a, b, binaryOps[op].fn)],
      });
    }
  }
  for (const op of COMPARE_OPS) {
    const f = compareOps[op].fn;
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


export function reduceCases(): ConformanceCase[] {
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


export function unaryCases(): ConformanceCase[] {
  return UNARY_OPS.map((op) => ({
    name: `unary ${op}`,
    inputs: (g) => [randomInput(g, [3, 7], ...unaryOps[op].domain)],
    run: ([a]) => [ops[op](a)],
    expected: ([a]) => [{ values: a.values.map(unaryOps[op].fn), shape: a.shape }],
  }));
}

/** Derived elementwise ops (compositions) against their float64 reference definitions. */
export function derivedElementwiseCases(): ConformanceCase[] {
  return DERIVED_OPS.map((op) => ({
    name: `derived ${op}`,
    inputs: (g) => [randomInput(g, [3, 7], ...derivedOps[op].domain)],
    run: ([a]) => [ops[op](a)],
    expected: ([a]) => [{ values: a.values.map(derivedOps[op].reference), shape: a.shape }],
  }));
}

/** Every case of the suite. Backends run all of them; none is optional. */
