import { describe, expect, it } from 'vitest';
import {
  AxisError, DTypeError, DisposedError, Generator, ShapeError, ValueError, add, arange, cast, concat, conv2d,
  full, kWinners, matmul, mean, memory, oneHot, ones, rand, randn, reshape, sum, tensor, tidy, topkMask, transpose, zeros,
} from '../src/index.js';

describe('tensor creation', () => {
  it('infers shape and dtype from nested arrays', () => {
    const t = tensor([[1, 2, 3], [4, 5, 6]]);
    expect(t.shape).toEqual([2, 3]);
    expect(t.dtype).toBe('float32');
    expect(t.toArray()).toEqual([[1, 2, 3], [4, 5, 6]]);
    expect(tensor([true, false]).dtype).toBe('bool');
    expect(tensor(new Int32Array([1, 2])).dtype).toBe('int32');
    expect(tensor(3).rank).toBe(0);
  });

  it('refuses ragged arrays and mismatched shapes with named errors', () => {
    expect(() => tensor([[1, 2], [3]])).toThrow(ShapeError);
    expect(() => tensor([1, 2, 3], [2, 2])).toThrow(/3 values do not fill shape \[2, 2\]/);
    expect(() => zeros([2, -1])).toThrow(ShapeError);
  });

  it('arange, full, oneHot', () => {
    expect(Array.from(arange(5).dataSync())).toEqual([0, 1, 2, 3, 4]);
    expect(Array.from(arange(1, 2, 0.25).dataSync())).toEqual([1, 1.25, 1.5, 1.75]);
    expect(full([2], 7, 'int32').toArray()).toEqual([7, 7]);
    expect(oneHot(tensor([2, 0], undefined, 'int32'), 3).toArray()).toEqual([[0, 0, 1], [1, 0, 0]]);
    expect(() => oneHot(tensor([3], undefined, 'int32'), 3)).toThrow(/label 3 at position 0 is outside \[0, 3\)/);
  });

  it('random tensors are determined by the generator seed', () => {
    const a = randn([100], new Generator(7)).dataSync();
    const b = randn([100], new Generator(7)).dataSync();
    const c = randn([100], new Generator(8)).dataSync();
    expect(Array.from(a)).toEqual(Array.from(b));
    expect(Array.from(a)).not.toEqual(Array.from(c));
    const u = rand([10000], new Generator(1)).dataSync();
    const m = Array.from(u).reduce((s, v) => s + v, 0) / u.length;
    expect(Math.abs(m - 0.5)).toBeLessThan(0.02);
    expect(() => rand([2], 42 as unknown as Generator)).toThrow(/seeded Generator/);
  });

  it('generator state round-trips for checkpoints', () => {
    const g = new Generator(3);
    g.normal();
    const state = g.getState();
    const x = [g.uniform(), g.normal(), g.int(10)];
    const h = new Generator(0);
    h.setState(state);
    expect([h.uniform(), h.normal(), h.int(10)]).toEqual(x);
  });
});

describe('typed errors name the op, shapes and argument', () => {
  it('broadcasting', () => {
    expect(() => add(ones([2, 3]), ones([4]))).toThrow(ShapeError);
    expect(() => add(ones([2, 3]), ones([4]))).toThrow(/add: shapes \[2, 3\] and \[4\]/);
  });
  it('matmul inner dims', () => {
    expect(() => matmul(ones([2, 3]), ones([4, 5]))).toThrow(/matmul: inner dimensions differ: a \[2, 3\] has 3, b \[4, 5\] has 4/);
  });
  it('conv2d channels', () => {
    expect(() => conv2d(ones([1, 3, 5, 5]), ones([2, 4, 3, 3]))).toThrow(/conv2d: input has 3 channels/);
  });
  it('dtype mixing', () => {
    expect(() => add(ones([2]), ones([2], 'float64'))).toThrow(DTypeError);
    expect(() => add(ones([2]), ones([2], 'float64'))).toThrow(/add: dtypes differ/);
    expect(() => mean(ones([2], 'int32'))).toThrow(DTypeError);
  });
  it('axes', () => {
    expect(() => sum(ones([2, 3]), 2)).toThrow(AxisError);
    expect(() => sum(ones([2, 3]), [0, 0])).toThrow(/repeated axis/);
    expect(() => transpose(ones([2, 3]), [0, 0])).toThrow(ShapeError);
  });
  it('reshape sizes', () => {
    expect(() => reshape(ones([2, 3]), [4, 2])).toThrow(/cannot reshape \[2, 3\] \(size 6\) to \[4, 2\]/);
    expect(reshape(ones([2, 3]), [-1]).shape).toEqual([6]);
  });
  it('top-k k range and NaN input', () => {
    expect(() => topkMask(ones([2, 5]), 0)).toThrow(ValueError);
    expect(() => topkMask(ones([2, 5]), 6)).toThrow(/k must be an integer in \[1, 5\]/);
    expect(() => topkMask(tensor([[1, NaN, 2]]), 1)).toThrow(/row 0 contains NaN at position 1/);
    expect(() => kWinners(ones([5]), 1)).toThrow(ShapeError);
  });
  it('concat mismatch', () => {
    expect(() => concat([ones([2, 3]), ones([3, 3])], 1)).toThrow(/tensor 1 \[3, 3\] does not match \[2, 3\] off axis 1/);
  });
  it('use after dispose', () => {
    const t = ones([2]);
    t.dispose();
    expect(() => add(t, 1)).toThrow(DisposedError);
    expect(() => t.dataSync()).toThrow(DisposedError);
  });
});

describe('views, casts and memory scopes', () => {
  it('reshape shares storage and keeps it alive until the last view goes', () => {
    const before = memory();
    const t = arange(6);
    const v = reshape(t, [2, 3]);
    expect(memory().numBuffers - before.numBuffers).toBe(1);
    t.dispose();
    expect(v.toArray()).toEqual([[0, 1, 2], [3, 4, 5]]);
    v.dispose();
    expect(memory().numBuffers).toBe(before.numBuffers);
    expect(memory().numTensors).toBe(before.numTensors);
  });

  it('tidy disposes intermediates and keeps what it returns', () => {
    const before = memory();
    const out = tidy(() => {
      const a = ones([3]);
      const b = a.mul(2).add(1);
      return { b, list: [b.sum()] };
    });
    expect(memory().numTensors - before.numTensors).toBe(2);
    expect(out.b.toArray()).toEqual([3, 3, 3]);
    out.b.dispose();
    out.list[0].dispose();
    expect(memory()).toEqual(before);
  });

  it('casts convert values', () => {
    expect(cast(tensor([1.7, -1.7, 0]), 'int32').toArray()).toEqual([1, -1, 0]);
    expect(cast(tensor([1.7, 0]), 'bool').toArray()).toEqual([true, false]);
  });
});
