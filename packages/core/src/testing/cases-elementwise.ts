// Conformance cases for elementwise ops (unary, binary with broadcasting, comparisons) and reductions.
import * as ops from '../ops/index.js';
import type { BinaryOp, CompareOp, UnaryOp } from '../backend.js';
import { naiveBinary, naiveReduce, size, unravel, ravel } from './naive.js';
import { f32, randomInput, type ConformanceCase } from './case.js';

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

export function binaryCases(): ConformanceCase[] {
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
  return (Object.entries(unaryDefs) as [UnaryOp, [(x: number) => number, number, number]][]).map(([op, [f, lo, hi]]) => ({
    name: `unary ${op}`,
    inputs: (g) => [randomInput(g, [3, 7], lo, hi)],
    run: ([a]) => [ops[op](a)],
    expected: ([a]) => [{ values: a.values.map(f), shape: a.shape }],
  }));
}

/** Every case of the suite. Backends run all of them; none is optional. */
