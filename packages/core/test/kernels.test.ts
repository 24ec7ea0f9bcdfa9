import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Generator, tensor, topkMask, kWinners } from '../src/index.js';
import { gemm, gemmReference, type MatView } from '../src/internal.js';
import { nthSmallest } from '../src/backends/cpu/select.js';

const FC = { seed: 424242, numRuns: 60 };

describe('GEMM micro-kernel against the triple loop', () => {
  it('agrees for random sizes, strides (transposes) and accumulate', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 19 }), fc.integer({ min: 1, max: 21 }), fc.integer({ min: 0, max: 17 }),
        fc.boolean(), fc.boolean(), fc.boolean(), fc.nat(),
        (M, N, K, tA, tB, acc, seed) => {
          const g = new Generator(seed);
          const a = Float64Array.from({ length: M * K }, () => g.normal());
          const b = Float64Array.from({ length: K * N }, () => g.normal());
          const A: MatView = { data: a, offset: 0, rowStride: tA ? 1 : K, colStride: tA ? M : 1 };
          const B: MatView = { data: b, offset: 0, rowStride: tB ? 1 : N, colStride: tB ? K : 1 };
          const init = Float64Array.from({ length: M * N + 3 }, () => g.normal());
          const fast = init.slice(), ref = init.slice();
          gemm(M, N, K, A, B, fast, 3, acc);
          gemmReference(M, N, K, A, B, ref, 3, acc);
          for (let i = 0; i < fast.length; i++) expect(Math.abs(fast[i] - ref[i])).toBeLessThan(1e-9);
        },
      ),
      FC,
    );
  });
});

describe('k-WTA selection', () => {
  it('quickselect finds the order statistic on tie-heavy data', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: -3, max: 3 }), { minLength: 1, maxLength: 80 }), fc.nat(), (xs, r) => {
        const nth = r % xs.length;
        const sorted = [...xs].sort((p, q) => p - q);
        expect(nthSmallest(Float32Array.from(xs), nth)).toBe(sorted[nth]);
      }),
      FC,
    );
  });

  it('exactly k winners per row, ties to the lower index, no loser beats a winner', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 4 }), fc.integer({ min: 1, max: 40 }), fc.nat(), fc.nat(),
        (rows, n, kr, seed) => {
          const k = 1 + (kr % n);
          const g = new Generator(seed);
          const vals = Array.from({ length: rows * n }, () => g.int(5) - 2); // many ties
          const mask = topkMask(tensor(vals, [rows, n]), k).dataSync();
          for (let r = 0; r < rows; r++) {
            const row = vals.slice(r * n, (r + 1) * n), m = Array.from(mask.slice(r * n, (r + 1) * n));
            expect(m.reduce((s, v) => s + v, 0)).toBe(k);
            for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) {
              if (m[i] && !m[j]) expect(row[i] > row[j] || (row[i] === row[j] && i < j)).toBe(true);
            }
          }
        },
      ),
      FC,
    );
  });

  it('works over C*H*W of a conv activation as the paper defines', () => {
    const x = tensor(Array.from({ length: 2 * 2 * 3 * 3 }, (_, i) => (i * 7) % 36), [2, 2, 3, 3]);
    const y = kWinners(x, 4).dataSync();
    const kept = Array.from(y).map((v, i) => (v !== 0 ? i : -1)).filter((i) => i >= 0);
    expect(kept.length).toBeLessThanOrEqual(8);
    for (let s = 0; s < 2; s++) {
      const rowVals = Array.from({ length: 18 }, (_, i) => ((s * 18 + i) * 7) % 36).sort((a, b) => b - a);
      const keptVals = kept.filter((i) => Math.floor(i / 18) === s).map((i) => ((i * 7) % 36));
      expect(keptVals.sort((a, b) => b - a)).toEqual(rowVals.slice(0, 4).filter((v) => v !== 0));
    }
  });
});

describe('k-WTA selection on long rows', () => {
  it('matches the definition on random, tied, sorted and constant rows', () => {
    fc.assert(
      fc.property(fc.integer({ min: 2048, max: 6000 }), fc.nat(), fc.constantFrom('random', 'ties', 'sorted', 'reversed', 'constant', 'spike'), fc.nat(), (n, kr, kind, seed) => {
        const g = new Generator(seed);
        const k = 1 + (kr % n);
        const row = Array.from({ length: n }, (_, i) => {
          switch (kind) {
            case 'random': return g.normal();
            case 'ties': return g.int(7);
            case 'sorted': return i;
            case 'reversed': return -i;
            case 'constant': return 1;
            default: return i % 97 === 0 ? 100 + g.uniform() : g.uniform();
          }
        });
        const mask = topkMask(tensor(row, [1, n]), k).dataSync();
        const order = Array.from({ length: n }, (_, i) => i).sort((a, b) => row[b] - row[a] || a - b);
        const want = new Uint8Array(n);
        for (const i of order.slice(0, k)) want[i] = 1;
        expect(Buffer.from(mask).equals(Buffer.from(want))).toBe(true);
      }),
      { seed: 777, numRuns: 40 },
    );
  });

  it('reports NaN in a long row', () => {
    const row = Array.from({ length: 4096 }, (_, i) => i);
    row[3000] = NaN;
    expect(() => topkMask(tensor(row, [1, 4096]), 10)).toThrow(/row 0 contains NaN at position 3000/);
  });
});
