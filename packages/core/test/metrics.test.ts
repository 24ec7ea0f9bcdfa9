import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ValueError, accuracy, countCorrect } from '../src/index.js';

describe('countCorrect / accuracy', () => {
  it('count the predictions equal to their labels', () => {
    expect(countCorrect(Int32Array.from([1, 2, 3, 4]), [1, 0, 3, 0])).toBe(2);
    expect(accuracy([1, 2, 3, 4], Int32Array.from([1, 0, 3, 0]))).toBe(0.5);
    expect(accuracy([7], [7])).toBe(1);
  });

  it('agree with a filter count on random labels (property)', () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.integer({ min: 0, max: 3 }), fc.integer({ min: 0, max: 3 })), { minLength: 1, maxLength: 50 }), (pairs) => {
        const p = pairs.map(([a]) => a), l = pairs.map(([, b]) => b);
        const hits = pairs.filter(([a, b]) => a === b).length;
        expect(countCorrect(p, l)).toBe(hits);
        expect(accuracy(p, l)).toBe(hits / pairs.length);
      }),
    );
  });

  it('is NaN on no data and refuses mismatched lengths', () => {
    expect(accuracy([], [])).toBeNaN();
    expect(() => accuracy([1, 2], [1])).toThrow(ValueError);
    expect(() => countCorrect([1, 2], [1])).toThrow('countCorrect: 2 predictions for 1 labels');
  });
});
