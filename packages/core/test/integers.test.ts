import { afterAll, describe, expect, it } from 'vitest';
import { Generator, ValueError, arange, cast, full, linspace, rand, randint, tensor } from '../src/index.js';
import { withBackend } from '../src/testing/index.js';
import { BACKENDS } from './backends.js';

// Integers never wrap silently: a value an int32 cannot hold, a randint range wider than int32,
// a seed that is not a non-negative integer are typed errors naming the op and the value.

describe('int32 creation refuses values it cannot hold', () => {
  it.each([
    ['3e9', () => tensor([3e9], undefined, 'int32'), /tensor: 3000000000 at index 0 does not fit int32/],
    ['-2^31 - 1', () => tensor([1, -(2 ** 31) - 1], undefined, 'int32'), /tensor: -2147483649 at index 1/],
    ['NaN', () => tensor([NaN], undefined, 'int32'), /tensor: NaN at index 0/],
    ['Infinity from a typed array', () => tensor(Float64Array.of(0, Infinity), undefined, 'int32'), /tensor: Infinity at index 1/],
    ['full', () => full([2], 2 ** 31, 'int32'), /full: 2147483648 .*int32/],
    ['arange', () => arange(2 ** 31 - 2, 2 ** 31 + 1, 1, 'int32'), /arange: 2147483648 .*int32/],
    ['linspace', () => linspace(0, 5e9, 3, 'int32'), /linspace: 5000000000 .*int32/],
    ['rand', () => rand([2], new Generator(1), { high: 1e10, dtype: 'int32' }), /rand: .*int32/],
  ])('%s', (_what, make, message) => {
    expect(make).toThrow(ValueError);
    expect(make).toThrow(message);
  });

  it('keeps every value int32 can hold, truncating fractions toward zero as PyTorch does', () => {
    expect(Array.from(tensor([2 ** 31 - 1, -(2 ** 31), 2.7, -2.7], undefined, 'int32').dataSync())).toEqual([2 ** 31 - 1, -(2 ** 31), 2, -2]);
    expect(Array.from(full([1], -(2 ** 31), 'int32').dataSync())).toEqual([-(2 ** 31)]);
  });
});

describe.each(BACKENDS)('cast to int32 on the %s', (_label, make) => {
  const backend = make();
  afterAll(() => backend.dispose?.());

  it('refuses a value out of range, NaN and Infinity, naming the element', () => {
    withBackend(backend, () => {
      for (const [values, bad] of [[[1, 3e9], '3000000000 at index 1'], [[NaN], 'NaN at index 0'], [[-Infinity, 0], '-Infinity at index 0']] as const) {
        const x = tensor(Float64Array.from(values), undefined, 'float64');
        expect(() => cast(x, 'int32')).toThrow(ValueError);
        expect(() => cast(x, 'int32')).toThrow(new RegExp(`cast: ${bad} does not fit int32`));
      }
      expect(Array.from(cast(tensor([2147483520, -2.5]), 'int32').dataSync())).toEqual([2147483520, -2]);
    });
  });
});

describe('randint and Generator bounds', () => {
  it('randint refuses bounds outside int32 instead of returning wrapped values', () => {
    expect(() => randint([4], 0, 2 ** 40, new Generator(1))).toThrow(ValueError);
    expect(() => randint([4], 0, 2 ** 40, new Generator(1))).toThrow(/randint: .*int32/);
    expect(() => randint([4], -(2 ** 31) - 1, 0, new Generator(1))).toThrow(/randint: .*int32/);
  });

  it('randint covers the whole int32 range without wrapping', () => {
    const v = Array.from(randint([2000], -(2 ** 31), 2 ** 31, new Generator(3)).dataSync());
    expect(v.some((x) => x < -(2 ** 30))).toBe(true);
    expect(v.some((x) => x > 2 ** 30)).toBe(true);
  });

  it.each([[1.5], [-1], [2 ** 53], [NaN]])('new Generator(%s) is a typed error, not a different seed', (seed) => {
    expect(() => new Generator(seed)).toThrow(ValueError);
    expect(() => new Generator(seed)).toThrow(/Generator: seed must be an integer in \[0, 2\^53\)/);
  });

  it('Generator.int refuses a range its 32 random bits cannot cover', () => {
    expect(() => new Generator(1).int(2 ** 33)).toThrow(/Generator.int: n must be an integer in \[1, 2\^32\]/);
    expect(new Generator(1).int(2 ** 32)).toBeLessThan(2 ** 32);
  });

  it('reseed checks the seed as the constructor does', () => {
    expect(() => new Generator(1).reseed(0.5)).toThrow(ValueError);
  });
});
