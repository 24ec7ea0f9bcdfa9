// Conformance cases for layout ops, selection (top-k, k-WTA masks, ties) and derived ops.
import { Generator } from '../random.js';
import type { Tensor } from '../tensor.js';
import * as ops from '../ops/index.js';
import * as bp from '../ops/adjoints.js';
import { type HostArray, naiveReduce, naiveTopkIndices, size, unravel, ravel } from './naive.js';
import { f32, i32, randomInput, type ConformanceCase, type HostInput } from './case.js';

export function layoutCases(): ConformanceCase[] {
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

export function selectionCases(): ConformanceCase[] {
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

export function derivedCases(): ConformanceCase[] {
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
