import fc from 'fast-check';
import { utils } from 'gpu.js';
import { describe, expect, it } from 'vitest';
import { EXACT_INDEX_LIMIT, textureCapacity } from '../src/index.js';
import { contiguousStart, view, type Box } from '../src/split/paged.js';

/** gpu.js's own layout of an n-element buffer (utils.closestSquareDimensions, untyped in its .d.ts). */
const closestSquareDimensions = (utils as unknown as { closestSquareDimensions(n: number): Int32Array }).closestSquareDimensions;

describe('texture capacity', () => {
  it('every buffer of at most textureCapacity(side) elements gets a gpu.js texture within side x side', () => {
    for (let side = 2; side <= 200; side++) {
      const cap = textureCapacity(side);
      for (let n = 1; n <= cap; n++) {
        const [w, h] = closestSquareDimensions(n);
        if (w > side || h > side) expect.fail(`side ${side}: ${n} elements laid out as ${w} x ${h}`);
      }
    }
  });

  it('stays below 2^24 elements, where float32 index arithmetic in shaders stops being exact', () => {
    expect(textureCapacity(16384)).toBe(EXACT_INDEX_LIMIT);
    expect(textureCapacity(4096)).toBe(4095 * 4095);
    expect(Math.fround(EXACT_INDEX_LIMIT + 1)).toBe(EXACT_INDEX_LIMIT);
  });
});

describe('paged views', () => {
  const shapeArb = fc.array(fc.integer({ min: 1, max: 4 }), { minLength: 1, maxLength: 4 });
  const caseArb = shapeArb.chain((shape) => fc.record({
    shape: fc.constant(shape),
    box: fc.tuple(...shape.map((d) => fc.tuple(fc.integer({ min: 0, max: d - 1 }), fc.integer({ min: 1, max: d })))).map((rs): Box => ({
      lo: rs.map(([a, b]) => Math.min(a, b - 1)), hi: rs.map(([a, b]) => Math.max(a + 1, b)),
    })),
  }));

  it('contiguousStart finds exactly the boxes whose elements are one run, and where it starts', () => {
    fc.assert(fc.property(caseArb, ({ shape, box }) => {
      const flat: number[] = [];
      const walk = (d: number, base: number): void => {
        if (d === shape.length) return void flat.push(base);
        for (let i = box.lo[d]; i < box.hi[d]; i++) walk(d + 1, base * shape[d] + i);
      };
      walk(0, 0);
      const run = flat.every((v, i) => v === flat[0] + i);
      expect(contiguousStart(shape, box)).toBe(run ? flat[0] : null);
    }), { seed: 3, numRuns: 400 });
  });

  it('a view picks the elements of its range across page boundaries', () => {
    const pages = [Float32Array.of(0, 1, 2), Float32Array.of(3, 4), Float32Array.of(5, 6, 7, 8)];
    const t = { segs: pages.map((buf) => ({ buf, offset: 0, size: buf.length })), shape: [9], dtype: 'float32' as const };
    const v = view(t, 2, [2, 2]);
    expect(v.segs.map((s) => Array.from((s.buf as Float32Array).subarray(s.offset, s.offset + s.size)))).toEqual([[2], [3, 4], [5]]);
  });
});
